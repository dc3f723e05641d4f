"""`newsmon import FILE|-`: articles from `newsmon export` (JSON lines) into this index.

The articles are stored as they are, through the same store step as a crawl (stories), not
processed again: their text is already decoded, repaired and mended from its copies by the
index it was exported from. Bad lines are named and skipped; the rest go in (``pipeline.transfer``).
"""

from __future__ import annotations

import sys
from collections import Counter

from pipeline.cli._input import open_input

VERB = "import"
HELP = "store articles from a `newsmon export` file (JSON lines) in this index"
ORDER = 37
BATCH = 500


def add_arguments(p) -> None:
    p.add_argument("file", metavar="FILE", help="a `newsmon export` file, or - for standard input")


def _lines(name: str):
    """Text lines, each decoded on its own, so one line of bad bytes costs that line only."""
    with open_input(name) as fh:
        yield from _decoded(fh)


def _decoded(fh):
    for raw in fh:
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            yield None  # read_articles reports the line


def run(args, ctx) -> int:
    from pipeline.storing import save
    from pipeline.transfer import read_articles

    store = ctx.store()
    counts: Counter = Counter()
    skipped = 0
    batch: list = []
    name = "<stdin>" if args.file == "-" else args.file

    def flush() -> None:
        counts.update(save(store, [line.article for line in batch], data_dir=ctx.data_dir, mend=False))
        for line in batch:  # after the article itself, so the next version is numbered after them
            counts["versions"] += store.add_history(line.article.id, line.history) if line.history else 0
        batch.clear()

    for line in read_articles(_lines(args.file)):
        if line.error:
            print(f"newsmon: skipped {name}:{line.number}: {line.error}", file=sys.stderr)
            skipped += 1
            continue
        batch.append(line)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    print(
        f"imported: {counts['new']} new, {counts['updated']} updated, {counts['unchanged']} unchanged"
        + (f", {counts['queued']} queued for the index (spool)" if counts["queued"] else "")
        + (f", {counts['rejected']} rejected by the index (see `newsmon es rejected`)" if counts["rejected"] else "")
        + (f", {counts['versions']} earlier versions" if counts["versions"] else "")
        + (f", {skipped} bad lines skipped" if skipped else "")
    )
    return 1 if skipped else 0
