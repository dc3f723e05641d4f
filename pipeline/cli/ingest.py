"""`newsmon ingest PATH...`: files or folders (.txt like the seeds, .html/.htm raw bytes)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pipeline.errors import UserError

VERB = "ingest"
HELP = "ingest .txt/.html files or folders into the index"
ORDER = 10

_SOURCE_NAME = re.compile(r"^[a-z0-9_-]+$")


def add_arguments(p) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    p.add_argument("--source", default="local", help="source name to record (default: local)")


def run(args, ctx) -> int:
    from pipeline.ingest import ingest_paths

    if not _SOURCE_NAME.match(args.source):
        raise UserError(f"--source {args.source!r}: use lower-case letters, digits, '_' and '-'")
    store = ctx.store()
    report = ingest_paths(store, [Path(p) for p in args.paths], source=args.source, lexicon=ctx.lexicon())
    for path, why in report.skipped:
        print(f"newsmon: skipped {path}: {why}", file=sys.stderr)
    print(
        f"ingested: {report.new} new, {report.updated} updated, {report.unchanged} unchanged"
        + (f", {report.queued} queued for the index (spool)" if report.queued else "")
        + (f", {report.rejected} rejected by the index (see `newsmon es rejected`)" if report.rejected else "")
        + (f", {len(report.skipped)} skipped" if report.skipped else "")
    )
    return 1 if report.skipped else 0
