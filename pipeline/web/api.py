"""The JSON API behind the pages, described at /api/openapi.json.

Parameters are those of the page URLs (``/api/search?q=...`` answers what ``/search?q=...``
shows). Errors are ``{"error": "<one line>"}`` with 400 (bad query, bad date), 404 or 503
(index unreachable).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from pipeline.attached import listed
from pipeline.detail import article_detail, article_dict, copy_dict, gone_from_portal
from pipeline.web import monitor as monitor_data
from pipeline.web.app import WebContext
from pipeline.web.searching import PAGE_SIZE, SearchParams, flags_of, run_search

router = APIRouter(prefix="/api", tags=["api"])


class ErrorOut(BaseModel):
    error: str


class AttachmentOut(BaseModel):
    url: str
    title: str
    #: in an article: the file's text, once newsmon read it (search hits give ``chars``, its length)
    text: str | None = None
    chars: int | None = None
    #: why newsmon did not read the file (``HTTP 404``, ``not a format newsmon reads (.wps)``)
    unread: str | None = None


class ArticleOut(BaseModel):
    """The Article JSON contract plus newsmon's extensions."""

    id: str
    url: str | None = None
    title: str | None = None
    text: str = ""
    source: str
    published_at: str | None = None
    #: published_at as ``YYYY-MM-DD HH:MM`` in Beijing time
    published_beijing: str | None = None
    fetched_at: str | None = None
    author: str | None = None
    origin: str | None = None
    tags: list[str] = []
    encoding: str | None = None
    repairs: dict[str, int] = {}
    encoding_lied: bool | None = None
    repair_log: list[dict[str, Any]] = []
    doc_numbers: list[str] = []
    #: files the page attaches, in page order: [{url, title}]
    attachments: list[AttachmentOut] = []
    relevance: float | None = None
    story_id: str | None = None
    ingested_at: str | None = None


class GoneOut(BaseModel):
    #: what the portal answered a revisit: 404 or 410
    status: int
    since: str
    checked: str
    #: gone at every check, twice or more
    withdrawn: bool


class HitOut(ArticleOut):
    #: safe HTML: escaped text, hits in <mark>
    snippet: str
    score: float | None = None
    #: copies of this story in the index
    story_size: int = 1
    #: sources the story's other copies are on (other than this one's)
    also_on: list[str] = []
    #: readings of damage the repair left that hold a query term (the article may be
    #: found through these guesses, not its text)
    guessed: list[str] = []
    #: ``TITLE: …context…`` of the article's attachments that hold a query term its own text
    #: does not: found in an attachment
    attached: list[str] = []
    #: alert rules that matched the story (``reform``: a reform announcement)
    flags: list[str] = []
    #: the page gone from its portal (a revisit answered 404/410), else null
    gone: GoneOut | None = None


class SearchOut(BaseModel):
    #: stories matching (one per story); a lower bound when ``total_exact`` is false
    total: int
    total_exact: bool = True
    page: int
    pages: int
    page_size: int
    sort: str
    hits: list[HitOut]
    #: matching articles (copies included) per source, whatever the ``source`` filter;
    #: empty when the search has no query or filter
    source_counts: dict[str, int] = {}
    #: false when the counts stopped at the newest 2,000 matches (the SQLite index)
    source_counts_complete: bool = True
    #: true while the daemon is still loading the seed baseline: results may be incomplete
    baseline_loading: bool = False


class CopyOut(BaseModel):
    id: str
    title: str | None
    source: str
    published_at: str | None
    url: str | None


class VersionOut(BaseModel):
    version: int
    replaced_at: str
    title: str | None
    #: what replacing this version changed: title, published_at, author, origin,
    #: doc_numbers, text, and newsmon's own tags, repairs, relevance, encoding …
    changed: list[str] = []
    #: whether the portal changed the page's words (not only newsmon's reading of them)
    revised: bool = False


class ArticleDetailOut(ArticleOut):
    #: the page gone from its portal (a revisit answered 404/410), else null
    gone: GoneOut | None = None
    copies: list[CopyOut] = []
    history: list[VersionOut] = []
    #: alert rules that matched the article's story
    flags: list[str] = []


