"""What the crawler must remember between runs, in <data-dir>/state.db.

- **seen URLs**: article pages already fetched and handled. A crawl never fetches them again,
  which is what makes a second crawl of an unchanged site cost only its listing pages.
  A URL is marked seen only after its article was stored (or judged irrelevant for a
  ``keep: relevant`` source), so a crash mid-page means a refetch, never a lost article.
- **validators**: the ETag / Last-Modified of listing pages and feeds, sent back as
  ``If-None-Match`` / ``If-Modified-Since`` so an unchanged listing costs a 304.
- **crawl runs**: one row per source per crawl, so ``newsmon status``, silence warnings and
  the monitor page can tell "quiet" from "blocked" from "broken".

Every function takes a connection from ``pipeline.statedb.open_state`` (or ``open_crawlstate``)
and creates its tables on first use; each write is its own transaction (WAL), so ``kill -9``
loses at most the page in hand.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from pipeline.statedb import ensure_schema, open_state, transaction

COMPONENT = "crawl"

_MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE crawl_seen (
               url TEXT PRIMARY KEY,
               source TEXT NOT NULL,
               article_id TEXT,
               outcome TEXT NOT NULL,
               first_seen TEXT NOT NULL,
               last_seen TEXT NOT NULL
           )""",
        "CREATE INDEX crawl_seen_source ON crawl_seen(source)",
        """CREATE TABLE crawl_validators (
               url TEXT PRIMARY KEY,
               etag TEXT,
               last_modified TEXT,
               checked_at TEXT NOT NULL
           )""",
        """CREATE TABLE crawl_runs (
               id INTEGER PRIMARY KEY AUTOINCREMENT,
               source TEXT NOT NULL,
               started_at TEXT NOT NULL,
               finished_at TEXT NOT NULL,
               pages INTEGER NOT NULL,
               new INTEGER NOT NULL,
               unchanged INTEGER NOT NULL,
               errors INTEGER NOT NULL,
               blocked INTEGER NOT NULL,
               message TEXT
           )""",
        "CREATE INDEX crawl_runs_source ON crawl_runs(source, id)",
    ],
    [
        # a run "failed" when the source as a whole did not work (blocked, or no listing
        # could be read); a few broken article links are errors but not a failed run
        "ALTER TABLE crawl_runs ADD COLUMN failed INTEGER",
        "UPDATE crawl_runs SET failed = CASE WHEN blocked = 1 OR (errors > 0 AND pages <= errors) THEN 1 ELSE 0 END",
    ],
    [
        # stored articles a revisit found gone from their portal (404/410): withdrawn pages
        """CREATE TABLE crawl_gone (
               url TEXT PRIMARY KEY,
               source TEXT NOT NULL,
               article_id TEXT,
               status INTEGER NOT NULL,
               gone_at TEXT NOT NULL,
               checked_at TEXT NOT NULL,
               misses INTEGER NOT NULL
           )""",
        "CREATE INDEX crawl_gone_article ON crawl_gone(article_id)",
    ],
]

#: outcomes ``mark_seen`` records for an article URL
OUTCOMES = ("new", "updated", "unchanged", "irrelevant", "empty")


def ensure_crawl_schema(conn: sqlite3.Connection) -> None:
    ensure_schema(conn, COMPONENT, _MIGRATIONS)


def open_crawlstate(data_dir: Path) -> sqlite3.Connection:
    """``open_state`` with the crawl tables in place."""
    conn = open_state(data_dir)
    ensure_crawl_schema(conn)
    return conn


# --- seen article URLs ------------------------------------------------------------------

def is_seen(conn: sqlite3.Connection, url: str) -> bool:
    ensure_crawl_schema(conn)
    return conn.execute("SELECT 1 FROM crawl_seen WHERE url=?", (url,)).fetchone() is not None


