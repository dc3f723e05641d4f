"""`newsmon search QUERY`: the index, in either script, as a table or as JSON."""

from __future__ import annotations

import json
import sys

from pipeline.cli._terminal import printable
from pipeline.errors import UserError

VERB = "search"
HELP = "search the index (simplified or traditional; AND, OR, NOT, \"phrases\", source:NAME, title:WORDS)"
ORDER = 20


def add_arguments(p) -> None:
    p.add_argument("query", nargs="?", default="", help="query; empty lists the newest articles")
    p.add_argument("--source", action="append", metavar="S", help="only this source (repeatable)")
    p.add_argument("--tag", action="append", metavar="T", help="only articles with this tag (repeatable)")
    p.add_argument("--since", metavar="DATE", help="published on or after: YYYY-MM-DD (Beijing time), ISO 8601, or back from now: today, yesterday, 24h, 7d, 2w")
    p.add_argument("--until", metavar="DATE", help="published on or before, the same forms (a day is inclusive)")
    p.add_argument("--sort", choices=("relevance", "newest"), default="relevance")
    p.add_argument("--limit", type=int, default=20, metavar="N")
    p.add_argument("--offset", type=int, default=0, metavar="N", help=argparse_suppress())
    p.add_argument("--collapse", action="store_true", help="one row per story (near-duplicate group)")
    p.add_argument("--json", action="store_true", help="print a JSON array of articles with snippet and score")
    p.add_argument("--csv", action="store_true",
                   help="print CSV: one row per hit (id, published_beijing, title, source, origin, "
                        "author, url, tags, story_size, newsmon_url), no body")


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS


def plain_snippet(snippet: str, tty: bool) -> str:
    from pipeline.snippet import snippet_text

    on, off = ("\x1b[1m", "\x1b[0m") if tty else ("【", "】")
    return snippet_text(snippet, on, off)


def run(args, ctx) -> int:
    from pipeline.store import SearchRequest

    if args.limit < 1 or args.limit > 10000:
        raise UserError("--limit must be between 1 and 10000")
    if args.json and args.csv:
        raise UserError("--json and --csv: choose one")
    req = SearchRequest(
        query=args.query,
        sources=args.source,
        tags=args.tag,
        since=args.since,
        until=args.until,
        sort=args.sort,
        limit=args.limit,
        offset=max(0, args.offset),
        collapse=args.collapse,
    )
    result = ctx.store().search(req)
    from pipeline.alerts import article_flags
    from pipeline.detail import gone_of

    flags = article_flags(ctx.data_dir, [h.article for h in result.hits])
    gone = gone_of(ctx.data_dir, [h.article.id for h in result.hits])
    if args.json:
        json.dump([{**h.to_dict(), "flags": flags[h.article.id], "gone": gone.get(h.article.id)}
                   for h in result.hits], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if args.csv:
        from pipeline.csvexport import write_csv

        write_csv(result.hits, sys.stdout, flags_of=lambda _: flags)
        return 0
    tty = sys.stdout.isatty()
    count = f"{result.total}{'' if result.total_exact else '+'}"
    shown = f", showing {len(result.hits)}" if result.total > len(result.hits) else ""
    print(f"{count} match{'es' if result.total != 1 else ''}{shown}")
    for h in result.hits:
        a = h.article
        date = (a.published_at or "")[:16].replace("T", " ") or "(no date)"
        title = printable(a.title) or printable((a.text or "")[:30]) + "…"
        extra = f"  (+{h.story_size - 1} copies)" if h.story_size > 1 else ""
        flagged = "".join(f"<{f}> " for f in flags[a.id])
        if a.id in gone:
            flagged += "<withdrawn> " if gone[a.id]["withdrawn"] else "<gone?> "
        print(f"\n{date}  [{a.source}]  {flagged}{title}{extra}")
        print(f"  {printable(plain_snippet(h.snippet, tty))}")
        if h.guessed:
            print("  found through a guessed reading of damaged text: "
                  + " / ".join(printable(g) for g in h.guessed))
        if h.attached:
            print("  found in an attachment: " + " / ".join(printable(g) for g in h.attached))
        print(f"  id={a.id}" + (f"  {printable(a.url)}" if a.url else ""))
    return 0
