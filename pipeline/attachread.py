"""Reading the files an article attaches, before it is stored, so search sees their text.

Why here, and not in the crawler: a file is read only for an article that is about to be
stored, and once; the text goes into the index with the article in one write (no second
write that a down Elasticsearch would have to spool), and a page stored again keeps what
its earlier version's files said (``previous``) instead of fetching them again.

Manners are the crawler's: its User-Agent, robots.txt (checked once per site), at most
``delay`` seconds between two files from one site, the ingest size cap, and a ``budget`` of
files per crawl, so a first crawl of a portal full of attachments does not turn into a
download of all of them. A file left for lack of budget, or that timed out, is read by a
later crawl of its source (``read_pending``, with what budget that crawl has left: its last
try), or when its page is stored again; one that cannot be read (HTTP 404, a WPS file, a
scanned PDF, a second timeout) says why in ``unread`` and is not tried again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from pipeline.doctext import READABLE, document_text_apart, kind_of, unreadable
from pipeline.extract.attachments import document_name

log = logging.getLogger(__name__)

#: characters of text the files of one article may hold together (a file each at most
#: ``doctext.MAX_TEXT``): an index document stays a size a cluster takes in one request
MAX_ARTICLE_CHARS = 1_000_000


@dataclass(frozen=True)
class ReadOptions:
    """How files are read (picklable: crawl workers build their own reader from it)."""

    user_agent: str
    #: files fetched per crawl (per process); 0: none
    budget: int = 20
    #: seconds between two files from one site
    delay: float = 1.0
    timeout: float = 20.0

    @classmethod
    def from_crawl(cls, options, *, polite: bool = True) -> ReadOptions:
        """From the crawl options (``crawler.options.CrawlOptions``): its User-Agent, budget
        (``crawl.attachments``), delay when polite, and timeout."""
        from pipeline.fetch import agent_of

        return cls(agent_of(options), budget=options.attachments,
                   delay=options.download_delay if polite else 0.0, timeout=options.download_timeout)


class AttachmentReader:
    def __init__(self, options: ReadOptions):
        self.options = options
        self.left = options.budget
        #: files read, and files that could not be, since this reader was made
        self.read = 0
        self.unread = 0
        self._http = None
        self._robots: dict = {}
        self._last: dict[str, float] = {}

    def fill(self, article, previous=None, *, last_try: bool = False) -> None:
        """Give each of ``article``'s attachments its ``text`` (or ``unread``: why not),
        from ``previous`` (the stored version) where it had the same file, else by reading
        the file. With ``last_try`` a timeout or a 5xx is given up on too, so a site that
        never answers is not asked every crawl. Never raises for a file: a file is not
        worth losing an article over."""
        if not article.attachments:
            return
        known = {f.get("url"): f for f in (previous.attachments or []) if isinstance(f, dict)} if previous else {}
        for entry in article.attachments:
            if _settled(entry):
                continue
            held = sum(len(f.get("text") or "") for f in article.attachments)
            if held >= MAX_ARTICLE_CHARS:
                entry["unread"] = f"the article's other files already hold {MAX_ARTICLE_CHARS:,} characters"
                self.unread += 1
                continue
            before = known.get(entry.get("url"))
            if before is not None and _settled(before):
                entry.update({k: before[k] for k in ("text", "unread") if k in before})
                continue
            try:
                self._read(entry, last_try)
            except Exception as exc:  # a parser's bug on a hostile file: log it, keep the article
                log.warning("attachment %s not read: %s", entry.get("url"), exc.__class__.__name__)

    def pending(self, article) -> bool:
        """Whether ``article`` attaches a file of a readable format not read nor given up on."""
        return any(not _settled(f) and kind_of(_name(f)) in READABLE
                   for f in article.attachments or () if isinstance(f, dict))

    def _read(self, entry: dict, last_try: bool = False) -> None:
        url = entry.get("url") or ""
        name = _name(entry)
        kind = kind_of(name)
        if kind not in READABLE:
            entry["unread"] = unreadable(kind)
            self.unread += 1
            return
        if self.left <= 0:
            return  # left for the next time the page is stored
        self.left -= 1
        from pipeline.fetch import FetchError, fetch

        self._wait_for(url)
        try:
            got = fetch(self._client(), url, robots=self._robots)
        except FetchError as exc:
            log.info("attachment %s not read: %s", url, exc)
            if exc.lasting or last_try:
                entry["unread"] = str(exc)
                self.unread += 1
            return
        finally:
            self._last[urlsplit(url).netloc] = time.monotonic()
        doc = document_text_apart(got.body, name)
        if doc.text is None:
            entry["unread"] = doc.reason
            self.unread += 1
        else:
            entry["text"] = doc.text
            self.read += 1

    def _wait_for(self, url: str) -> None:
        last = self._last.get(urlsplit(url).netloc)
        if last is not None:
            pause = last + self.options.delay - time.monotonic()
            if pause > 0:
                time.sleep(pause)

    def _client(self):
        if self._http is None:
            from pipeline.fetch import client

            self._http = client(self.options.user_agent, self.options.timeout)
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None


def _name(entry: dict) -> str:
    """The file name an attachment's address delivers."""
    return document_name(entry.get("url") or "") or ""


def _settled(entry: dict) -> bool:
    """Read, or given up on: nothing more to do for this file."""
    return "text" in entry or "unread" in entry


#: how far back ``read_pending`` looks for files left unread
PENDING_DAYS = 7


def read_pending(store, reader: AttachmentReader, sources: list[str], *, limit: int = 500) -> dict[str, list[int]]:
    """Read the files that earlier crawls of ``sources`` left (their budget ran out, a site
    timed out) for articles stored in the last ``PENDING_DAYS`` days, newest first, while
    ``reader`` has budget; each article whose files got read, or given up on (this is a
    file's last try), is stored again (a version only newsmon's reading changed). Returns
    ``{source: [files read, files not readable]}``."""
    from datetime import datetime, timedelta, timezone

    from pipeline.store.base import SearchRequest

    counts: dict[str, list[int]] = {}
    if reader.left <= 0:
        return counts
    since = (datetime.now(timezone.utc) - timedelta(days=PENDING_DAYS)).isoformat(timespec="seconds")
    hits = store.search(SearchRequest(sources=sources, ingested_after=since, sort="newest", limit=limit)).hits
    done = []
    for article in (h.article for h in hits):
        if reader.left <= 0:
            break
        if reader.pending(article):
            read, unread = reader.read, reader.unread
            reader.fill(article, last_try=True)
            if (reader.read, reader.unread) != (read, unread):
                done.append(article)
                tally = counts.setdefault(article.source, [0, 0])
                tally[0] += reader.read - read
                tally[1] += reader.unread - unread
    if done:
        store.upsert_many(done)
    return counts
