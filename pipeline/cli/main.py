"""`newsmon` entry point: global options, verb discovery, and one-line errors.

Each verb lives in its own module beside this one (``pipeline/cli/<verb>.py``) and is found
by discovery, so a new verb needs no edit here. A verb module defines:

- ``VERB`` (str) and ``HELP`` (one line), optionally ``ORDER`` (int, for ``--help``);
- ``add_arguments(parser)``;
- ``run(args, ctx) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys

from pipeline.cli.context import Context
from pipeline.errors import UserError


def _verb_modules():
    import pipeline.cli as pkg

    mods = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name in ("main", "context") or info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"pipeline.cli.{info.name}")
        if hasattr(mod, "VERB") and hasattr(mod, "run"):
            mods.append(mod)
    return sorted(mods, key=lambda m: (getattr(m, "ORDER", 50), m.VERB))


def _add_common(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--config",
        metavar="DIR",
        default=default,
        help="config folder (env NEWSMON_CONFIG, default ./config)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=default,
        help="data folder (env NEWSMON_DATA, default ./data)",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=argparse.SUPPRESS if suppress else 0,
        help="more log output on stderr",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsmon",
        description="Watch Chinese news and government portals for business-environment reporting.",
    )
    _add_common(parser, suppress=False)
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for mod in _verb_modules():
        p = sub.add_parser(mod.VERB, help=mod.HELP, description=mod.HELP)
        _add_common(p, suppress=True)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "verb", None):
        parser.print_help()
        return 2
    logging.basicConfig(
        level=logging.DEBUG if args.verbose > 1 else logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    ctx = None
    try:
        ctx = Context.from_args(args)
        return int(args._run(args, ctx) or 0)
    except UserError as exc:
        print(f"newsmon: error: {_one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("newsmon: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        # the machine said no (no permission, a full disk, a path through a file): the
        # user's to fix, and worth one line; -vv shows where it happened
        logging.getLogger("newsmon").debug("failed here", exc_info=exc)
        print(f"newsmon: error: {_one_line(_os_error(exc))}", file=sys.stderr)
        return 1
    finally:
        if ctx is not None:
            ctx.close()


def _os_error(exc: OSError) -> str:
    what = exc.strerror or type(exc).__name__
    return f"{exc.filename}: {what}" if exc.filename else f"{what} ({exc})"


def _one_line(msg: str) -> str:
    return " ".join(msg.split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
