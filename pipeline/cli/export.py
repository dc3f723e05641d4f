"""`newsmon export [-o FILE] [--source NAME]...`: every article as JSON lines, for moving an
index to the other backend, a copy for elsewhere, or other tools (``pipeline.transfer``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pipeline.errors import UserError

VERB = "export"
HELP = "write every article (all fields, repairs included) as JSON lines, for `newsmon import` or other tools"
ORDER = 36


def add_arguments(p) -> None:
    p.add_argument("-o", "--output", metavar="FILE", help="write here (whole or not at all) instead of stdout")
    p.add_argument("--source", action="append", metavar="NAME", help="only this source (repeatable)")
    p.add_argument("--history", action="store_true",
                   help="also each article's earlier versions (under _history), for `newsmon import` to keep")


def run(args, ctx) -> int:
    from pipeline.transfer import write_articles

    store = ctx.store(baseline=False)
    articles = store.scan(sources=args.source)
    history_of = store.history if args.history else None
    if not args.output:
        n = write_articles(articles, sys.stdout, history_of)
        sys.stdout.flush()
    else:
        n = _write_file(Path(args.output), articles, lambda arts, fh: write_articles(arts, fh, history_of))
    print(f"exported {n} article{'s' if n != 1 else ''}", file=sys.stderr)
    return 0


def _write_file(path: Path, articles, write) -> int:
    """Into a temporary file beside ``path``, renamed into place once complete: an export
    that fails halfway leaves no file that looks whole."""
    tmp = path.with_name(f".{path.name}.partial")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            n = write(articles, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"{path}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return n