def seen_among(conn: sqlite3.Connection, urls: Iterable[str]) -> set[str]:
    """The subset of ``urls`` already seen (one query per 500 URLs)."""
    ensure_crawl_schema(conn)
    urls = list(dict.fromkeys(urls))
    out: set[str] = set()
    for i in range(0, len(urls), 500):
        chunk = urls[i:i + 500]
        marks = ",".join("?" * len(chunk))
        out.update(r[0] for r in conn.execute(f"SELECT url FROM crawl_seen WHERE url IN ({marks})", chunk))
    return out


def mark_seen(conn: sqlite3.Connection, url: str, source: str, *, when: str,
              article_id: str | None = None, outcome: str = "new") -> None:
    ensure_crawl_schema(conn)
    conn.execute(
        """INSERT INTO crawl_seen(url, source, article_id, outcome, first_seen, last_seen)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(url) DO UPDATE SET last_seen=excluded.last_seen, outcome=excluded.outcome,
                                          article_id=COALESCE(excluded.article_id, crawl_seen.article_id)""",
        (url, source, article_id, outcome, when, when),
    )


def mark_seen_many(conn: sqlite3.Connection, rows: Iterable[tuple[str, str, str | None, str, str]]) -> None:
    """``mark_seen`` for many ``(url, source, article_id, outcome, when)`` rows in one transaction."""
    ensure_crawl_schema(conn)
    rows = list(rows)
    if not rows:
        return
    with transaction(conn):
        conn.executemany(
            """INSERT INTO crawl_seen(url, source, article_id, outcome, first_seen, last_seen)
               VALUES (?1, ?2, ?3, ?4, ?5, ?5)
               ON CONFLICT(url) DO UPDATE SET last_seen=excluded.last_seen, outcome=excluded.outcome,
                                              article_id=COALESCE(excluded.article_id, crawl_seen.article_id)""",
            rows,
        )


def forget_seen(conn: sqlite3.Connection, *, source: str | None = None, url: str | None = None) -> int:
    """Drop seen marks (all of a source, or one URL) so the next crawl refetches them."""
    ensure_crawl_schema(conn)
    if url is not None:
        cur = conn.execute("DELETE FROM crawl_seen WHERE url=?", (url,))
    elif source is not None:
        cur = conn.execute("DELETE FROM crawl_seen WHERE source=?", (source,))
    else:
        cur = conn.execute("DELETE FROM crawl_seen")
    return cur.rowcount


def revisit_due(conn: sqlite3.Connection, source: str, *, first_seen_after: datetime,
                last_seen_before: datetime, limit: int) -> list[str]:
    """Stored articles of ``source`` first seen after ``first_seen_after`` and not fetched
    since ``last_seen_before``, the longest unvisited first: one URL per article, the one it
    was stored under (its first mark; redirects and listing links are marked after it).
    Times are compared as times: marks carry the offset of the machine that wrote them."""
    ensure_crawl_schema(conn)
    rows = conn.execute(
        """SELECT rowid, url, article_id, last_seen FROM crawl_seen
           WHERE source=? AND article_id IS NOT NULL AND outcome IN ('new', 'updated', 'unchanged')
             AND julianday(first_seen) >= julianday(?)""",
        (source, first_seen_after.isoformat()),
    ).fetchall()
    articles: dict[str, tuple[int, str, datetime]] = {}
    for rowid, url, article_id, last_seen in rows:
        last = _time(last_seen)
        if last is None:
            continue
        first = articles.get(article_id)
        if first is None:
            articles[article_id] = (rowid, url, last)
        else:  # the article's own URL, and the latest fetch under any of its URLs
            own = (rowid, url) if rowid < first[0] else first[:2]
            articles[article_id] = (*own, max(first[2], last))
    due = sorted((last, url) for _, url, last in articles.values() if last <= last_seen_before)
    return [url for _, url in due[:limit]]


def _time(value: str) -> datetime | None:
    """A mark's time; one without an offset is UTC, one that is not a time is skipped."""
    try:
        dt = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def touch_seen(conn: sqlite3.Connection, url: str, *, when: str) -> None:
    """A seen URL fetched again and found as it was (a 304), or not found this time: its
    next revisit waits a full gap."""
    ensure_crawl_schema(conn)
    conn.execute("UPDATE crawl_seen SET last_seen=? WHERE url=?", (when, url))


