"""The embedded default index: one SQLite file with an FTS5 full-text index.

Why FTS5 over bigrams (see ``pipeline.textindex``): it needs no server and no extension,
ranks with BM25, and matches Chinese words in either script. The FTS table is contentless
(the original text lives once, in ``articles.data``), so the file stays about the size of
the text itself. WAL mode lets the web page search while the daemon writes.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from pipeline import attached
from pipeline.errors import StoreError
from pipeline.leftruns import guessed_readings, guessed_spans, search_text
from pipeline.model import Article
from pipeline.query import And, Field, Node, Not, Or, QueryError, Term, positive_terms
from pipeline.snippet import make_snippet
from pipeline.statedb import transaction
from pipeline.store.base import (
    FACET_WINDOW,
    Hit,
    SearchRequest,
    SearchResult,
    Store,
    UpsertOutcome,
    query_node,
)
from pipeline.textindex import INDEX_VERSION, document_tokens, field_token, query_tokens
from pipeline.timeutil import parse_user_date, timestamp

log = logging.getLogger(__name__)

APP_ID = "newsmon"

#: the full-text index: contentless (the text lives once, in ``articles.data``), derived,
#: rebuilt when ``INDEX_VERSION`` moves; ``attached`` holds what the attachments say
FTS_TABLE = "CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, meta, attached, content='', tokenize='ascii')"

#: (version, statements): applied in order to bring an older file up to date
MIGRATIONS: list[tuple[int, list[str]]] = [
    (
        1,
        [
            """CREATE TABLE articles (
                rowid INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                url TEXT,
                source TEXT NOT NULL,
                published_ts REAL,
                sort_ts REAL NOT NULL,
                ingested_us INTEGER NOT NULL,
                story_id TEXT,
                fts_id INTEGER NOT NULL UNIQUE,
                data TEXT NOT NULL
            )""",
            "CREATE INDEX articles_url ON articles(url)",
            "CREATE INDEX articles_source_sort ON articles(source, sort_ts)",
            "CREATE INDEX articles_sort ON articles(sort_ts)",
            "CREATE INDEX articles_published ON articles(published_ts)",
            "CREATE INDEX articles_ingested ON articles(ingested_us)",
            "CREATE INDEX articles_story ON articles(story_id)",
            """CREATE TABLE article_history (
                id TEXT NOT NULL,
                version INTEGER NOT NULL,
                replaced_at TEXT NOT NULL,
                data TEXT NOT NULL,
                PRIMARY KEY (id, version)
            )""",
            FTS_TABLE,
        ],
    ),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]

#: BM25 column weights: a hit in the title counts more than one in the body
#: bm25 weights of title, body, meta, attached: an attachment's words count, a tenth as much
#: (a 200-page plan holds most words somewhere)
_WEIGHTS = "5.0, 1.0, 0.0, 0.1"
#: a query matching more articles than this ranks by relevance among the newest this many
#: (ranking every copy of a ubiquitous word costs ~1 ms per 1,000 matches)
RANK_WINDOW = 5_000
#: counting stops here, as Elasticsearch's track_total_hits does: the result says "at least"
COUNT_LIMIT = 10_000
#: one-row-per-story results count stories exactly up to this many matches, and past it
#: give a lower bound from the newest this many ("at least N stories")
STORY_COUNT_SAMPLE = 2_000
_FTS_SHIFT = 20
#: marks articles with no publication date, which a date range must leave out
_UNDATED = field_token("date", "none")


def fts_id_for(sort_ts: float, rowid: int) -> int:
    """The full-text row id: publication time in the high bits, so that the index itself is
    in date order and "newest first" or a date range reads only the rows it returns."""
    return (max(0, int(sort_ts)) << _FTS_SHIFT) | (rowid & ((1 << _FTS_SHIFT) - 1))


def _now_us() -> int:
    return time.time_ns() // 1000


def _us_to_iso(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, timezone.utc).isoformat(timespec="microseconds")


class SQLiteStore(Store):
    backend = "sqlite"

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.RLock()
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a folder, not a newsmon database")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(
                str(self.path), timeout=30, isolation_level=None, check_same_thread=False
            )
            self._refuse_foreign_file()
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA busy_timeout=30000")
            self._check_and_migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a usable newsmon database ({exc}); refusing to touch it") from None

    # -- opening -------------------------------------------------------------------------

    def _refuse_foreign_file(self) -> None:
        """Let SQLite itself read the header before anything is written.

        Never open the file with plain ``open()``: closing any descriptor of a database file
        drops every POSIX lock this process holds on it, so a second store in the same
        process (the daemon serving the web page) would corrupt the first one's view.
        """
        try:
            self.conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            if "not a database" in str(exc):
                raise StoreError(f"{self.path}: not a SQLite database; refusing to overwrite it") from None
            raise

    def _check_and_migrate(self) -> None:
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and "meta" not in tables:
            raise StoreError(f"{self.path}: a SQLite database that is not newsmon's; refusing to touch it")
        if "meta" in tables:
            app = self.get_meta("app")
            if app != APP_ID:
                raise StoreError(f"{self.path}: a SQLite database that is not newsmon's; refusing to touch it")
            version = int(self.get_meta("schema_version") or 0)
        else:
            with self._tx():
                self.conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                self._set_meta("app", APP_ID)
                self._set_meta("schema_version", "0")
            version = 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: written by a newer newsmon (schema {version} > {SCHEMA_VERSION}); upgrade newsmon"
            )
        for target, statements in MIGRATIONS:
            if target <= version:
                continue
            with self._tx():
                for sql in statements:
                    self.conn.execute(sql)
                self._set_meta("schema_version", str(target))
                self._set_meta("index_version", str(INDEX_VERSION))
            log.info("migrated %s to schema %d", self.path, target)
        if self.get_meta("index_version") != str(INDEX_VERSION):
            self._rebuild_fts()

    @contextmanager
    def _tx(self):
        with self._lock, transaction(self.conn):
            yield

    def _rebuild_fts(self) -> None:
        with self._tx():
            self.conn.execute("DROP TABLE IF EXISTS articles_fts")
            self.conn.execute(FTS_TABLE)
            for fts_id, data in self.conn.execute("SELECT fts_id, data FROM articles").fetchall():
                self._fts_insert(fts_id, Article.from_dict(json.loads(data)))
            self._set_meta("index_version", str(INDEX_VERSION))

    # -- meta ----------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def set_meta(self, key: str, value: str) -> None:
        with self._tx():
            self._set_meta(key, value)

    # -- writing -------------------------------------------------------------------------

    @staticmethod
    def _fts_values(a: Article) -> tuple[str, str, str, str]:
        meta = [field_token("source", a.source)]
        meta += [field_token("tag", t) for t in a.tags]
        if a.story_id:
            meta.append(field_token("story", a.story_id))
        if not a.published_at:
            meta.append(_UNDATED)
        body = document_tokens(a.text)
        guesses = search_text(a)  # what runs the repair left may read as: found, not shown
        if guesses:
            body = f"{body} {document_tokens(guesses)}"
        # what the attachments say: found (unless a search leaves them out), not shown
        return document_tokens(a.title), body, " ".join(meta), document_tokens(attached.search_text(a))

    def _fts_insert(self, rowid: int, a: Article) -> None:
        self.conn.execute(
            "INSERT INTO articles_fts(rowid, title, body, meta, attached) VALUES (?, ?, ?, ?, ?)",
            (rowid, *self._fts_values(a)),
        )

    def _fts_delete(self, rowid: int, a: Article) -> None:
        self.conn.execute(
            "INSERT INTO articles_fts(articles_fts, rowid, title, body, meta, attached) VALUES ('delete', ?, ?, ?, ?, ?)",
            (rowid, *self._fts_values(a)),
        )

    def _next_ingest_us(self) -> int:
        last = self.conn.execute("SELECT MAX(ingested_us) FROM articles").fetchone()[0] or 0
        return max(_now_us(), last + 1)

    def upsert(self, article: Article) -> UpsertOutcome:
        return self.upsert_many([article])[0]

    def upsert_many(self, articles) -> list[UpsertOutcome]:
        outcomes: list[UpsertOutcome] = []
        with self._tx():
            for a in articles:
                outcomes.append(self._upsert_one(a))
        return outcomes

    def _free_fts_id(self, sort_ts: float, rowid: int) -> int:
        fid = fts_id_for(sort_ts, rowid)
        while self.conn.execute("SELECT 1 FROM articles WHERE fts_id=?", (fid,)).fetchone():
            fid += 1  # same second and same low rowid bits: take the next free slot
        return fid

    def _upsert_one(self, a: Article) -> UpsertOutcome:
        row = self.conn.execute("SELECT rowid, fts_id, data FROM articles WHERE id=?", (a.id,)).fetchone()
        old = Article.from_dict(json.loads(row[2])) if row else None
        if old is not None:
            if old.content_key() == a.content_key():
                return "unchanged"
            if a.story_id is None:
                a.story_id = old.story_id
        us = self._next_ingest_us()
        a.ingested_at = _us_to_iso(us)
        published = timestamp(a.published_at)
        sort_ts = published if published is not None else us / 1e6
        data = json.dumps(a.to_dict(), ensure_ascii=False)
        if old is None:
            rowid = self.conn.execute("SELECT COALESCE(MAX(rowid), 0) + 1 FROM articles").fetchone()[0]
            fid = self._free_fts_id(sort_ts, rowid)
            self.conn.execute(
                "INSERT INTO articles(rowid, id, url, source, published_ts, sort_ts, ingested_us, story_id,"
                " fts_id, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (rowid, a.id, a.url, a.source, published, sort_ts, us, a.story_id, fid, data),
            )
            self._fts_insert(fid, a)
            return "new"
        rowid, old_fid = row[0], row[1]
        version = self.conn.execute(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM article_history WHERE id=?", (a.id,)
        ).fetchone()[0]
        self.conn.execute(
            "INSERT INTO article_history(id, version, replaced_at, data) VALUES (?, ?, ?, ?)",
            (a.id, version, a.ingested_at, row[2]),
        )
        self._fts_delete(old_fid, old)
        fid = old_fid if fts_id_for(sort_ts, rowid) >> _FTS_SHIFT == old_fid >> _FTS_SHIFT else None
        if fid is None:
            self.conn.execute("UPDATE articles SET fts_id=-rowid WHERE rowid=?", (rowid,))
            fid = self._free_fts_id(sort_ts, rowid)
        self.conn.execute(
            "UPDATE articles SET url=?, source=?, published_ts=?, sort_ts=?, ingested_us=?, story_id=?,"
            " fts_id=?, data=? WHERE rowid=?",
            (a.url, a.source, published, sort_ts, us, a.story_id, fid, data, rowid),
        )
        self._fts_insert(fid, a)
        return "updated"

    def set_story(self, article_id: str, story_id: str) -> None:
        with self._tx():
            row = self.conn.execute("SELECT fts_id, data FROM articles WHERE id=?", (article_id,)).fetchone()
            if row is None:
                return
            a = Article.from_dict(json.loads(row[1]))
            if a.story_id == story_id:
                return
            self._fts_delete(row[0], a)
            a.story_id = story_id
            self.conn.execute(
                "UPDATE articles SET story_id=?, data=? WHERE fts_id=?",
                (story_id, json.dumps(a.to_dict(), ensure_ascii=False), row[0]),
            )
            self._fts_insert(row[0], a)

    # -- reading -------------------------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        row = self.conn.execute("SELECT data FROM articles WHERE id=?", (article_id,)).fetchone()
        return Article.from_dict(json.loads(row[0])) if row else None

    def get_by_url(self, url: str) -> Article | None:
        row = self.conn.execute("SELECT data FROM articles WHERE url=? LIMIT 1", (url,)).fetchone()
        return Article.from_dict(json.loads(row[0])) if row else None

    def scan(self, sources: list[str] | None = None, batch: int = 500):
        last = (-1, -1)
        only = f" AND source IN ({','.join('?' * len(sources))})" if sources else ""
        while True:
            rows = self.conn.execute(
                f"SELECT ingested_us, rowid, data FROM articles WHERE (ingested_us, rowid) > (?, ?){only}"
                " ORDER BY ingested_us, rowid LIMIT ?", (*last, *(sources or ()), batch),
            ).fetchall()
            if not rows:
                return
            for row in rows:
                yield Article.from_dict(json.loads(row[2]))
            last = (rows[-1][0], rows[-1][1])

    def history(self, article_id: str) -> list[dict]:
        rows = self.conn.execute(
            "SELECT version, replaced_at, data FROM article_history WHERE id=? ORDER BY version", (article_id,)
        ).fetchall()
        return [
            {"version": v, "replaced_at": at, "article": Article.from_dict(json.loads(d))} for v, at, d in rows
        ]

    def search(self, req: SearchRequest) -> SearchResult:
        node = query_node(req)
        try:
            with self._lock:
                if node is None:
                    total, picked = self._browse(req)
                    exact = True
                else:
                    total, picked, exact = self._match(node, req)
                data = self._load([fid for fid, _ in picked])
        except sqlite3.OperationalError as exc:
            raise QueryError(f"query could not be run: {req.query!r} ({exc})") from None
        terms = positive_terms(node)
        articles = [Article.from_dict(json.loads(data[fid])) for fid, _ in picked]
        sizes = self._story_sizes([a.story_id for a in articles if a.story_id])
        hits = [
            Hit(
                article=a,
                snippet=make_snippet(a.text, terms, also=guessed_spans(a, terms)),
                guessed=guessed_readings(a, terms),
                attached=attached.found_in(a, terms) if req.attachments else [],
                score=(-s if s is not None else None),
                story_size=sizes.get(a.story_id, 1) if a.story_id else 1,
            )
            for a, (_, s) in zip(articles, picked)
        ]
        return SearchResult(total=total, hits=hits, total_exact=exact)

    def add_history(self, article_id: str, versions: list[dict]) -> int:
        with self._tx():
            return sum(
                self.conn.execute(
                    "INSERT OR IGNORE INTO article_history(id, version, replaced_at, data) VALUES (?, ?, ?, ?)",
                    (article_id, int(v["version"]), v["replaced_at"],
                     json.dumps(v["article"].to_dict(), ensure_ascii=False)),
                ).rowcount
                for v in versions
            )

    def replaced_since(self, since: str, limit: int = 50) -> list[dict]:
        with self._lock:
            rows = self.conn.execute(
                "SELECT id, version, replaced_at FROM article_history"
                " WHERE julianday(replaced_at) >= julianday(?)"
                # julianday keeps milliseconds: the text (one offset, the store's) and the
                # insert order settle versions replaced within the same one
                " ORDER BY julianday(replaced_at) DESC, replaced_at DESC, rowid DESC LIMIT ?",
                (since, limit)).fetchall()
        return [{"id": i, "version": v, "replaced_at": at} for i, v, at in rows]

    def _load(self, fts_ids: list[int]) -> dict[int, str]:
        if not fts_ids:
            return {}
        return dict(
            self.conn.execute(
                f"SELECT fts_id, data FROM articles WHERE fts_id IN ({','.join('?' * len(fts_ids))})", fts_ids
            ).fetchall()
        )

    def source_counts(self, req: SearchRequest) -> tuple[dict[str, int], bool]:
        req = replace(req, sources=None)
        node = query_node(req)
        try:
            with self._lock:
                if node is None:
                    cond, params = self._browse_condition(req)
                    rows = self.conn.execute(
                        f"SELECT source, COUNT(*) FROM (SELECT source FROM articles{cond}"
                        f" ORDER BY sort_ts DESC LIMIT {FACET_WINDOW}) GROUP BY source", params).fetchall()
                else:
                    cond, params = self._match_condition(node, req)
                    rows = self.conn.execute(
                        f"SELECT a.source, COUNT(*) FROM (SELECT rowid FROM articles_fts WHERE {cond}"
                        f" ORDER BY rowid DESC LIMIT {FACET_WINDOW}) f JOIN articles a ON a.fts_id = f.rowid"
                        " GROUP BY a.source", params).fetchall()
        except sqlite3.OperationalError as exc:
            raise QueryError(f"query could not be run: {req.query!r} ({exc})") from None
        counts = dict(rows)
        # a count that reached the window may have stopped there ("among the newest 2,000")
        return counts, sum(counts.values()) < FACET_WINDOW

    def _browse_condition(self, req: SearchRequest) -> tuple[str, list]:
        where, params = self._sql_filters(req)
        if req.sources:
            where.append(f"source IN ({','.join('?' * len(req.sources))})")
            params += list(req.sources)
        if req.since:
            where.append("published_ts >= ?")
            params.append(parse_user_date(req.since))
        if req.until:
            where.append("published_ts <= ?")
            params.append(parse_user_date(req.until, end_of_day=True))
        return (" WHERE " + " AND ".join(where)) if where else "", params

    def _browse(self, req: SearchRequest) -> tuple[int, list[tuple[int, None]]]:
        """No query text: filters only, newest first, straight from the articles table."""
        cond, params = self._browse_condition(req)
        key = "COALESCE(story_id, id)"
        if req.collapse:
            # stories = articles - the copies beyond each story's first; counted from the
            # story_id index instead of grouping every row (which took ~0.4 s at 100,000),
            # and the page is read newest first until it holds `limit` stories
            n, grouped, groups = self.conn.execute(
                f"SELECT COUNT(*), COUNT(story_id), COUNT(DISTINCT story_id) FROM articles{cond}", params
            ).fetchone()
            total = n - grouped + groups
            seen: set[str] = set()
            rows = []
            for fid, k in self.conn.execute(
                f"SELECT fts_id, {key} FROM articles{cond} ORDER BY sort_ts DESC, fts_id DESC", params
            ):
                if k in seen:
                    continue
                seen.add(k)
                if len(seen) > req.offset:
                    rows.append((fid,))
                    if len(rows) >= req.limit:
                        break
        else:
            total = self.conn.execute(f"SELECT COUNT(*) FROM articles{cond}", params).fetchone()[0]
            rows = self.conn.execute(
                f"SELECT fts_id FROM articles{cond} ORDER BY sort_ts DESC, fts_id DESC LIMIT ? OFFSET ?",
                [*params, req.limit, req.offset],
            ).fetchall()
        return total, [(r[0], None) for r in rows]

    def _sql_filters(self, req: SearchRequest) -> tuple[list[str], list]:
        """Filters that only the articles table can answer (rare: alerts, story pages)."""
        where: list[str] = []
        params: list = []
        if req.story_id:
            where.append("story_id = ?")
            params.append(req.story_id)
        if req.ingested_after:
            ts = timestamp(req.ingested_after)
            if ts is None:
                raise QueryError(f"not a time: {req.ingested_after!r}")
            where.append("ingested_us > ?")
            params.append(round(ts * 1e6))
        return where, params

    def _match_condition(self, node: Node, req: SearchRequest) -> tuple[str, list]:
        """Filters folded into the FTS query and its row-id (date) range, so the index alone
        finds, orders and counts the hits."""
        expr = fts_expression(node, attachments=req.attachments)
        if req.sources:
            expr = f"({expr}) AND (" + " OR ".join(
                f'meta : "{field_token("source", s)}"' for s in req.sources
            ) + ")"
        if req.since or req.until:
            expr = f'({expr}) NOT meta : "{_UNDATED}"'
        conds = ["articles_fts MATCH ?"]
        params: list = [expr]
        if req.since:
            conds.append("articles_fts.rowid >= ?")
            params.append(math.ceil(parse_user_date(req.since)) << _FTS_SHIFT)
        if req.until:
            conds.append("articles_fts.rowid < ?")
            params.append((math.floor(parse_user_date(req.until, end_of_day=True)) + 1) << _FTS_SHIFT)
        where, wparams = self._sql_filters(req)
        if where:
            conds.append(f"articles_fts.rowid IN (SELECT fts_id FROM articles WHERE {' AND '.join(where)})")
            params += wparams
        return " AND ".join(conds), params

    def _match(self, node: Node, req: SearchRequest) -> tuple[int, list[tuple[int, float | None]], bool]:
        """Full-text query. Returns (total, hits, exact)."""
        cond, params = self._match_condition(node, req)
        total = self.conn.execute(
            f"SELECT count(*) FROM (SELECT rowid FROM articles_fts WHERE {cond} LIMIT {COUNT_LIMIT + 1})", params
        ).fetchone()[0]
        exact = total <= COUNT_LIMIT
        newest = req.sort == "newest"
        if not newest and total > RANK_WINDOW:
            cutoff = self.conn.execute(
                f"SELECT rowid FROM articles_fts WHERE {cond} ORDER BY rowid DESC LIMIT 1 OFFSET ?",
                [*params, RANK_WINDOW - 1],
            ).fetchone()
            if cutoff:
                cond += " AND articles_fts.rowid >= ?"
                params = [*params, cutoff[0]]
        score = "NULL" if newest else f"bm25(articles_fts, {_WEIGHTS})"
        order = "rowid DESC" if newest else "2"
        sql = f"SELECT rowid, {score} FROM articles_fts WHERE {cond} ORDER BY {order}"
        if not req.collapse:
            rows = self.conn.execute(sql + " LIMIT ? OFFSET ?", [*params, req.limit, req.offset]).fetchall()
            return total, rows, exact
        # one row per story: the copy that ranks first within it. Stories are counted exactly
        # up to STORY_COUNT_SAMPLE matches (each costs a lookup in the articles table); past
        # that the count is a lower bound taken from the newest matches
        exact = total <= STORY_COUNT_SAMPLE
        stories = self.conn.execute(
            f"SELECT COUNT(*), COUNT(a.story_id), COUNT(DISTINCT a.story_id) FROM"
            f" (SELECT rowid FROM articles_fts WHERE {cond} ORDER BY rowid DESC LIMIT {STORY_COUNT_SAMPLE}) f"
            f" JOIN articles a ON a.fts_id = f.rowid",
            params,
        ).fetchone()
        stories = stories[0] - stories[1] + stories[2]
        cursor = self.conn.execute(sql, params)
        seen: set[str] = set()
        picked: list[tuple[int, float | None]] = []
        while len(picked) < req.limit:
            chunk = cursor.fetchmany(200)
            if not chunk:
                break
            keys = dict(
                self.conn.execute(
                    "SELECT fts_id, COALESCE(story_id, id) FROM articles"
                    f" WHERE fts_id IN ({','.join('?' * len(chunk))})",
                    [fid for fid, _ in chunk],
                ).fetchall()
            )
            for fid, sc in chunk:
                k = keys[fid]
                if k in seen:
                    continue
                seen.add(k)
                if len(seen) > req.offset:
                    picked.append((fid, sc))
                    if len(picked) >= req.limit:
                        break
        return stories, picked, exact

    def _story_sizes(self, story_ids: list[str]) -> dict[str, int]:
        if not story_ids:
            return {}
        ids = sorted(set(story_ids))
        rows = self.conn.execute(
            f"SELECT story_id, COUNT(*) FROM articles WHERE story_id IN ({','.join('?' * len(ids))})"
            " GROUP BY story_id",
            ids,
        ).fetchall()
        return dict(rows)

    def stats(self) -> dict:
        with self._lock:
            total = self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
            sources = dict(
                self.conn.execute("SELECT source, COUNT(*) FROM articles GROUP BY source ORDER BY source")
            )
            row = self.conn.execute(
                "SELECT data FROM articles WHERE published_ts IS NOT NULL ORDER BY published_ts DESC LIMIT 1"
            ).fetchone()
        newest = None
        if row:
            a = Article.from_dict(json.loads(row[0]))
            newest = {"id": a.id, "title": a.title, "source": a.source, "published_at": a.published_at}
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())
        return {
            "backend": self.backend,
            "location": str(self.path),
            "total": total,
            "sources": sources,
            "newest": newest,
            "size_bytes": size,
        }

    def close(self) -> None:
        with self._lock:
            try:
                self.conn.close()
            except sqlite3.Error:  # pragma: no cover
                pass


def _phrase(tokens: list[str], prefix: bool) -> str:
    return '"' + " ".join(tokens) + '"' + (" *" if prefix else "")


def fts_expression(node: Node, *, attachments: bool = True) -> str:
    """Translate a query tree to an FTS5 MATCH expression over the bigram tokens; without
    ``attachments``, terms match the title and body only."""
    if isinstance(node, Term):
        tokens, prefix = query_tokens(node.text)
        if not tokens:
            raise QueryError(f"term has nothing searchable in it: {node.text!r}")
        where = "title : " if node.title_only else "" if attachments else "{title body} : "
        return where + _phrase(tokens, prefix)
    if isinstance(node, Field):
        return f'meta : "{field_token(node.name, node.value)}"'
    if isinstance(node, Or):
        return "(" + " OR ".join(fts_expression(c, attachments=attachments) for c in node.children) + ")"
    if isinstance(node, And):
        pos = [c for c in node.children if not isinstance(c, Not)]
        neg = [c.child for c in node.children if isinstance(c, Not)]
        expr = "(" + " AND ".join(fts_expression(c, attachments=attachments) for c in pos) + ")"
        for n in neg:
            expr += " NOT " + fts_expression(n, attachments=attachments)
        return "(" + expr + ")"
    if isinstance(node, Not):  # only reachable below an Or/And that parse_query accepted
        raise QueryError("an exclusion needs a term to exclude from")
    raise TypeError(node)
