"""`newsmon crawl [--source NAME]... [--json] [--no-polite] [--try [--limit N]]`: one crawl,
then a per-source summary.

The verb is thin: it checks config, opens the store and the crawl state, and hands over to
``crawler.run`` (imported only here, so the rest of ``pipeline`` never loads Scrapy).
"""

from __future__ import annotations

import json
import sys

from pipeline.errors import UserError

VERB = "crawl"
HELP = "crawl the configured sources once and store new articles"
ORDER = 20


def add_arguments(p) -> None:
    p.add_argument("--source", action="append", metavar="NAME",
                   help="crawl only this source (repeatable; runs it even if disabled)")
    p.add_argument("--json", action="store_true", help="print a machine-readable per-source summary on stdout")
    p.add_argument("--no-polite", action="store_true",
                   help="no AutoThrottle/delay, high concurrency: for local test servers only")
    p.add_argument("--no-progress", action="store_true", help="no live progress line on a terminal")
    p.add_argument("--try", dest="trial", action="store_true",
                   help="try the sources out: fetch a few articles each and show what newsmon makes of them;"
                        " nothing is stored and the crawl state is not touched")
    p.add_argument("--limit", type=int, default=3, metavar="N",
                   help="with --try: article pages to fetch per source (default 3)")


def run(args, ctx) -> int:
    from pipeline.sources import load_sources, select_sources

    sources = select_sources(load_sources(ctx.config_dir), args.source)
    if not sources:
        raise UserError("no enabled sources in sources.yaml (name one with --source to run a disabled one)")
    from crawler.options import crawl_options

    options = crawl_options(ctx.settings)
    polite = options.polite and not args.no_polite
    if args.trial:
        from pipeline.cli.crawltrial import try_sources

        return try_sources(sources, options, ctx, polite=polite, limit=args.limit, as_json=args.json,
                           progress=not args.json and not args.no_progress and sys.stderr.isatty(),
                           verbose=getattr(args, "verbose", 0) or 0)

    # the seed baseline is loaded by the verbs that read the index; a crawl (run by the daemon
    # every few minutes) only adds to it
    store = ctx.store(baseline=False)
    lexicon = ctx.lexicon()
    if lexicon is None and any(s.keep == "relevant" for s in sources):
        print("newsmon: warning: no topic lexicon; `keep: relevant` sources keep every article", file=sys.stderr)

    from pipeline.crawlstate import open_crawlstate

    state = open_crawlstate(ctx.data_dir)
    from functools import partial

    from crawler.run import run_crawl
    from pipeline.store import open_store

    verbose = getattr(args, "verbose", 0) or 0
    progress = not args.json and not args.no_progress and sys.stderr.isatty()
    try:
        tallies = run_crawl(
            sources, store=store, state=state, lexicon=lexicon, data_dir=ctx.data_dir, options=options,
            polite=polite, progress=progress, open_store=partial(open_store, ctx.settings, ctx.data_dir),
            log_level="DEBUG" if verbose > 1 else "INFO" if verbose else "WARNING",
        )
    finally:
        state.close()

    interrupted = any(t.interrupted for t in tallies)
    if not interrupted:
        _read_pending(store, tallies, options, polite)
    if args.json:
        out = {"sources": [t.to_dict() for t in tallies], "interrupted": interrupted}
        print(json.dumps(out, ensure_ascii=False))
    else:
        _print_table(tallies)
    return 0


def _read_pending(store, tallies, options, polite: bool) -> None:
    """Files earlier crawls left unread, with what budget this crawl left (counted into the
    sources' tallies); a failure here is a note in the log, never a failed crawl."""
    import dataclasses
    import logging

    from pipeline.attachread import AttachmentReader, ReadOptions, read_pending

    used = sum(t.attachments_read + t.attachments_unread for t in tallies)
    reading = ReadOptions.from_crawl(options, polite=polite)
    reader = AttachmentReader(dataclasses.replace(reading, budget=max(0, reading.budget - used)))
    try:
        counts = read_pending(store, reader, [t.source for t in tallies])
    except Exception as exc:  # an index away: the files wait for the next crawl
        logging.getLogger(__name__).warning("files left unread not read now: %s", exc)
        return
    finally:
        reader.close()
    for t in tallies:
        read, unread = counts.get(t.source, (0, 0))
        t.attachments_read += read
        t.attachments_unread += unread


def _print_table(tallies) -> None:
    width = max(len(t.source) for t in tallies)
    for t in tallies:
        line = (f"{t.source:<{width}}  pages {t.pages:>4}  new {t.new:>4}  unchanged {t.unchanged:>4}"
                f"  errors {t.errors:>3}")
        extras = []
        if t.updated:
            extras.append(f"{t.updated} updated")
        if t.revisited:
            extras.append(f"{t.revisited} revisited" + (f", {t.revisits_failed} not answered" if t.revisits_failed else "")
                          + (f", {t.gone} gone from the portal" if t.gone else ""))
        if t.attachments_read or t.attachments_unread:
            extras.append(f"{t.attachments_read} attachments read"
                          + (f", {t.attachments_unread} not readable" if t.attachments_unread else ""))
        if t.queued:
            extras.append(f"{t.queued} queued for the index")
        if t.rejected:
            extras.append(f"{t.rejected} refused by the index")
        if t.irrelevant:
            extras.append(f"{t.irrelevant} not relevant")
        if t.not_modified:
            extras.append(f"{t.not_modified} listings not modified")
        if t.robots_denied:
            extras.append(f"{t.robots_denied} denied by robots.txt")
        if t.deferred:
            extras.append(f"{t.deferred} left for next crawl")
        if extras:
            line += "  (" + ", ".join(extras) + ")"
        if t.blocked:
            line += "  BLOCKED"
        print(line)
        if t.message != "ok":
            print(f"{'':<{width}}  {t.message}")