# --- withdrawn pages ----------------------------------------------------------------------

#: revisits in a row that found the page gone before it counts as withdrawn (one 404 can
#: be a portal's hiccup; an alert must not cry wolf)
WITHDRAWN_AFTER = 2


def mark_gone(conn: sqlite3.Connection, url: str, source: str, status: int, *, when: str) -> None:
    """A revisit of a stored article's page was answered ``status`` (404 or 410)."""
    ensure_crawl_schema(conn)
    row = conn.execute("SELECT article_id FROM crawl_seen WHERE url=?", (url,)).fetchone()
    conn.execute(
        """INSERT INTO crawl_gone(url, source, article_id, status, gone_at, checked_at, misses)
           VALUES (?, ?, ?, ?, ?, ?, 1)
           ON CONFLICT(url) DO UPDATE SET status=excluded.status, checked_at=excluded.checked_at,
                                          misses=crawl_gone.misses + 1""",
        (url, source, row[0] if row else None, int(status), when, when),
    )


def mark_back(conn: sqlite3.Connection, url: str) -> None:
    """A page once found gone answered with itself again."""
    ensure_crawl_schema(conn)
    conn.execute("DELETE FROM crawl_gone WHERE url=?", (url,))


_GONE_COLUMNS = ("url", "source", "article_id", "status", "gone_at", "checked_at", "misses")


def gone(conn: sqlite3.Connection, *, article_ids: Iterable[str] | None = None, withdrawn_only: bool = False,
         limit: int = 100) -> list[dict]:
    """Pages found gone, the latest first (all, or of ``article_ids``); each dict has
    url, source, article_id, status, gone_at, checked_at, misses and ``withdrawn``
    (found gone ``WITHDRAWN_AFTER`` times in a row)."""
    ensure_crawl_schema(conn)
    where, params = [], []
    if article_ids is not None:
        ids = list(article_ids)
        if not ids:
            return []
        where.append(f"article_id IN ({','.join('?' * len(ids))})")
        params += ids
    if withdrawn_only:
        where.append("misses >= ?")
        params.append(WITHDRAWN_AFTER)
    sql = f"SELECT {', '.join(_GONE_COLUMNS)} FROM crawl_gone"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = conn.execute(sql + " ORDER BY julianday(gone_at) DESC LIMIT ?", (*params, limit)).fetchall()
    out = [dict(zip(_GONE_COLUMNS, r)) for r in rows]
    for d in out:
        d["withdrawn"] = d["misses"] >= WITHDRAWN_AFTER
    return out


def seen_count(conn: sqlite3.Connection, source: str | None = None) -> int:
    ensure_crawl_schema(conn)
    if source is None:
        return conn.execute("SELECT COUNT(*) FROM crawl_seen").fetchone()[0]
    return conn.execute("SELECT COUNT(*) FROM crawl_seen WHERE source=?", (source,)).fetchone()[0]


# --- conditional-GET validators ------------------------------------------------------------

def get_validators(conn: sqlite3.Connection, url: str) -> tuple[str | None, str | None]:
    """``(etag, last_modified)`` last sent by ``url``; ``(None, None)`` when unknown."""
    ensure_crawl_schema(conn)
    row = conn.execute("SELECT etag, last_modified FROM crawl_validators WHERE url=?", (url,)).fetchone()
    return (row[0], row[1]) if row else (None, None)


def set_validators(conn: sqlite3.Connection, url: str, etag: str | None, last_modified: str | None,
                   *, when: str) -> None:
    ensure_crawl_schema(conn)
    if not etag and not last_modified:
        conn.execute("DELETE FROM crawl_validators WHERE url=?", (url,))
        return
    conn.execute(
        """INSERT INTO crawl_validators(url, etag, last_modified, checked_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(url) DO UPDATE SET etag=excluded.etag, last_modified=excluded.last_modified,
                                          checked_at=excluded.checked_at""",
        (url, etag, last_modified, when),
    )


# --- crawl runs ------------------------------------------------------------------------------

