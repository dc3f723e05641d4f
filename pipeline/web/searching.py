"""One search as the page and the API both run it: URL parameters in, a page of stories out.

The URL is a contract (``/search?q=QUERY&source=...&tag=...&since=...&until=...&sort=...
&page=N``): editors paste these links to each other, so the parameter names never change.
Both the HTML page and ``/api/search`` read the same parameters through ``SearchParams``,
so a link and an API call always agree.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlencode

from pipeline.detail import gone_of, story_copies
from pipeline.errors import UserError
from pipeline.store import Hit, SearchRequest
from pipeline.store.base import FACET_WINDOW
from pipeline.timeutil import parse_user_date

log = logging.getLogger(__name__)

PAGE_SIZE = 20
MAX_PAGE = 500
#: stories in one CSV download, and how many are asked of the store at a time
EXPORT_MAX = 10_000
EXPORT_BATCH = 500
SORTS = ("relevance", "newest")


@dataclass
class SearchParams:
    q: str = ""
    sources: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    since: str = ""
    until: str = ""
    #: "" means the default: by relevance for a query, newest first for none
    sort: str = ""
    page: int = 1

    @classmethod
    def as_given(cls, params) -> "SearchParams":
        """The fields as the URL has them, unchecked (to refill the form beside an error)."""
        def one(name: str) -> str:
            return (params.get(name) or "").strip()

        def many(name: str) -> list[str]:
            out = []
            for v in params.getlist(name):
                v = v.strip()
                if v and v not in out:
                    out.append(v)
            return out

        sort = one("sort")
        return cls(one("q"), many("source"), many("tag"), one("since"), one("until"),
                   sort if sort in SORTS else "", 1)

    @classmethod
    def from_query(cls, params) -> "SearchParams":
        """From a Starlette ``QueryParams`` (or any mapping with ``getlist``); raises
        UserError with a one-line reason for a bad page, order or date."""
        p = cls.as_given(params)
        page_text = (params.get("page") or "").strip() or "1"
        try:
            p.page = int(page_text)
        except ValueError:
            raise UserError(f"page must be a number, not {page_text!r}") from None
        if not 1 <= p.page <= MAX_PAGE:
            raise UserError(f"page must be between 1 and {MAX_PAGE}")
        sort = (params.get("sort") or "").strip()
        if sort and sort not in SORTS:
            raise UserError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        # a bad date is the user's to fix: say so before the store is asked
        for name in ("since", "until"):
            value = getattr(p, name)
            if value:
                parse_user_date(value)
        return p

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q else "newest")

    def request(self, limit: int = PAGE_SIZE) -> SearchRequest:
        return SearchRequest(
            query=self.q,
            sources=self.sources or None,
            tags=self.tags or None,
            since=self.since or None,
            until=self.until or None,
            sort=self.effective_sort,  # type: ignore[arg-type]
            limit=limit,
            offset=(self.page - 1) * limit,
            collapse=True,
        )

    def query_string(self, **changes) -> str:
        """This search's URL parameters, with ``changes`` applied (for links to other pages)."""
        values = {
            "q": self.q,
            "source": self.sources,
            "tag": self.tags,
            "since": self.since,
            "until": self.until,
            "sort": self.sort,
            "page": self.page,
        }
        values.update(changes)
        pairs: list[tuple[str, str]] = []
        for key, value in values.items():
            if isinstance(value, list):
                pairs.extend((key, v) for v in value)
            elif value not in ("", None) and not (key == "page" and value == 1):
                pairs.append((key, str(value)))
        return urlencode(pairs)

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.sources or self.tags or self.since or self.until)


@dataclass
class StoryHit:
    hit: Hit
    #: sources of the story's other copies, other than this copy's own source
    also_on: list[str] = field(default_factory=list)
    #: the story's other copies, wherever they are
    other_copies: int = 0
    #: alert rules that matched the story (``pipeline.alerts.article_flags``): a reform flag
    flags: list[str] = field(default_factory=list)
    #: the page gone from its portal (``pipeline.detail.gone_of``), else None
    gone: dict | None = None


