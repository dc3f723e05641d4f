"""The HTML pages: search (also the front page), article, monitor; a search as a feed or CSV."""

from __future__ import annotations

import io
import logging
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from pipeline.changes import recent_revisions, version_changes
from pipeline.csvexport import write_csv
from pipeline.detail import gone_from_portal, gone_pages, story_copies
from pipeline.errors import UserError
from pipeline.timeutil import BEIJING
from pipeline.web import monitor as monitor_data
from pipeline.web.app import WebContext, html_page
from pipeline.web.display import repairs_view
from pipeline.web.feed import FEED_SIZE, atom_feed, feed_params, feed_url, revisions_feed
from pipeline.web.searching import SearchParams, export_hits, flags_of, run_search

#: the quick "last …" links beside the date fields: times back from now, so a bookmark or
#: a feed made from one stays current
PERIODS = (("24h", "24 hours"), ("7d", "7 days"), ("30d", "30 days"))

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


def _web(request: Request) -> WebContext:
    return request.app.state.web


@router.get("/", response_class=HTMLResponse)
def front(request: Request):
    """The search box and the latest articles."""
    return _search_page(request)


@router.get("/search", response_class=HTMLResponse)
def search(request: Request):
    return _search_page(request)


def _search_page(request: Request):
    web = _web(request)
    error = None
    page = None
    status = 200
    try:
        params = SearchParams.from_query(request.query_params)
    except UserError as exc:
        params = SearchParams.as_given(request.query_params)  # refill the form as sent
        error, status = str(exc), 400
    if error is None and any(not v.strip() for _, v in request.query_params.multi_items()):
        # the form sends every field, filled or not: answer with the clean URL, so what an
        # editor copies from the address bar is the short, shareable one
        qs = params.query_string()
        return RedirectResponse(f"/search?{qs}" if qs else "/search", status_code=303)
    if error is None:
        try:
            page = run_search(web.store, params, data_dir=web.data_dir, counts=True)
        except UserError as exc:  # QueryError and bad dates: a message above the form
            error, status = str(exc), 400
    sources = web.indexed_sources()
    for s in params.sources:
        if s not in sources:
            sources.append(s)
    tags = web.topic_tags()
    for t in params.tags:
        if t not in tags:
            tags.append(t)
    return html_page(
        request,
        "search.html",
        {
            "params": params,
            "page": page,
            "error": error,
            "sources": sources,
            "tags": tags,
            "front": request.url.path == "/",
            "baseline_loading": web.baseline_loading(),
            "feed_url": feed_url(params),
            "csv_query": params.query_string(page=1),
            "periods": PERIODS,
        },
        status,
    )


@router.get("/search.atom")
def search_feed(request: Request):
    """The search as an Atom feed: its filters, the newest stories first."""
    params = feed_params(SearchParams.from_query(request.query_params))
    web = _web(request)
    page = run_search(web.store, params, limit=FEED_SIZE, data_dir=web.data_dir)
    return Response(atom_feed(page, str(request.base_url)),
                    media_type="application/atom+xml; charset=utf-8")


@router.get("/revised.atom")
def revised_feed(request: Request):
    """What the portals revised or withdrew lately, as a feed."""
    web = _web(request)
    revised = recent_revisions(web.store, monitor_data.REVISED_DAYS, monitor_data.REVISED_LISTED)
    try:
        withdrawn = [(a, g) for a, g in gone_pages(web.store, web.data_dir, monitor_data.REVISED_LISTED)
                     if a is not None and g["withdrawn"]]
    except Exception as exc:  # the revisions still make a feed
        log.warning("crawl state unavailable: %s", exc)
        withdrawn = []
    return Response(revisions_feed(revised, withdrawn, str(request.base_url), monitor_data.REVISED_DAYS),
                    media_type="application/atom+xml; charset=utf-8")


@router.get("/search.csv")
def search_csv(request: Request):
    """The search's stories as a CSV download (at most ``EXPORT_MAX``), for a spreadsheet."""
    params = SearchParams.from_query(request.query_params)
    out = io.StringIO()
    out.write("\ufeff")  # the BOM that makes Excel read the file as UTF-8, not as GBK
    web = _web(request)
    write_csv(export_hits(web.store, params), out, str(request.base_url),
              flags_of=lambda articles: flags_of(web.data_dir, articles))
    name = f"newsmon-{datetime.now(BEIJING):%Y%m%d-%H%M}.csv"
    return Response(out.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article(request: Request, article_id: str):
    web = _web(request)
    a = web.store.get(article_id)
    if a is None:
        raise HTTPException(404, f"no article with id {article_id!r}")
    repairs, segments = repairs_view(a)
    kinds: dict[str, int] = {}
    for r in repairs:
        kinds[r.kind] = kinds.get(r.kind, 0) + r.count
    copies = story_copies(web.store, a.story_id, exclude=a.id) if a.story_id else []
    history = version_changes(a, web.store.history(a.id))
    flags = flags_of(web.data_dir, [a]).get(a.id, [])
    return html_page(
        request,
        "article.html",
        {"a": a, "repairs": repairs, "kinds": sorted(kinds.items(), key=lambda kv: -kv[1]), "segments": segments,
         "copies": copies, "history": history, "flags": flags, "gone": gone_from_portal(web.data_dir, a.id)},
    )


@router.get("/monitor", response_class=HTMLResponse)
def monitor(request: Request):
    web = _web(request)
    mon = monitor_data.collect(web.store, web.config_dir, web.data_dir)
    return html_page(request, "monitor.html", {"mon": mon, "revised_days": monitor_data.REVISED_DAYS})
