"""The durable write spool for Elasticsearch: <data-dir>/state.db, tables es_spool and
es_rejected.

Why in state.db: it is a WAL-mode SQLite file beside the index, so a spooled write is on
disk (committed) before ``upsert`` answers "queued", survives ``kill -9`` and a restart,
and replays in the order it was written (``seq``). A write the cluster refuses for its
content is moved to es_rejected with the reason instead of being retried forever.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pipeline.statedb import ensure_schema, open_state, transaction

MIGRATIONS = [
    [
        """CREATE TABLE es_spool (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            op TEXT NOT NULL,             -- upsert | story | meta
            key TEXT NOT NULL,            -- article id or meta key
            payload TEXT NOT NULL,        -- JSON
            queued_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        )""",
        """CREATE TABLE es_rejected (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            op TEXT NOT NULL,
            key TEXT NOT NULL,
            payload TEXT NOT NULL,
            reason TEXT NOT NULL,
            queued_at TEXT NOT NULL,
            rejected_at TEXT NOT NULL
        )""",
        "CREATE TABLE es_meta_cache (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ]
]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class SpoolItem:
    seq: int
    op: str
    key: str
    payload: dict
    queued_at: str
    attempts: int = 0
    last_error: str | None = None


class Spool:
    def __init__(self, data_dir: Path):
        self.conn: sqlite3.Connection = open_state(Path(data_dir))
        ensure_schema(self.conn, "es_spool", MIGRATIONS)
        #: one connection shared by the threads of one process (daemon, web page)
        self._lock = threading.RLock()

    def _tx(self, fn):
        with self._lock, transaction(self.conn):
            return fn()

    def append(self, items: list[tuple[str, str, dict]], error: str | None = None) -> None:
        """Queue (op, key, payload) writes, committed before this returns."""
        now = _now()
        rows = [(op, key, json.dumps(payload, ensure_ascii=False), now, error) for op, key, payload in items]
        self._tx(
            lambda: self.conn.executemany(
                "INSERT INTO es_spool(op, key, payload, queued_at, last_error) VALUES (?, ?, ?, ?, ?)", rows
            )
        )

    def pending(self) -> int:
        with self._lock:
            return self.conn.execute("SELECT COUNT(*) FROM es_spool").fetchone()[0]

    def head(self, limit: int) -> list[SpoolItem]:
        with self._lock:
            rows = self._head(limit)
        return [SpoolItem(s, o, k, json.loads(p), q, a, e) for s, o, k, p, q, a, e in rows]

    def _head(self, limit: int) -> list[tuple]:
        return self.conn.execute(
            "SELECT seq, op, key, payload, queued_at, attempts, last_error FROM es_spool ORDER BY seq LIMIT ?",
            (limit,),
        ).fetchall()

    def done(self, seqs: list[int]) -> None:
        if seqs:
            self._tx(lambda: self.conn.executemany("DELETE FROM es_spool WHERE seq=?", [(s,) for s in seqs]))

    def failed(self, seqs: list[int], error: str) -> None:
        if seqs:
            self._tx(
                lambda: self.conn.executemany(
                    "UPDATE es_spool SET attempts = attempts + 1, last_error=? WHERE seq=?",
                    [(error[:1000], s) for s in seqs],
                )
            )

    def reject(self, item: SpoolItem, reason: str) -> None:
        """Move a spooled write aside: the cluster refused its content."""

        def move():
            self.conn.execute(
                "INSERT INTO es_rejected(op, key, payload, reason, queued_at, rejected_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (item.op, item.key, json.dumps(item.payload, ensure_ascii=False), reason[:2000],
                 item.queued_at, _now()),
            )
            self.conn.execute("DELETE FROM es_spool WHERE seq=?", (item.seq,))

        self._tx(move)

    def reject_new(self, op: str, key: str, payload: dict, reason: str) -> None:
        """Keep aside a live write the cluster refused for its content (never spooled)."""
        now = _now()

        def add():
            self.conn.execute(
                "INSERT INTO es_rejected(op, key, payload, reason, queued_at, rejected_at) VALUES (?, ?, ?, ?, ?, ?)",
                (op, key, json.dumps(payload, ensure_ascii=False), reason[:2000], now, now),
            )

        self._tx(add)

    def rejected(self) -> list[dict]:
        with self._lock:
            rows = self.conn.execute(
                "SELECT seq, op, key, payload, reason, queued_at, rejected_at FROM es_rejected ORDER BY seq"
            ).fetchall()
        return [
            {"seq": s, "op": o, "key": k, "payload": json.loads(p), "reason": r, "queued_at": q, "rejected_at": at}
            for s, o, k, p, r, q, at in rows
        ]

    def requeue_rejected(self, seqs: list[int] | None = None) -> int:
        """Put rejected writes back at the end of the spool (after fixing the cause)."""
        rows = self.rejected()
        if seqs is not None:
            rows = [r for r in rows if r["seq"] in set(seqs)]

        def move():
            for r in rows:
                self.conn.execute(
                    "INSERT INTO es_spool(op, key, payload, queued_at, last_error) VALUES (?, ?, ?, ?, ?)",
                    (r["op"], r["key"], json.dumps(r["payload"], ensure_ascii=False), r["queued_at"], r["reason"]),
                )
                self.conn.execute("DELETE FROM es_rejected WHERE seq=?", (r["seq"],))

        self._tx(move)
        return len(rows)

    # meta mirror: lets `get_meta` answer while the cluster is away
    def cached_meta(self, key: str) -> str | None:
        with self._lock:
            row = self.conn.execute("SELECT value FROM es_meta_cache WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def cache_meta(self, key: str, value: str) -> None:
        self._tx(lambda: self.conn.execute("INSERT OR REPLACE INTO es_meta_cache(key, value) VALUES (?, ?)", (key, value)))

    def close(self) -> None:
        try:
            self.conn.close()
        except sqlite3.Error:  # pragma: no cover
            pass
