"""`newsmon serve`: the editors' web page and JSON API over the configured index."""

from __future__ import annotations

VERB = "serve"
HELP = "serve the editors' web page and JSON API (search, articles, monitor)"
ORDER = 60


def add_arguments(p) -> None:
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; any other needs NEWSMON_WEB_TOKEN)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")


def run(args, ctx) -> int:
    from pipeline.web.access import Access, check_bind
    from pipeline.web.server import bind, build, serve_forever

    # refusals first, before the index is opened or anything is created
    access = Access.from_env()
    check_bind(args.host, access)
    sock = bind(args.host, args.port)
    try:
        store = ctx.store()
        app = build(store, config_dir=ctx.config_dir, data_dir=ctx.data_dir, lexicon=ctx.lexicon(),
                    host=args.host, access=access)
        log_level = "info" if getattr(args, "verbose", 0) else "warning"
        serve_forever(app, sock, log_level=log_level, announce=lambda line: print(line, flush=True))
    finally:
        sock.close()
    return 0
