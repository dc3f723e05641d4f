"""`newsmon stats`: what the index holds, per source, and how big it is."""

from __future__ import annotations

import json
import sys

VERB = "stats"
HELP = "counts per source, newest article, index size"
ORDER = 30


def add_arguments(p) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args, ctx) -> int:
    stats = ctx.store().stats()
    if args.json:
        json.dump(stats, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    print(f"backend: {stats['backend']}  ({stats.get('location', '')})")
    print(f"articles: {stats['total']}")
    width = max((len(s) for s in stats["sources"]), default=6)
    for name, count in stats["sources"].items():
        print(f"  {name:<{width}}  {count}")
    newest = stats.get("newest")
    if newest:
        print(f"newest: {newest['published_at']}  [{newest['source']}]  {newest['title'] or newest['id']}")
    print(f"index size: {stats['size_bytes'] / 1e6:.2f} MB")
    return 0
