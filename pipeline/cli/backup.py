"""`newsmon backup DIR`: a consistent copy of the index and state, safe while the daemon runs."""

from __future__ import annotations

VERB = "backup"
HELP = "copy the SQLite index and the crawl/alert state into a new folder (safe while running)"
ORDER = 35


def add_arguments(p) -> None:
    p.add_argument("dest", metavar="DIR", help="folder to copy into; must not hold a backup yet")


def run(args, ctx) -> int:
    from pathlib import Path

    from pipeline.backup import backup

    copied = backup(ctx.data_dir, Path(args.dest))
    for c in copied:
        print(f"{c.path}  {c.size / 1e6:.2f} MB")
    backend = (ctx.settings.get("index") or {}).get("backend", "sqlite")
    if backend == "elasticsearch":
        print("the Elasticsearch index itself is not in this backup: take a snapshot of it "
              "(docs/elasticsearch.md)")
    return 0
