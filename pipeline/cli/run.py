"""`newsmon run [--once]`: monitor every source on its schedule, alert, and keep going."""

from __future__ import annotations

VERB = "run"
HELP = "monitor: recrawl every source on its schedule and send alerts (--once: one round, then exit)"
ORDER = 30


def add_arguments(p) -> None:
    p.add_argument("--once", action="store_true", help="crawl every source once, evaluate alerts, send, exit")
    p.add_argument("--crawl-timeout", type=float, metavar="SECONDS", default=None,
                   help="stop a crawl that runs longer than this (default: no limit)")
    p.add_argument("--serve", action="store_true",
                   help="also serve the editors' web page (like `newsmon serve`) while monitoring")
    p.add_argument("--host", default="127.0.0.1", help="with --serve: address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="with --serve: port (default 8080)")
    p.add_argument("--check-config", action="store_true",
                   help="check every config file and the alert secrets as a start would, say what would run,"
                        " and exit (0: all good; 2: the mistake, with file, line and key); before a reload")


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
    if args.check_config:
        if args.serve:
            from pipeline.web.access import Access, check_bind

            check_bind(args.host, Access.from_env())
        return _describe(daemon)
    if not args.serve:
        return daemon.run()
    from pipeline.store import open_store
    from pipeline.web.access import Access, check_bind
    from pipeline.web.server import ServerThread, build

    access = Access.from_env()
    check_bind(args.host, access)
    # the page's own store: the daemon opens and closes its connections as it goes, and
    # loads the seed baseline itself (in a child process)
    store = open_store(ctx.settings, ctx.data_dir)
    try:
        app = build(store, config_dir=ctx.config_dir, data_dir=ctx.data_dir,
                    lexicon=ctx.lexicon(), host=args.host, access=access)
        server = ServerThread(app, args.host, args.port)
        server.start()
        print(f"newsmon: serving {server.url}", flush=True)
        try:
            return daemon.run()
        finally:
            server.stop()
    finally:
        store.close()


def _describe(daemon) -> int:
    """What `newsmon run` would monitor with this configuration: the checks passed."""
    sources = daemon.sources
    alerts = daemon.alerts
    print(f"config OK: {len(sources)} source{'s' if len(sources) != 1 else ''} to monitor: "
          + ", ".join(f"{s.name} every {s.every}" for s in sources))
    channels = ", ".join(alerts.channels) or "none"
    rules = ", ".join(r.name + (" (digest)" if r.digest else "") for r in alerts.rules) or "none"
    print(f"alert rules: {rules}; channels: {channels}")
    return 0

