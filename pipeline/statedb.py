"""Durable state beside the index (seen URLs, checkpoints, outbox, spool): <data-dir>/state.db.

It lives apart from the article index so it survives a switch of backend and `kill -9`
alike: every write is a transaction in WAL mode. Each component keeps its own tables and
migrations, registered by name.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import StoreError


def open_state(data_dir: Path) -> sqlite3.Connection:
    path = Path(data_dir) / "state.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a usable newsmon state database ({exc}); refusing to touch it") from None
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection):
    """One IMMEDIATE transaction: the write lock is taken at the start, so two processes
    never both read, then both write; rolled back on any exception, committed otherwise."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def ensure_schema(conn: sqlite3.Connection, component: str, migrations: list[list[str]]) -> None:
    """Apply ``migrations[i]`` (a list of statements) for every version not yet applied."""
    row = conn.execute("SELECT version FROM schema_versions WHERE component=?", (component,)).fetchone()
    current = row[0] if row else 0
    for version, statements in enumerate(migrations, start=1):
        if version <= current:
            continue
        with transaction(conn):
            # another process may have applied it while this one waited for the lock
            row = conn.execute("SELECT version FROM schema_versions WHERE component=?", (component,)).fetchone()
            if row and row[0] >= version:
                continue
            for sql in statements:
                conn.execute(sql)
            conn.execute(
                "INSERT OR REPLACE INTO schema_versions(component, version) VALUES (?, ?)", (component, version)
            )
