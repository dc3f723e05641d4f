"""The daemon's own durable state in <data-dir>/state.db: when each source last started and
finished a crawl, and a heartbeat for `newsmon status`.

Why not an APScheduler job store: the schedule is fully derived from sources.yaml plus these
times, so a restart (even after `kill -9`) resumes each source where it was: a source whose
crawl was due while the daemon was down runs at once, one that ran recently waits out the rest
of its interval, and one whose crawl was interrupted is crawled again.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from pipeline.statedb import ensure_schema, open_state

MIGRATIONS = [
    [
        """CREATE TABLE daemon_sources (
            source TEXT PRIMARY KEY,
            last_started REAL,
            last_finished REAL,
            last_exit INTEGER,
            last_summary TEXT,
            skipped INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE daemon_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    ]
]


def open_daemon_state(data_dir: Path):
    conn = open_state(Path(data_dir))
    ensure_schema(conn, "daemon", MIGRATIONS)
    return conn


def mark_started(conn, source: str, when: float) -> None:
    conn.execute(
        "INSERT INTO daemon_sources(source, last_started) VALUES (?, ?)"
        " ON CONFLICT(source) DO UPDATE SET last_started=excluded.last_started",
        (source, when),
    )


def mark_finished(conn, source: str, when: float, exit_code: int | None, summary: dict | None) -> None:
    conn.execute(
        "UPDATE daemon_sources SET last_finished=?, last_exit=?, last_summary=? WHERE source=?",
        (when, exit_code, json.dumps(summary, ensure_ascii=False) if summary is not None else None, source),
    )


def count_skipped(conn, source: str) -> None:
    conn.execute(
        "INSERT INTO daemon_sources(source, skipped) VALUES (?, 1)"
        " ON CONFLICT(source) DO UPDATE SET skipped=skipped+1",
        (source,),
    )


def source_times(conn) -> dict[str, dict]:
    rows = conn.execute(
        "SELECT source, last_started, last_finished, last_exit, last_summary, skipped FROM daemon_sources"
    ).fetchall()
    return {
        r[0]: {"last_started": r[1], "last_finished": r[2], "last_exit": r[3],
               "last_summary": json.loads(r[4]) if r[4] else None, "skipped": r[5]}
        for r in rows
    }


def first_run_at(times: dict | None, every: float, now: float) -> float:
    """When a source's next crawl is due, from what the last daemon recorded."""
    if not times or times.get("last_started") is None:
        return now
    started, finished = times["last_started"], times.get("last_finished")
    if finished is None or finished < started:
        return now  # interrupted mid-crawl: crawl again at once
    return max(now, started + every)


def heartbeat(conn, **values) -> None:
    values = {"pid": os.getpid(), "heartbeat": time.time(), **values}
    conn.executemany(
        "INSERT OR REPLACE INTO daemon_meta(key, value) VALUES (?, ?)",
        [(k, json.dumps(v)) for k, v in values.items()],
    )


def meta(conn) -> dict:
    return {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM daemon_meta").fetchall()}
