"""One page fetched on request (`newsmon ingest URL`), or one file an article attaches,
outside the scheduled crawl.

An editor handed a link in a chat wants that article in the index now, repaired and
searchable, whether or not a configured listing names it; a stored notice's attached plan
is read for search (``pipeline.attachread``). The crawler is the wrong tool for one page
(a Scrapy process, a reactor, listings), so this is a plain HTTP GET with the crawler's
manners: its User-Agent with the contact URL, robots.txt obeyed, redirects followed, a size
cap, and the body's bytes handed on as they came (a page's header charset is only a claim).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import httpx

from pipeline import __version__
from pipeline.ingest import MAX_BYTES as INGEST_MAX_BYTES
from pipeline.process import now_iso

#: what `newsmon ingest` reads of a saved page at most, so of a fetched one too
MAX_BYTES = INGEST_MAX_BYTES
#: robots.txt is small; a huge one is not worth reading whole
ROBOTS_MAX_BYTES = 512 * 1024
ROBOTS_AGENT = "newsmon"


class FetchError(Exception):
    """Why a page could not be had: one line, for the editor who asked for it.
    ``lasting``: asking again later will not help (404, robots.txt, too large), unlike a
    timeout or a 503."""

    def __init__(self, message: str, *, lasting: bool = True):
        super().__init__(message)
        self.lasting = lasting


@dataclass
class Fetched:
    url: str
    body: bytes
    #: the Content-Type header as sent (its charset a claim the decode stage weighs)
    content_type: str | None
    fetched_at: str


def user_agent(contact: str) -> str:
    """How newsmon names itself to a site, with where its operator can be reached."""
    return f"newsmon/{__version__} (+{contact})"


def agent_of(options) -> str:
    """The User-Agent of the crawl options (``crawler.options.CrawlOptions``): the configured
    one, else newsmon's with the contact URL. The crawl, ingest and attachments all send it."""
    return options.user_agent or user_agent(options.contact)


def client(agent: str, timeout: float = 20.0) -> httpx.Client:
    """An HTTP client with newsmon's manners, for ``fetch`` (close it when done)."""
    return httpx.Client(headers={"User-Agent": agent}, timeout=timeout, follow_redirects=True, max_redirects=5)


def fetch_page(url: str, *, agent: str, timeout: float = 20.0) -> Fetched:
    """One page, asked for as ``agent`` (``agent_of`` the crawl options)."""
    with client(agent, timeout) as http:
        return fetch(http, url, accept="text/html,application/xhtml+xml,*/*;q=0.5", pages_only=True)


#: the answers after which asking again is no use (others may be a bad moment of the site)
_LASTING_STATUS = {401, 403, 404, 410, 451}


def fetch(http: httpx.Client, url: str, *, accept: str = "*/*", pages_only: bool = False,
          robots: dict | None = None) -> Fetched:
    """GET ``url`` with ``http`` (from ``client``), robots.txt obeyed (its verdict kept per
    site in ``robots`` when given); ``pages_only``: anything but HTML/XML/text is refused."""
    timeout = http.timeout.read or 0
    try:
        if not _robots_allow(http, url, robots):
            raise FetchError("robots.txt forbids newsmon to fetch it")
        with http.stream("GET", url, headers={"Accept": accept}) as resp:
            if resp.status_code != 200:
                raise FetchError(f"HTTP {resp.status_code}", lasting=resp.status_code in _LASTING_STATUS)
            ctype = resp.headers.get("Content-Type")
            kind = (ctype or "").split(";")[0].strip().lower()
            if pages_only and kind and not any(t in kind for t in ("html", "xml", "text/plain")):
                raise FetchError(f"not a page ({kind})")
            body = bytearray()
            for chunk in resp.iter_bytes():
                body += chunk
                if len(body) > MAX_BYTES:
                    raise FetchError(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
            return Fetched(str(resp.url), bytes(body), ctype, now_iso())
    except httpx.TooManyRedirects:
        raise FetchError("too many redirects") from None
    except httpx.TimeoutException:
        raise FetchError(f"no answer within {timeout:g} s", lasting=False) from None
    except httpx.HTTPError as exc:
        raise FetchError(f"cannot be fetched ({exc.__class__.__name__})", lasting=False) from None


def _robots_allow(http: httpx.Client, url: str, cache: dict | None = None) -> bool:
    """What the site's robots.txt says of ``url`` for newsmon; a site without one (or one
    that cannot be read) allows it, as Scrapy's middleware has it for the crawl."""
    parts = urlsplit(url)
    site = (parts.scheme, parts.netloc)
    if cache is not None and site in cache:
        parser = cache[site]
    else:
        parser = _robots(http, urlunsplit((*site, "/robots.txt", "", "")))
        if cache is not None:
            cache[site] = parser
    return parser is None or parser.can_fetch(ROBOTS_AGENT, url)


def _robots(http: httpx.Client, robots_url: str) -> RobotFileParser | None:
    try:
        resp = http.get(robots_url)
    except httpx.HTTPError:
        return None
    if resp.status_code != 200:
        return None
    parser = RobotFileParser()
    parser.parse(resp.content[:ROBOTS_MAX_BYTES].decode("utf-8", "replace").splitlines())
    return parser
