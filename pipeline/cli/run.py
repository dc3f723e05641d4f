"""`newsmon run [--once]`: monitor every source on its schedule, alert, and keep going."""

from __future__ import annotations

VERB = "run"
HELP = "monitor: recrawl every source on its schedule and send alerts (--once: one round, then exit)"
ORDER = 30


def add_arguments(p) -> None:
    p.add_argument("--once", action="store_true", help="crawl every source once, evaluate alerts, send, exit")
    p.add_argument("--crawl-timeout", type=float, metavar="SECONDS", default=None,
                   help="stop a crawl that runs longer than this (default: no limit)")


def run(args, ctx) -> int:
    import logging

    from pipeline.daemon.service import Daemon

    # the daemon's own progress lines (crawls, alerts queued, silence) are worth seeing without -v
    for name in ("newsmon", "pipeline.alerts"):
        if logging.getLogger(name).getEffectiveLevel() > logging.INFO:
            logging.getLogger(name).setLevel(logging.INFO)
    for handler in logging.getLogger().handlers:  # a daemon's log lines need their time
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    daemon = Daemon(ctx, once=args.once, crawl_timeout=args.crawl_timeout)
    return daemon.run()
