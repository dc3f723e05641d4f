"""`newsmon ingest PATH|URL...`: files or folders (.txt like the seeds, .html/.htm raw bytes),
or article pages by their address, fetched now (``pipeline.fetch``)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pipeline.cli._terminal import printable
from pipeline.errors import UserError

VERB = "ingest"
HELP = "ingest .txt/.html files or folders, or article pages by URL (fetched now), into the index"
ORDER = 10

_SOURCE_NAME = re.compile(r"^[a-z0-9_-]+$")


def add_arguments(p) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH|URL", help="files or folders, or http(s) addresses of articles")
    p.add_argument("--source", help="source name to record (default: local for files; for a URL the configured"
                                    " source whose site it is on, else manual)")


def run(args, ctx) -> int:
    from pipeline.ingest import IngestReport, ingest_paths
    from pipeline.urls import is_http_url

    if args.source is not None and not _SOURCE_NAME.match(args.source):
        raise UserError(f"--source {args.source!r}: use lower-case letters, digits, '_' and '-'")
    urls = [p for p in args.paths if is_http_url(p)]
    store = ctx.store()
    report = IngestReport()
    files = [Path(p) for p in args.paths if p not in urls]
    if files:
        report = ingest_paths(store, files, source=args.source or "local", lexicon=ctx.lexicon())
    if urls:
        _ingest_urls(ctx, store, urls, args.source, report)
    for path, why in report.skipped:
        print(f"newsmon: skipped {printable(path)}: {printable(why)}", file=sys.stderr)
    print(
        f"ingested: {report.new} new, {report.updated} updated, {report.unchanged} unchanged"
        + (f", {report.queued} queued for the index (spool)" if report.queued else "")
        + (f", {report.rejected} rejected by the index (see `newsmon es rejected`)" if report.rejected else "")
        + (f", {len(report.skipped)} skipped" if report.skipped else "")
    )
    return 1 if report.skipped else 0


def _ingest_urls(ctx, store, urls: list[str], source: str | None, report) -> None:
    """Each page fetched now and stored as a crawl stores it, then marked seen so the next
    crawl does not fetch it again; a page that cannot be had is skipped with its reason."""
    from crawler.options import crawl_options
    from pipeline import crawlstate
    from pipeline.attachread import AttachmentReader, ReadOptions
    from pipeline.fetch import FetchError, agent_of, fetch_page
    from pipeline.process import process_html
    from pipeline.sources import load_sources, source_for_url
    from pipeline.storing import save
    from pipeline.urls import canonical_url

    configured = load_sources(ctx.config_dir) if source is None else []
    # the page, and the files it attaches, asked for as the crawl asks (its User-Agent)
    options = crawl_options(ctx.settings)
    reader = AttachmentReader(ReadOptions.from_crawl(options))
    state = crawlstate.open_crawlstate(ctx.data_dir)
    try:
        for url in urls:
            name = source or source_for_url(configured, url) or "manual"
            try:
                page = fetch_page(url, agent=agent_of(options))
            except FetchError as exc:
                report.skipped.append((url, str(exc)))
                continue
            try:
                article = process_html(page.body, url=page.url, source=name, header_charset=page.content_type,
                                       fetched_at=page.fetched_at, lexicon=ctx.lexicon())
            except Exception as exc:  # a hostile page is skipped, as a crawl skips it
                report.skipped.append((url, f"could not be read ({exc.__class__.__name__})"))
                continue
            if not (article.text or "").strip():
                report.skipped.append((url, "no article text found"))
                continue
            reader.fill(article, store.get(article.id))
            (outcome,) = save(store, [article], data_dir=ctx.data_dir)
            report.count(outcome)
            keys = dict.fromkeys([article.url or page.url, canonical_url(url)])
            crawlstate.mark_seen_many(state, [(k, name, article.id, outcome, page.fetched_at) for k in keys])
            print(f"{printable(url)}: {outcome}, source {name}, id {article.id}", file=sys.stderr)
    finally:
        reader.close()
        state.close()
