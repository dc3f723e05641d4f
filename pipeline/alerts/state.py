"""What alerting must remember across `kill -9`: checkpoints, stories already told, matches,
the outbox, silence episodes, stories waiting for a digest. All in <data-dir>/state.db, each
change one transaction.

The guarantee rests on one transaction per rule evaluation: the stories it alerts are
recorded, their messages queued in the outbox and the rule's checkpoint moved, together or
not at all. A crash before the commit re-evaluates the same articles; after it, the outbox
holds the messages until a channel accepts them.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from pipeline.statedb import ensure_schema, open_state

COMPONENT = "alerts"

MIGRATIONS = [
    [
        """CREATE TABLE alert_checkpoints (
            rule TEXT PRIMARY KEY,
            ingested_after TEXT NOT NULL,
            evaluated_at REAL NOT NULL
        )""",
        """CREATE TABLE alert_stories (
            rule TEXT NOT NULL,
            story_id TEXT NOT NULL,
            article_id TEXT NOT NULL,
            fired_at REAL NOT NULL,
            PRIMARY KEY (rule, story_id)
        )""",
        """CREATE TABLE alert_matches (
            rule TEXT NOT NULL,
            article_id TEXT NOT NULL,
            story_id TEXT NOT NULL,
            alerted INTEGER NOT NULL,
            matched_at REAL NOT NULL,
            title TEXT, url TEXT, source TEXT, published_at TEXT, snippet TEXT,
            PRIMARY KEY (rule, article_id)
        )""",
        "CREATE INDEX alert_matches_rule_time ON alert_matches(rule, matched_at)",
        """CREATE TABLE alert_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL UNIQUE,
            rule TEXT NOT NULL,
            channel TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt REAL NOT NULL,
            last_error TEXT,
            sent_at REAL
        )""",
        "CREATE INDEX alert_outbox_due ON alert_outbox(sent_at, next_attempt)",
        """CREATE TABLE alert_silence (
            source TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            since TEXT,
            message TEXT NOT NULL,
            raised_at REAL NOT NULL
        )""",
    ],
    [
        # stories waiting for their rule's next digest (pipeline.alerts.digest)
        """CREATE TABLE alert_digest (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            rule TEXT NOT NULL,
            story_id TEXT NOT NULL,
            payload TEXT NOT NULL,
            queued_at REAL NOT NULL,
            UNIQUE (rule, story_id)
        )""",
    ],
]


def open_alert_state(data_dir: Path) -> sqlite3.Connection:
    conn = open_state(Path(data_dir))
    ensure_schema(conn, COMPONENT, MIGRATIONS)
    return conn


def get_checkpoint(conn, rule: str) -> str | None:
    row = conn.execute("SELECT ingested_after FROM alert_checkpoints WHERE rule=?", (rule,)).fetchone()
    return row[0] if row else None


def set_checkpoint(conn, rule: str, ingested_after: str) -> None:
    conn.execute(
        "INSERT INTO alert_checkpoints(rule, ingested_after, evaluated_at) VALUES (?, ?, ?)"
        " ON CONFLICT(rule) DO UPDATE SET ingested_after=excluded.ingested_after, evaluated_at=excluded.evaluated_at",
        (rule, ingested_after, time.time()),
    )


def story_alerted(conn, rule: str, story_id: str) -> bool:
    return conn.execute(
        "SELECT 1 FROM alert_stories WHERE rule=? AND story_id=?", (rule, story_id)
    ).fetchone() is not None


def enqueue(conn, key: str, rule: str, channel: str, payload: dict, now: float | None = None) -> bool:
    """Queue one message; a key already queued is ignored (so a replay queues nothing twice)."""
    now = time.time() if now is None else now
    cur = conn.execute(
        "INSERT OR IGNORE INTO alert_outbox(key, rule, channel, payload, created_at, next_attempt)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (key, rule, channel, json.dumps(payload, ensure_ascii=False), now, now),
    )
    return cur.rowcount > 0


def due(conn, now: float | None = None, limit: int = 100) -> list[dict]:
    now = time.time() if now is None else now
    rows = conn.execute(
        "SELECT id, key, rule, channel, payload, attempts FROM alert_outbox"
        " WHERE sent_at IS NULL AND next_attempt <= ? ORDER BY next_attempt, id LIMIT ?",
        (now, limit),
    ).fetchall()
    return [
        {"id": r[0], "key": r[1], "rule": r[2], "channel": r[3], "payload": json.loads(r[4]), "attempts": r[5]}
        for r in rows
    ]


def mark_sent(conn, outbox_id: int) -> None:
    conn.execute("UPDATE alert_outbox SET sent_at=?, attempts=attempts+1, last_error=NULL WHERE id=?",
                 (time.time(), outbox_id))


def mark_failed(conn, outbox_id: int, error: str, next_attempt: float) -> None:
    conn.execute(
        "UPDATE alert_outbox SET attempts=attempts+1, last_error=?, next_attempt=? WHERE id=?",
        (error[:500], next_attempt, outbox_id),
    )


def outbox_summary(conn) -> dict:
    """{pending, failing (pending with at least one failed try), sent, oldest_pending_at, last_error}."""
    pending, failing, oldest = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(attempts > 0), 0), MIN(created_at) FROM alert_outbox WHERE sent_at IS NULL"
    ).fetchone()
    sent = conn.execute("SELECT COUNT(*) FROM alert_outbox WHERE sent_at IS NOT NULL").fetchone()[0]
    row = conn.execute(
        "SELECT channel, last_error FROM alert_outbox WHERE sent_at IS NULL AND last_error IS NOT NULL"
        " ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return {
        "pending": pending,
        "failing": failing,
        "sent": sent,
        "oldest_pending_at": oldest,
        "last_error": f"{row[0]}: {row[1]}" if row else None,
    }