@dataclass
class SearchPage:
    params: SearchParams
    total: int
    hits: list[StoryHit]
    #: False when the backend stopped counting early and ``total`` is a lower bound
    total_exact: bool = True
    #: matching articles per source, whatever the page's source filter (``Store.source_counts``);
    #: empty for the unfiltered front page and the feed
    source_counts: dict[str, int] = field(default_factory=dict)
    #: False when the counts stopped at the newest ``FACET_WINDOW`` matches (SQLite)
    counts_complete: bool = True

    def sources_by_count(self) -> list[tuple[str, int]]:
        return sorted(self.source_counts.items(), key=lambda kv: (-kv[1], kv[0]))

    @property
    def counts_cut(self) -> int | None:
        """The window the counts stopped at, when they did."""
        return None if self.counts_complete else FACET_WINDOW

    @property
    def pages(self) -> int:
        return max(1, min(MAX_PAGE, -(-self.total // PAGE_SIZE)))

    @property
    def first(self) -> int:
        return (self.params.page - 1) * PAGE_SIZE + 1 if self.hits else 0

    @property
    def last(self) -> int:
        return (self.params.page - 1) * PAGE_SIZE + len(self.hits)

    def page_numbers(self) -> list[int | None]:
        """Page links to show: first, last and a window round the current one (None = gap)."""
        current, last = self.params.page, self.pages
        wanted = {1, last, *range(max(1, current - 2), min(last, current + 2) + 1)}
        out: list[int | None] = []
        prev = 0
        for n in sorted(wanted):
            if n - prev > 1:
                out.append(None)
            out.append(n)
            prev = n
        return out


def run_search(store, params: SearchParams, limit: int = PAGE_SIZE, data_dir: Path | None = None,
               counts: bool = False) -> SearchPage:
    """One row per story (the best copy) with the portals its other copies are on, with
    ``data_dir`` the alert rules it matched, and with ``counts`` (the results page, the API)
    the matches by source; ``limit`` stories a page (the feed takes more than the page's 20)."""
    result = store.search(params.request(limit))
    hits = [StoryHit(h) for h in result.hits]
    for sh in hits:
        a = sh.hit.article
        if sh.hit.story_size > 1 and a.story_id:
            copies = story_copies(store, a.story_id, exclude=a.id)
            sh.other_copies = max(len(copies), sh.hit.story_size - 1)
            sh.also_on = sorted({c.source for c in copies if c.source != a.source})
    if data_dir is not None:
        flags = flags_of(data_dir, [sh.hit.article for sh in hits])
        gone = gone_of(data_dir, [sh.hit.article.id for sh in hits])
        for sh in hits:
            sh.flags = flags.get(sh.hit.article.id, [])
            sh.gone = gone.get(sh.hit.article.id)
    by_source, complete = ({}, True)
    if counts and params.filtered and result.total:
        by_source, complete = store.source_counts(params.request(limit))
    return SearchPage(params, result.total, hits, bool(getattr(result, "total_exact", True)), by_source, complete)


def flags_of(data_dir: Path, articles) -> dict[str, list[str]]:
    """By article id, the alert rules its story matched; none when the alert state cannot
    be read (a flag is a courtesy: the page must not fail for it)."""
    try:
        from pipeline.alerts import article_flags

        return article_flags(data_dir, articles)
    except Exception as exc:
        log.warning("alert flags unavailable: %s", exc)
        return {}


def export_hits(store, params: SearchParams):
    """Every story the search finds, in its order, up to ``EXPORT_MAX`` (the CSV download):
    asked of the store a batch at a time, from the first page whatever ``page`` says."""
    req = params.request(EXPORT_BATCH)
    offset, most = 0, EXPORT_MAX
    while offset < most:
        hits = store.search(replace(req, offset=offset,
                                    limit=min(EXPORT_BATCH, most - offset))).hits
        yield from hits
        if len(hits) < EXPORT_BATCH:
            return
        offset += len(hits)