def record_run(conn: sqlite3.Connection, source: str, started_at: str, finished_at: str, pages: int,
               new: int, unchanged: int, errors: int, blocked: bool, message: str | None = None,
               *, failed: bool | None = None) -> int:
    """Store one source's crawl result; returns the run id. Times are ISO 8601 strings.

    ``failed``: the source as a whole did not work this time (blocked, unreachable, no
    listing readable). When not given it is guessed: blocked, or errors with no more pages
    fetched than errors. A run with some broken article links is not a failed run.
    """
    ensure_crawl_schema(conn)
    if failed is None:
        failed = bool(blocked) or (errors > 0 and pages <= errors)
    cur = conn.execute(
        """INSERT INTO crawl_runs(source, started_at, finished_at, pages, new, unchanged, errors, blocked, message,
                                  failed)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (source, started_at, finished_at, int(pages), int(new), int(unchanged), int(errors),
         1 if blocked else 0, (message or "")[:500] or None, 1 if failed else 0),
    )
    return int(cur.lastrowid)


_RUN_COLUMNS = ("id", "source", "started_at", "finished_at", "pages", "new", "unchanged", "errors",
                "blocked", "message", "failed")


def _run_dict(row) -> dict:
    d = dict(zip(_RUN_COLUMNS, row))
    d["blocked"] = bool(d["blocked"])
    d["failed"] = bool(d["failed"])
    return d


def runs(conn: sqlite3.Connection, source: str | None = None, limit: int = 50) -> list[dict]:
    """Recent runs, newest first (all sources, or one)."""
    ensure_crawl_schema(conn)
    cols = ", ".join(_RUN_COLUMNS)
    if source is None:
        rows = conn.execute(f"SELECT {cols} FROM crawl_runs ORDER BY id DESC LIMIT ?", (limit,))
    else:
        rows = conn.execute(f"SELECT {cols} FROM crawl_runs WHERE source=? ORDER BY id DESC LIMIT ?",
                            (source, limit))
    return [_run_dict(r) for r in rows]


def last_runs(conn: sqlite3.Connection) -> dict[str, dict]:
    """Per source: its latest run plus what a monitor needs to judge it.

    Keys of each dict: ``source``, ``last_run`` (the latest run's dict: started_at,
    finished_at, pages, new, unchanged, errors, blocked, message, failed), ``last_crawl_at``
    (its finished_at), ``last_new_at`` (finished_at of the latest run that found a new
    article, or None), ``last_ok_at`` (latest run that did not fail, or None), ``blocked``
    (latest run was blocked), ``errors`` (latest run's error count), ``failing_runs``
    (consecutive latest runs that failed; see ``record_run``), ``runs`` (runs recorded),
    ``total_new`` (new articles over all runs).
    """
    ensure_crawl_schema(conn)
    cols = ", ".join(_RUN_COLUMNS)
    out: dict[str, dict] = {}
    latest = conn.execute(
        f"SELECT {cols} FROM crawl_runs WHERE id IN (SELECT MAX(id) FROM crawl_runs GROUP BY source)"
    ).fetchall()
    for row in latest:
        run = _run_dict(row)
        name = run["source"]
        agg = conn.execute(
            """SELECT COUNT(*), COALESCE(SUM(new), 0),
                      MAX(CASE WHEN new > 0 THEN finished_at END),
                      MAX(CASE WHEN failed = 0 THEN finished_at END),
                      MAX(CASE WHEN failed = 0 THEN id END)
               FROM crawl_runs WHERE source=?""",
            (name,),
        ).fetchone()
        last_ok_id = agg[4] or 0
        failing = conn.execute(
            "SELECT COUNT(*) FROM crawl_runs WHERE source=? AND id > ?", (name, last_ok_id)
        ).fetchone()[0]
        out[name] = {
            "source": name,
            "last_run": run,
            "last_crawl_at": run["finished_at"],
            "last_new_at": agg[2],
            "last_ok_at": agg[3],
            "blocked": run["blocked"],
            "errors": run["errors"],
            "failing_runs": failing,
            "runs": agg[0],
            "total_new": agg[1],
        }
    return out
