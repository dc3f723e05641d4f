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
