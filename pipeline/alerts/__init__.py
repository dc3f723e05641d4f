"""Alert rules over the index: checkpoints, one alert per story, a durable outbox, channels.

Entry points (the daemon, `newsmon alerts`, the web page):

- ``load_alerts(config_dir) -> AlertConfig`` — config/alerts.yaml, checked.
- ``evaluate(store, data_dir, cfg)`` — queue messages for new stories; ``deliver_due(data_dir, cfg)``
  — send what is due, retrying failures with backoff.
- ``last_matches(data_dir, rule_name=None, limit=50) -> list[dict]`` — recent matches;
  ``article_flags(data_dir, articles)`` — the rules each article's story matched.
- ``silence_warnings(data_dir, config_dir) -> list[dict]`` — sources that went quiet or fail.
- ``outbox_status(data_dir) -> dict`` — pending / failing / sent counts.

See docs/alerts.md.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.alerts.engine import article_flags, deliver_due, evaluate, evaluate_rule, last_matches
from pipeline.alerts.rules import DEFAULT_RULE, AlertConfig, Channel, Rule, load_alerts
from pipeline.alerts.silence import raise_silence_alerts, silence_warnings

__all__ = [
    "DEFAULT_RULE", "AlertConfig", "Channel", "Rule", "article_flags", "deliver_due", "evaluate", "evaluate_rule",
    "last_matches", "load_alerts", "outbox_status", "raise_silence_alerts", "silence_warnings",
]


def outbox_status(data_dir: Path) -> dict:
    """{pending, failing, sent, oldest_pending_at (epoch or None), last_error (scrubbed)}."""
    from pipeline.alerts.state import open_alert_state, outbox_summary

    conn = open_alert_state(Path(data_dir))
    try:
        return outbox_summary(conn)
    finally:
        conn.close()
