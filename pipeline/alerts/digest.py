"""Digests: a rule with ``digest: "08:00"`` sends its new stories as one message at set
times of day (Beijing time) instead of one message per story, for desks that would rather
read a morning list than be pinged all day.

Why the stories wait in ``state.db`` (``alert_digest``) and not in the outbox: a story is
marked alerted and put on the list in the transaction that moves the rule's checkpoint, and
the digest that takes stories off the list queues its messages in one transaction too. So
each story still reaches a digest exactly once across ``kill -9``, and a digest whose time
passed while the daemon was down goes out when it is back, with everything that waited.
"""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import datetime, timedelta
from pathlib import Path

from pipeline.alerts import state
from pipeline.statedb import transaction
from pipeline.timeutil import BEIJING

log = logging.getLogger(__name__)

_CLOCK = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")


def parse_times(value) -> tuple[int, ...]:
    """``"08:00"`` or ``["08:00", "17:30"]`` → minutes after midnight, sorted; ValueError
    with the reason otherwise."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise ValueError('expected a time of day such as "08:00", or a list of them')
    minutes = set()
    for item in items:
        m = _CLOCK.match(item) if isinstance(item, str) else None
        if not m:
            raise ValueError(f'{item!r}: expected a time of day (Beijing time) such as "08:00"')
        minutes.add(int(m.group(1)) * 60 + int(m.group(2)))
    return tuple(sorted(minutes))


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def last_slot(times: tuple[int, ...], now: float) -> float:
    """The latest digest time at or before ``now`` (epoch seconds)."""
    midnight = datetime.fromtimestamp(now, BEIJING).replace(hour=0, minute=0, second=0, microsecond=0)
    for days_back in (0, 1):
        day = midnight - timedelta(days=days_back)
        for minute in reversed(times):
            # Beijing keeps no daylight saving time: a day is always 24 hours
            at = (day + timedelta(minutes=minute)).timestamp()
            if at <= now:
                return at
    raise ValueError("no digest times")


def hold(conn, rule: str, story_id: str, payload: dict, now: float) -> None:
    """Put a story on the rule's next digest (inside the caller's transaction)."""
    conn.execute(
        "INSERT OR IGNORE INTO alert_digest(rule, story_id, payload, queued_at) VALUES (?, ?, ?, ?)",
        (rule, story_id, json.dumps(payload, ensure_ascii=False), now),
    )


def waiting(data_dir: Path) -> dict[str, int]:
    """Stories waiting for their rule's next digest, by rule."""
    conn = state.open_alert_state(Path(data_dir))
    try:
        return dict(conn.execute("SELECT rule, COUNT(*) FROM alert_digest GROUP BY rule").fetchall())
    finally:
        conn.close()


def digest_payload(rule: str, items: list[dict], since: float, until: float) -> dict:
    """``{"rule", "digest": {"since", "until", "stories": [{"article", "story"}, …]}}``,
    the stories in the order they were found."""
    def iso(ts: float) -> str:
        return datetime.fromtimestamp(ts, BEIJING).isoformat(timespec="seconds")

    stories = [{k: v for k, v in item.items() if k != "rule"} for item in items]
    return {"rule": rule, "digest": {"since": iso(since), "until": iso(until), "stories": stories}}


def flush(data_dir: Path, rules, *, now: float | None = None) -> int:
    """Queue the digests whose time has come; returns how many were queued.

    A digest holds the stories put on the list before its time; one found after waits for
    the next. A rule that no longer has ``digest`` sends what still waits at once.
    """
    now = time.time() if now is None else now
    queued = 0
    conn = state.open_alert_state(Path(data_dir))
    try:
        for rule in rules:
            until = last_slot(rule.digest, now) if rule.digest else now
            with transaction(conn):
                rows = conn.execute(
                    "SELECT id, payload, queued_at FROM alert_digest WHERE rule=? AND queued_at < ? ORDER BY id",
                    (rule.name, until),
                ).fetchall()
                if not rows:
                    continue
                previous = last_slot(rule.digest, until - 1) if rule.digest else until
                since = min(previous, min(r[2] for r in rows))
                payload = digest_payload(rule.name, [json.loads(r[1]) for r in rows], since, until)
                for channel in rule.notify:
                    # the first story's row id makes the key unique even if a clock went back
                    state.enqueue(conn, f"{rule.name}:digest:{int(until)}:{rows[0][0]}:{channel}",
                                  rule.name, channel, payload, now)
                conn.executemany("DELETE FROM alert_digest WHERE id=?", [(r[0],) for r in rows])
            queued += 1
            log.info("rule %s: digest of %d stor%s queued for %s", rule.name, len(rows),
                     "y" if len(rows) == 1 else "ies", ", ".join(rule.notify) or "(no channel)")
    finally:
        conn.close()
    return queued
