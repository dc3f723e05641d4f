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

    if not logging.getLogger().handlers or logging.getLogger().level > logging.INFO:
        # the daemon's own progress lines are worth seeing without -v
        logging.getLogger("newsmon").setLevel(logging.INFO)
    daemon = Daemon(ctx, once=args.once, crawl_timeout=args.crawl_timeout)
    return daemon.run()