class SourceOut(BaseModel):
    name: str
    title: str | None
    every: str | None
    enabled: bool
    configured: bool
    articles: int
    state: str
    last_crawl_at: str | None
    last_new_at: str | None
    last_ok_at: str | None
    errors: int | None
    failing_runs: int
    blocked: bool
    message: str | None
    silence: str | None
    #: the source's most recently published article in the index
    newest: CopyOut | None = None


class SourcesOut(BaseModel):
    sources: list[SourceOut]
    #: section -> problem (a config error, a component not installed)
    notes: dict[str, str]


def _web(request: Request) -> WebContext:
    return request.app.state.web


_ERRORS = {400: {"model": ErrorOut}, 503: {"model": ErrorOut}}


@router.get("/search", response_model=SearchOut, responses=_ERRORS)
def api_search(
    request: Request,
    q: str = Query("", description="query in the `newsmon search` syntax; empty lists the newest"),
    source: list[str] = Query([], description="only these sources (repeatable)"),
    tag: list[str] = Query([], description="only articles with these tags (repeatable)"),
    since: str = Query("", description="published on or after: YYYY-MM-DD (Beijing time), ISO 8601, or back from now: today, yesterday, 24h, 7d, 2w"),
    until: str = Query("", description="published on or before, the same forms (a day is inclusive)"),
    sort: str = Query("", description="relevance | newest (default: relevance with a query, else newest)"),
    page: str = Query("1", description=f"page number; {PAGE_SIZE} stories per page"),
):
    """One hit per story (its best-ranked copy), with the portals its other copies are on."""
    params = SearchParams.from_query(request.query_params)
    web = _web(request)
    result = run_search(web.store, params, data_dir=web.data_dir, counts=True)
    hits = []
    for sh in result.hits:
        d = article_dict(sh.hit.article)
        d.update(snippet=str(sh.hit.snippet), score=sh.hit.score, story_size=sh.hit.story_size, also_on=sh.also_on,
                 guessed=list(sh.hit.guessed), attached=list(sh.hit.attached), flags=sh.flags, gone=sh.gone,
                 attachments=listed(sh.hit.article))
        hits.append(d)
    return {
        "total": result.total,
        "total_exact": result.total_exact,
        "page": params.page,
        "pages": result.pages,
        "page_size": PAGE_SIZE,
        "sort": params.effective_sort,
        "hits": hits,
        "source_counts": result.source_counts,
        "source_counts_complete": result.counts_complete,
        "baseline_loading": _web(request).baseline_loading(),
    }


@router.get("/articles/{article_id}", response_model=ArticleDetailOut, responses={404: {"model": ErrorOut}})
def api_article(request: Request, article_id: str):
    """The article, its story's other copies and its earlier versions."""
    web = _web(request)
    store = web.store
    a = store.get(article_id)
    if a is None:
        raise HTTPException(404, f"no article with id {article_id!r}")
    return article_detail(store, a, flags_of(web.data_dir, [a]).get(a.id, []), gone_from_portal(web.data_dir, a.id))


@router.get("/sources", response_model=SourcesOut)
def api_sources(request: Request):
    """Per source: articles indexed, last crawl, last new article, errors, silence warning."""
    web = _web(request)
    mon = monitor_data.collect(web.store, web.config_dir, web.data_dir, rules=False)
    return {
        "sources": [
            {
                "name": s.name, "title": s.title, "every": s.every, "enabled": s.enabled,
                "configured": s.configured, "articles": s.articles, "state": s.state,
                "last_crawl_at": s.last_crawl_at, "last_new_at": s.last_new_at, "last_ok_at": s.last_ok_at,
                "errors": s.errors, "failing_runs": s.failing_runs, "blocked": s.blocked,
                "message": s.message, "silence": s.silence,
                "newest": copy_dict(s.newest) if s.newest else None,
            }
            for s in mon.sources
        ],
        "notes": mon.notes,
    }
