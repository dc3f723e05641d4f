"""Silence warnings: a source that has gone quiet or keeps failing raises an alert of its own.

Why: a portal that changes its layout or starts blocking us does not fail loudly; it just
stops yielding articles, and an editor would never notice a story that did not arrive.
A source is **silent** when no crawl has found a new article for ``silence.after`` times its
interval (counted from its last new article, or from its first crawl), and **failing** (or
**blocked**) when its last ``silence.failures`` crawls all failed. Each episode alerts once;
it ends when the source recovers, and a new episode alerts again.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from pipeline.alerts import state
from pipeline.alerts.rules import AlertConfig
from pipeline.statedb import transaction
from pipeline.timeutil import timestamp

log = logging.getLogger(__name__)


def _first_run_at(conn, source: str) -> str | None:
    try:
        row = conn.execute("SELECT MIN(started_at) FROM crawl_runs WHERE source=?", (source,)).fetchone()
    except Exception:
        return None
    return row[0] if row else None


def silence_warnings(data_dir: Path, config_dir: Path | None = None, *, cfg: AlertConfig | None = None,
                     sources=None, now: float | None = None) -> list[dict]:
    """Per-source warnings, for the monitor page and the daemon.

    Each: {source, kind ("silent" | "failing" | "blocked"), since (ISO or None),
    last_crawl_at, last_new_at, failing_runs, interval_seconds, message}.
    ``sources`` defaults to the enabled sources of ``config_dir``; ``cfg`` to its alerts.yaml.
    """
    from pipeline.crawlstate import last_runs
    from pipeline.statedb import open_state

    now = time.time() if now is None else now
    if cfg is None:
        from pipeline.alerts.rules import load_alerts

        cfg = load_alerts(Path(config_dir or "config"))
    if sources is None:
        from pipeline.sources import load_sources

        sources = [s for s in load_sources(Path(config_dir or "config")) if s.enabled]
    conn = open_state(Path(data_dir))
    try:
        runs = last_runs(conn)
        out = []
        for src in sources:
            info = runs.get(src.name)
            if not info:
                continue  # never crawled: nothing to judge yet
            base = {
                "source": src.name,
                "last_crawl_at": info.get("last_crawl_at"),
                "last_new_at": info.get("last_new_at"),
                "failing_runs": info.get("failing_runs", 0),
                "interval_seconds": src.every_seconds,
            }
            if info.get("failing_runs", 0) >= cfg.silence_failures:
                kind = "blocked" if info.get("blocked") else "failing"
                since = info.get("last_ok_at")
                msg = (f"source {src.name}: the last {info['failing_runs']} crawls "
                       + ("were blocked" if kind == "blocked" else "failed")
                       + (f"; last good crawl {since}" if since else "; no crawl has succeeded yet"))
                out.append({**base, "kind": kind, "since": since, "message": msg})
                continue
            reference = info.get("last_new_at") or _first_run_at(conn, src.name)
            ref_ts = timestamp(reference)
            limit = cfg.silence_after * src.every_seconds
            if ref_ts is not None and now - ref_ts > limit:
                msg = (f"source {src.name}: no new article for {_human(now - ref_ts)}"
                       f" ({cfg.silence_after:g} × its interval {src.every})")
                out.append({**base, "kind": "silent", "since": reference, "message": msg})
        return out
    finally:
        conn.close()


def _human(seconds: float) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 60:.0f} minutes"


def raise_silence_alerts(data_dir: Path, cfg: AlertConfig, warnings: list[dict], *, now: float | None = None) -> int:
    """Queue one message per new episode; forget episodes of sources that recovered."""
    now = time.time() if now is None else now
    conn = state.open_alert_state(data_dir)
    raised = 0
    try:
        with transaction(conn):
            current = {w["source"]: w for w in warnings}
            known = dict(conn.execute("SELECT source, kind FROM alert_silence").fetchall())
            for source in known:
                if source not in current:
                    conn.execute("DELETE FROM alert_silence WHERE source=?", (source,))
                    log.info("source %s recovered", source)
            for source, w in current.items():
                if known.get(source) == w["kind"]:
                    continue
                conn.execute(
                    "INSERT OR REPLACE INTO alert_silence(source, kind, since, message, raised_at) VALUES (?, ?, ?, ?, ?)",
                    (source, w["kind"], w.get("since"), w["message"], now),
                )
                payload = {"rule": "silence", "warning": {k: w.get(k) for k in
                                                          ("source", "kind", "since", "last_crawl_at",
                                                           "last_new_at", "failing_runs", "message")}}
                for channel in cfg.silence_notify:
                    state.enqueue(conn, f"silence:{source}:{w['kind']}:{w.get('since')}:{channel}", "silence",
                                  channel, payload, now)
                log.warning("%s", w["message"])
                raised += 1
    finally:
        conn.close()
    return raised
