"""`newsmon crawl --try`: try a source out before it goes on the schedule.

Adding a source is a few lines of `sources.yaml`; whether its listing yields article links,
and whether newsmon reads a title, a date and a body from them, only a fetch can tell. A
try crawls each source into a throwaway folder (its own SQLite index and crawl state), at
most ``limit`` article pages each, with every article kept whatever ``keep:`` says, prints
what came out, and deletes the folder. The real index, the seen URLs and the conditional-GET
validators are never touched, so the next real crawl fetches everything as if no try had
run.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
from pathlib import Path

from pipeline.cli._terminal import printable
from pipeline.errors import UserError
from pipeline.timeutil import beijing_time

PREVIEW = 100


def try_sources(sources, options, ctx, *, polite: bool, limit: int, as_json: bool, progress: bool,
                verbose: int) -> int:
    if limit < 1:
        raise UserError(f"--limit {limit}: expected at least 1 article page per source")
    from crawler.run import run_crawl
    from pipeline.crawlstate import open_crawlstate
    from pipeline.store.sqlite import SQLiteStore

    trial = [dataclasses.replace(s, max_articles=min(s.max_articles or limit, limit), keep="all")
             for s in sources]
    lexicon = ctx.lexicon()
    with tempfile.TemporaryDirectory(prefix="newsmon-try-") as tmp:
        folder = Path(tmp)
        store = SQLiteStore(folder / "newsmon.db")
        state = open_crawlstate(folder)
        try:
            tallies = run_crawl(
                trial, store=store, state=state, lexicon=lexicon, data_dir=folder,
                # a try lists the files articles attach but does not download them
                options=dataclasses.replace(options, workers=0, attachments=0), polite=polite, progress=progress,
                log_level="DEBUG" if verbose > 1 else "INFO" if verbose else "WARNING",
            )
            found = {s.name: _articles(store, s.name, limit) for s in trial}
        finally:
            state.close()
            store.close()
    keeps = {s.name: s.keep for s in sources}
    if as_json:
        out = {"tried": True, "interrupted": any(t.interrupted for t in tallies),
               "sources": [{**t.to_dict(), "articles": [_record(a, keeps[t.source], lexicon)
                                                       for a in found[t.source]]} for t in tallies]}
        print(json.dumps(out, ensure_ascii=False))
        return 0
    for t in tallies:
        _print_source(t, found[t.source], keeps[t.source], lexicon, limit)
    print("(a try: nothing was stored, and the next crawl fetches these pages as new)")
    return 0


def _articles(store, source: str, limit: int) -> list:
    from pipeline.store.base import SearchRequest

    return [h.article for h in store.search(SearchRequest(sources=[source], sort="newest", limit=limit)).hits]


def _relevant(article, lexicon) -> bool | None:
    if lexicon is None:
        return None
    from pipeline.topics import is_relevant

    return is_relevant(article, lexicon)


def _record(article, keep: str, lexicon) -> dict:
    """What the summary shows of one article, for --json: the contract fields but the text,
    which is cut to its start."""
    relevant = _relevant(article, lexicon)
    return {
        "id": article.id, "url": article.url, "title": article.title, "published_at": article.published_at,
        "author": article.author, "origin": article.origin, "tags": list(article.tags),
        "encoding": article.encoding, "encoding_lied": article.encoding_lied, "repairs": dict(article.repairs),
        "text_chars": len(article.text or ""), "text_start": (article.text or "")[:PREVIEW],
        "attachments": [{"url": f.get("url"), "title": f.get("title")} for f in article.attachments or []],
        "relevant": relevant, "would_keep": keep != "relevant" or relevant is not False,
    }


def _print_source(tally, articles, keep: str, lexicon, limit: int) -> None:
    head = f"{tally.source}: {tally.pages} pages fetched, {len(articles)} article{'s' if len(articles) != 1 else ''} read"
    if tally.deferred:
        head += f", {tally.deferred} more article links found (a try reads {limit})"
    if tally.empty:
        head += f", {tally.empty} without an article body"
    if tally.errors:
        head += f", {tally.errors} errors"
    if tally.blocked:
        head += ", BLOCKED"
    print(head)
    if tally.message != "ok":
        print(f"  {printable(tally.message)}")
    if not articles and not tally.errors and not tally.blocked:
        print("  no article links found: check urls, article_urls and kind in sources.yaml")
    for i, a in enumerate(articles, 1):
        r = _record(a, keep, lexicon)
        print(f"  {i}. {printable(a.title) or '(no title)'}")
        facts = [beijing_time(a.published_at) or "NO DATE", f"{r['text_chars']} chars",
                 (a.encoding or "?") + (" (the page's declared charset lied)" if a.encoding_lied else "")]
        if a.repairs:
            facts.append("repairs: " + ", ".join(f"{k} {v}" for k, v in sorted(a.repairs.items())))
        if a.tags:
            facts.append("tags: " + ", ".join(a.tags))
        if r["attachments"]:
            facts.append(f"{len(r['attachments'])} attachment{'s' if len(r['attachments']) != 1 else ''}")
        if r["relevant"] is False:
            facts.append("not relevant" + (": keep: relevant would skip it" if keep == "relevant" else ""))
        print(f"     {printable(' · '.join(facts))}")
        if a.author or a.origin:
            print(f"     {printable(' · '.join(x for x in (a.origin, a.author) if x))}")
        print(f"     {printable(a.url)}")
        start = " ".join((a.text or "").split())
        print(f"     {printable(start[:PREVIEW])}{'…' if len(start) > PREVIEW else ''}")
    sys.stdout.flush()
