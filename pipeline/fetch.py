"""One page fetched on request (`newsmon ingest URL`), outside the scheduled crawl.

An editor handed a link in a chat wants that article in the index now, repaired and
searchable, whether or not a configured listing names it. The crawler is the wrong tool for
one page (a Scrapy process, a reactor, listings), so this is a plain HTTP GET with the
crawler's manners: its User-Agent with the contact URL, robots.txt obeyed, redirects
followed, a size cap, and the body's bytes handed to the same decode stage a crawl uses
(the header's charset is only a claim).
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
    """Why a page could not be had: one line, for the editor who asked for it."""


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


def fetch_page(url: str, *, contact: str, timeout: float = 20.0) -> Fetched:
    headers = {"User-Agent": user_agent(contact), "Accept": "text/html,application/xhtml+xml,*/*;q=0.5"}
    try:
        with httpx.Client(headers=headers, timeout=timeout, follow_redirects=True, max_redirects=5) as client:
            if not _robots_allow(client, url):
                raise FetchError("robots.txt forbids newsmon to fetch it")
            with client.stream("GET", url) as resp:
                if resp.status_code != 200:
                    raise FetchError(f"HTTP {resp.status_code}")
                ctype = resp.headers.get("Content-Type")
                kind = (ctype or "").split(";")[0].strip().lower()
                if kind and not any(t in kind for t in ("html", "xml", "text/plain")):
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
        raise FetchError(f"no answer within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"cannot be fetched ({exc.__class__.__name__})") from None


def _robots_allow(client: httpx.Client, url: str) -> bool:
    """What the site's robots.txt says of ``url`` for newsmon; a site without one (or one
    that cannot be read) allows it, as Scrapy's middleware has it for the crawl."""
    parts = urlsplit(url)
    robots_url = urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))
    try:
        resp = client.get(robots_url)
    except httpx.HTTPError:
        return True
    if resp.status_code != 200:
        return True
    parser = RobotFileParser()
    parser.parse(resp.content[:ROBOTS_MAX_BYTES].decode("utf-8", "replace").splitlines())
    return parser.can_fetch(ROBOTS_AGENT, url)
