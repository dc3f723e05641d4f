"""One spider per source: start URLs → article URLs → article pages for the item pipeline.

Each start URL is read as whatever it turns out to be (HTML listing, RSS/Atom feed, sitemap
or sitemap index, JSON list; see ``crawler.kinds``). Listing pages and feeds are fetched
conditionally (``If-None-Match`` / ``If-Modified-Since``); article URLs already in the
seen-URL store are not fetched at all, so a second crawl of an unchanged site costs only its
listings. New validators are saved only when the whole crawl of the source finished with
no article left behind: otherwise a 304 next time would hide the articles this run missed.

A start URL may be a list API answered to POST (``pipeline.sources.ListRequest``): its body
names the page, so it pages by counting that field up (to ``max_pages``, or until a page
lists nothing new) instead of following links, and it is refetched every crawl, because
servers do not answer POST conditionally.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime, timedelta, timezone

import scrapy
from scrapy import signals
from scrapy.http import FormRequest, JsonRequest
from scrapy.exceptions import IgnoreRequest
from w3lib.url import safe_url_string

from crawler.blocking import blocked_reason
from crawler.handlers import AbortedAtShutdown
from crawler.kinds import (
    Entry,
    KindError,
    detect_kind,
    feed_entries,
    json_entries,
    maybe_gunzip,
    sitemap_entries,
)
from crawler.links import article_links, host_allowed, next_page, parse_html
from crawler.settings import HANDLED_STATUSES
from pipeline import crawlstate
from pipeline.decode import decode_bytes
from pipeline.process import now_iso
from pipeline.sources import REVISIT_MAX
from pipeline.urls import canonical_url

logger = logging.getLogger(__name__)

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
#: sitemap indexes nest; more than this is a loop or a trap
MAX_SITEMAP_DEPTH = 3


def header_charset(content_type: bytes | str | None) -> str | None:
    """The charset a Content-Type header claims (maybe falsely; the decode stage judges)."""
    if not content_type:
        return None
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    m = _CHARSET.search(content_type)
    return m.group(1) if m else None


def _h(response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1").strip() if value else None


class SourceSpider(scrapy.Spider):
    name = "newsmon-source"

    def __init__(self, *args, source=None, runtime=None, **kwargs):
        super().__init__(*args, name=source.name, **kwargs)
        self.source = source
        self.rt = runtime
        self.tally = runtime.tallies[source.name]
        self.tally.title = source.title
        self.sites = source.sites
        #: canonical article URLs requested or counted in this run
        self.handled: set[str] = set()
        #: listing URL → (etag, last_modified) to save if the crawl ends clean
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        #: False once something worth retrying was left behind (a listing or article that
        #: failed for a reason other than 404/410, the max_articles cap, a store error):
        #: the listing validators are then not saved, so the next crawl reads every listing
        self.clean = True
        self.budget = source.max_articles

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_opened, signal=signals.spider_opened)
        crawler.signals.connect(spider.on_closed, signal=signals.spider_closed)
        return spider

    # --- requests -----------------------------------------------------------------------

    async def start(self):
        for i, lst in enumerate(self.source.lists):
            if lst.method == "POST":
                yield self.post_list_request(i, page=lst.first_page, depth=1, seen_before=())
            else:
                yield self.listing_request(lst.url, depth=1, origin=lst.url, kind=lst.kind, list_index=i)
        for request in self.revisit_requests():
            yield request

    def revisit_requests(self):
        """Articles stored within the source's ``revisit`` window and not fetched for a
        gap, asked for again (conditionally) to catch a quiet revision of the page: it is
        then stored as a new version, and its article page shows what changed."""
        if not self.source.revisit_seconds:
            return
        now = datetime.now(timezone.utc)
        try:
            due = crawlstate.revisit_due(
                self.rt.state, self.source.name,
                first_seen_after=now - timedelta(seconds=self.source.revisit_seconds),
                last_seen_before=now - timedelta(seconds=self.source.revisit_gap),
                limit=REVISIT_MAX)
        except Exception as exc:  # revisits are extra: the crawl of new articles goes on
            logger.warning("%s: no revisits this crawl: %s: %s", self.source.name, exc.__class__.__name__, exc)
            self.tally.problem(f"no revisits ({exc.__class__.__name__})")
            return
        for url in due:
            if url in self.rt.claimed:
                continue
            self.handled.add(url)
            self.rt.claimed.add(url)
            etag, modified = crawlstate.get_validators(self.rt.state, url)
            headers = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", modified)) if v}
            yield scrapy.Request(
                url, headers=headers, callback=self.parse_article, errback=self.on_error,
                priority=-10,  # after the listings and the new articles they name
                meta={"nm_role": "article", "nm_key": url, "nm_revisit": True,
                      "handle_httpstatus_list": HANDLED_STATUSES},
            )

    def listing_request(self, url: str, *, depth: int, origin: str, kind: str | None,
                        list_index: int | None = None) -> scrapy.Request:
        headers = {}
        if list_index is not None:
            headers.update(self.source.lists[list_index].headers)
        etag, modified = crawlstate.get_validators(self.rt.state, url)
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        return scrapy.Request(
            url,
            headers=headers,
            callback=self.parse_listing,
            errback=self.on_error,
            priority=10,
            dont_filter=depth == 1,
            meta={"nm_role": "listing", "nm_depth": depth, "nm_origin": origin, "nm_kind": kind,
                  "nm_list": list_index, "handle_httpstatus_list": HANDLED_STATUSES},
        )

    def post_list_request(self, list_index: int, *, page: int, depth: int, seen_before) -> scrapy.Request:
        """One page of a list API answered to POST; no validators (see the module docstring)."""
        lst = self.source.lists[list_index]
        meta = {"nm_role": "listing", "nm_depth": depth, "nm_origin": lst.url, "nm_kind": lst.kind,
                "nm_list": list_index, "nm_page": page, "nm_seen_before": frozenset(seen_before),
                "handle_httpstatus_list": HANDLED_STATUSES}
        common = {"headers": dict(lst.headers), "callback": self.parse_listing, "errback": self.on_error,
                  "priority": 10, "dont_filter": True, "meta": meta}
        if lst.json_body is not None:
            return JsonRequest(lst.url, data=lst.json_for(page), method="POST", **common)
        # a form body, maybe only the page field, maybe empty (FormRequest sets the Content-Type)
        return FormRequest(lst.url, formdata=lst.form_for(page), method="POST", **common)

    def article_requests(self, urls: list[str], *, filtered: bool):
        """Requests for the article URLs not yet seen; seen ones count as unchanged."""
        fresh: list[str] = []
        for raw in urls:
            try:
                # the key every later crawl will compute for this link: percent-encoded as
                # Scrapy will send it, then canonical (no tracking parameters, no fragment)
                url = canonical_url(safe_url_string(raw.strip()))
            except ValueError:
                continue
            if url in self.handled or not host_allowed(url, self.sites):
                continue
            if filtered and self.source.article_urls is not None and not self.source.article_urls.search(url):
                continue
            self.handled.add(url)
            fresh.append(url)
        if not fresh:
            return
        seen = crawlstate.seen_among(self.rt.state, fresh)
        for url in fresh:
            # seen before, or taken on by another source of this crawl (checked at the last
            # moment: the spiders' generators interleave)
            if url in seen or url in self.rt.claimed:
                self.tally.unchanged += 1
                continue
            if self.budget is not None:
                if self.budget <= 0:
                    self.tally.deferred += 1
                    self.clean = False
                    continue
                self.budget -= 1
            self.rt.claimed.add(url)
            yield scrapy.Request(
                url,
                callback=self.parse_article,
                errback=self.on_error,
                meta={"nm_role": "article", "nm_key": url, "handle_httpstatus_list": HANDLED_STATUSES},
            )

    # --- responses -----------------------------------------------------------------------

    def _bad_status(self, response) -> bool:
        """Count and report a non-200 answer; True when the response carries no content."""
        status = response.status
        if status == 200:
            reason = blocked_reason(status, response.body)
            if reason is None:
                return False
        elif status < 300:
            return False
        else:
            reason = blocked_reason(status, response.body)
        if reason:
            if not self.tally.blocked:
                logger.warning("%s: blocked at %s: %s", self.source.name, response.url, reason)
                self.tally.problem(f"{reason} at {response.url}")
            self.tally.blocked = True
        else:
            logger.warning("%s: HTTP %d for %s", self.source.name, status, response.url)
            self.tally.problem(f"HTTP {status} at {response.url}")
        self.tally.errors += 1
        if not (response.meta.get("nm_role") == "article" and status in (404, 410)):
            # worth another look next time; a gone article is not, so it keeps the crawl clean
            self.clean = False
        return True

    def parse_listing(self, response):
        self.tally.pages += 1
        self.tally.listing_pages += 1
        if response.status == 304:
            self.tally.not_modified += 1
            self.tally.listings_ok += 1
            return
        if self._bad_status(response):
            return
        meta = response.meta
        etag, modified = _h(response, "ETag"), _h(response, "Last-Modified")
        if (etag or modified) and response.request.method == "GET":
            # kept under the URL asked for, which is what the next crawl asks
            first = (response.meta.get("redirect_urls") or [response.request.url])[0]
            self.validators[first] = (etag, modified)
        try:
            body = maybe_gunzip(response.body)
            kind = meta.get("nm_kind") or (self.source.kind if self.source.kind != "auto" else None) \
                or detect_kind(body, _h(response, "Content-Type"))
            yield from self._read_listing(response, body, kind)
            self.tally.listings_ok += 1
        except KindError as exc:
            self.tally.errors += 1
            self.clean = False
            self.tally.problem(f"{response.url}: {exc}")
            logger.warning("%s: cannot read %s: %s", self.source.name, response.url, exc)

    def _read_listing(self, response, body: bytes, kind: str):
        url = response.url
        meta = response.meta
        depth = meta.get("nm_depth", 1)
        if "nm_page" in meta:  # a POST list API: pages by its body, not by links
            yield from self._read_post_list(response, body, kind)
            return
        if kind == "json":
            entries = json_entries(body, url, self._json_spec(meta))
            yield from self.article_requests([e.url for e in entries], filtered=True)
        elif kind == "feed":
            yield from self.article_requests([e.url for e in feed_entries(body, url)], filtered=True)
        elif kind == "sitemap":
            sub, entries = sitemap_entries(body, url)
            if sub == "sitemapindex":
                if depth >= MAX_SITEMAP_DEPTH:
                    self.tally.problem(f"{url}: sitemap indexes nested deeper than {MAX_SITEMAP_DEPTH}")
                    return
                for e in entries:
                    if host_allowed(e.url, self.sites):
                        yield self.listing_request(e.url, depth=depth + 1, origin=meta["nm_origin"], kind="sitemap")
            else:
                yield from self.article_requests(_newest_first(entries), filtered=True)
        else:
            text = decode_bytes(body, header_charset(response.headers.get("Content-Type"))).text
            doc = parse_html(text, url)
            links = article_links(doc, url, sites=self.sites, pattern=self.source.article_urls)
            yield from self.article_requests([link.url for link in links], filtered=False)
            if depth < self.source.max_pages:
                nxt = next_page(doc, text, url, sites=self.sites)
                if nxt and nxt != url:
                    yield self.listing_request(nxt, depth=depth + 1, origin=meta["nm_origin"], kind="html",
                                               list_index=meta.get("nm_list"))

    def _json_spec(self, meta):
        i = meta.get("nm_list")
        own = self.source.lists[i].json if i is not None else None
        return own or self.source.json

    def _read_post_list(self, response, body: bytes, kind: str):
        """Articles of one page of a POST list, then the next page while this one named
        something: an empty page is the end, and a page repeating the previous one means
        the server ignores the page field."""
        meta = response.meta
        url = response.url
        if kind == "json":
            try:
                found = [e.url for e in json_entries(body, url, self._json_spec(meta))]
            except KindError as exc:
                if meta["nm_depth"] == 1:
                    raise
                # past the last page many APIs answer {"data": null} rather than an empty list
                logger.info("%s: %s page %s read as the end of the list: %s",
                            self.source.name, url, meta["nm_page"], exc)
                found = []
            filtered = True
        elif kind in ("html", None):
            text = decode_bytes(body, header_charset(response.headers.get("Content-Type"))).text
            links = article_links(parse_html(text, url), url, sites=self.sites, pattern=self.source.article_urls)
            found, filtered = [link.url for link in links], False
        else:
            raise KindError(f"a POST list is read as json or html, not {kind}")
        yield from self.article_requests(found, filtered=filtered)
        lst = self.source.lists[meta["nm_list"]]
        depth = meta["nm_depth"]
        this_page = frozenset(found)
        if lst.page_field and found and this_page != meta["nm_seen_before"] and depth < self.source.max_pages:
            yield self.post_list_request(meta["nm_list"], page=meta["nm_page"] + 1, depth=depth + 1,
                                         seen_before=this_page)

    def parse_article(self, response):
        self.tally.pages += 1
        if response.meta.get("nm_revisit"):
            self.tally.revisited += 1
            if response.status != 200 or blocked_reason(200, response.body):
                self._revisit_ends(response)
                return
            crawlstate.mark_back(self.rt.state, response.meta["nm_key"])
        elif self._bad_status(response):
            return
        final = canonical_url(response.url)
        keys = [response.meta.get("nm_key"), *(canonical_url(u) for u in response.meta.get("redirect_urls", []))]
        also = list(dict.fromkeys(k for k in keys if k and k != final))
        ctype = (_h(response, "Content-Type") or "").lower()
        if ctype and not any(t in ctype for t in ("html", "xml", "text/plain")):
            # a PDF or image behind an article-shaped link: nothing to extract, never refetch
            self.tally.empty += 1
            logger.info("%s: %s is %s, not a page", self.source.name, response.url, ctype.split(";")[0])
            for key in [final, *also]:
                crawlstate.mark_seen(self.rt.state, key, self.source.name, when=now_iso(), outcome="empty")
            return
        self.tally.articles_fetched += 1
        validators = (_h(response, "ETag"), _h(response, "Last-Modified"))
        yield {
            "url": response.url,
            "also": also,
            "body": response.body,
            "header_charset": header_charset(response.headers.get("Content-Type")),
            "fetched_at": now_iso(),
            "validators": validators if self.source.revisit_seconds and any(validators) else None,
        }

    def _revisit_ends(self, response) -> None:
        """A revisit answered 304 (the page is as stored), or not with the page: either way
        the article stays as stored and waits a full gap for its next revisit. A revisit
        that fails is no error of this crawl (nothing new was missed), only a note."""
        key = response.meta["nm_key"]
        if response.status == 304:
            self.tally.unchanged += 1
            crawlstate.mark_back(self.rt.state, key)
        else:
            logger.info("%s: revisit of %s answered HTTP %d", self.source.name, key, response.status)
            self.tally.revisits_failed += 1
            if response.status in (404, 410):
                # taken down from the portal: shown on the article and monitor pages, and
                # told to the rules that alerted its story once found gone twice in a row
                self.tally.gone += 1
                crawlstate.mark_gone(self.rt.state, key, self.source.name, response.status, when=now_iso())
        crawlstate.touch_seen(self.rt.state, key, when=now_iso())

    def on_error(self, failure):
        request = failure.request
        if failure.check(AbortedAtShutdown):
            self.clean = False
            return
        if request.meta.get("nm_revisit") and not failure.check(IgnoreRequest):
            logger.info("%s: revisit of %s failed: %s", self.source.name, request.url,
                        failure.value.__class__.__name__)
            self.tally.revisits_failed += 1
            crawlstate.touch_seen(self.rt.state, request.meta["nm_key"], when=now_iso())
            return
        if failure.check(IgnoreRequest):
            if "robots" in str(failure.value).lower():
                self.tally.robots_denied += 1
                logger.info("%s: robots.txt forbids %s", self.source.name, request.url)
            return
        reason = failure.value.__class__.__name__
        # exception texts can quote what a server sent: printable characters only, and short
        detail = "".join(c if c.isprintable() else "?" for c in str(failure.value)[:120])
        self.tally.errors += 1
        self.tally.problem(f"{request.url}: {reason}")
        self.clean = False
        logger.warning("%s: giving up on %s: %s %s", self.source.name, request.url, reason, detail)

    # --- lifecycle -------------------------------------------------------------------------

    def on_opened(self, spider):
        if spider is self:
            self.tally.started_at = now_iso()
            self._opened = time.perf_counter()

    def on_closed(self, spider, reason):
        if spider is not self:
            return
        t = self.tally
        t.finished_at = now_iso()
        t.seconds = round(time.perf_counter() - getattr(self, "_opened", time.perf_counter()), 3)
        t.interrupted = reason != "finished"
        if reason == "finished" and self.clean:
            when = t.finished_at
            for url, (etag, modified) in self.validators.items():
                crawlstate.set_validators(self.rt.state, url, etag, modified, when=when)
        crawlstate.record_run(
            self.rt.state, t.source, t.started_at or t.finished_at, t.finished_at,
            t.pages, t.new, t.unchanged, t.errors, t.blocked, t.message, failed=t.failed,
        )
        self.rt.source_done(t)


def _newest_first(entries: list[Entry]) -> list[str]:
    """Sitemap pages with dates first, newest first, so a ``max_articles`` cap keeps the news."""
    dated = sorted((e for e in entries if e.date), key=lambda e: e.date, reverse=True)
    return [e.url for e in dated] + [e.url for e in entries if not e.date]
