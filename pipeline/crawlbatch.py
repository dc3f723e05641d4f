"""One batch of a crawl, from fetched pages to stored articles and seen marks.

Why a batch and not a page: everything after the fetch (decode, extract, repair, story
sketch, store, seen marks) is CPU work that needs nothing from the crawler but the page
bytes, and one store transaction for many articles costs a fraction of one per article.
The crawl hands a batch to one place, runs nothing of it on the reactor thread, and gets
back only one short outcome per page: the crawler's process then spends its time on
downloads (bench/crawl.py). The batch runs in the crawl's storing thread, or, with
``crawl.workers`` > 0, in a worker process that keeps its own connections
(``BatchStore``); SQLite's write lock and IMMEDIATE transactions keep concurrent batches
consistent (stories, ingest order, seen marks).

Durability: a URL is marked seen only after its article is stored (or judged empty or not
relevant), so a crash or a refused batch costs a refetch, never an article.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import crawlstate

#: outcome of a page whose processing failed, or whose batch the store refused
ERROR = "error"


@dataclass
class FetchedPage:
    url: str
    body: bytes
    header_charset: str | None
    fetched_at: str
    #: other URLs that led to the same page (redirects, the listing's link): marked seen with it
    also: list[str]
    #: (ETag, Last-Modified) the page came with, kept for a source that revisits its
    #: articles (a revisit then costs a 304 when nothing changed); None when not kept
    validators: tuple[str | None, str | None] | None = None


@dataclass
class BatchResult:
    #: one per page: new, updated, unchanged, queued, rejected (the store's word), empty,
    #: irrelevant, or ``ERROR``
    outcomes: list[str]
    #: (url, exception class) of each page whose processing failed
    failed: list[tuple[str, str]] = field(default_factory=list)
    #: why the store refused the batch (exception class and text), or None
    store_error: str | None = None
    #: why marking the batch's URLs seen failed, or None
    seen_error: str | None = None
    process_seconds: float = 0.0
    store_seconds: float = 0.0
    #: files the batch's articles attach that were read for search, and that could not be
    attachments_read: int = 0
    attachments_unread: int = 0

    @classmethod
    def merge(cls, parts: list[BatchResult]) -> BatchResult:
        """One result for a batch that was run in parts, in order."""
        return cls(outcomes=[o for p in parts for o in p.outcomes],
                   failed=[f for p in parts for f in p.failed],
                   store_error=next((p.store_error for p in parts if p.store_error), None),
                   seen_error=next((p.seen_error for p in parts if p.seen_error), None),
                   process_seconds=sum(p.process_seconds for p in parts),
                   store_seconds=sum(p.store_seconds for p in parts),
                   attachments_read=sum(p.attachments_read for p in parts),
                   attachments_unread=sum(p.attachments_unread for p in parts))


class BatchStore:
    """What one process (or the crawl's storing thread) keeps open for a crawl's batches:
    the index, the story tables and the seen-URL marks. Connections belong to the thread
    that opened them, so everything is opened on first use, by the thread that runs
    batches."""

    def __init__(self, store, data_dir: Path, lexicon=None, *, reading=None):
        self.store = store
        self.data_dir = Path(data_dir)
        self.lexicon = lexicon
        #: how attached files are read (``pipeline.attachread.ReadOptions``); None: not read
        self.reading = reading
        self._reader = None
        self._stories = None
        self._state = None

    def run(self, source: str, keep_relevant: bool, pages: list[FetchedPage]) -> BatchResult:
        from pipeline.process import process_html

        started = time.perf_counter()
        outcomes: list[str | None] = []
        failed: list[tuple[str, str]] = []
        to_store, stored_at = [], []
        # per page: (URLs to mark seen, article id)
        marks: list[tuple[list[str], str | None]] = []
        for page in pages:
            marks.append(([], None))
            try:
                article = process_html(page.body, url=page.url, source=source, header_charset=page.header_charset,
                                       fetched_at=page.fetched_at, lexicon=self.lexicon)
            except Exception as exc:  # one bad page must not stop the batch
                failed.append((page.url, exc.__class__.__name__))
                outcomes.append(ERROR)
                continue
            marks[-1] = (list(dict.fromkeys([article.url or page.url, *page.also])), article.id)
            if not (article.text or "").strip():
                outcomes.append("empty")
            elif keep_relevant and self.lexicon is not None and not _relevant(article, self.lexicon):
                outcomes.append("irrelevant")
            else:
                outcomes.append(None)
                stored_at.append(len(outcomes) - 1)
                to_store.append(article)
        result = BatchResult(outcomes=[], failed=failed, process_seconds=time.perf_counter() - started)
        result.attachments_read, result.attachments_unread = self._read_attachments(to_store)

        started = time.perf_counter()
        if to_store:
            try:
                if self._stories is None:
                    from pipeline.stories import Stories

                    self._stories = Stories(self.data_dir)
                from pipeline.storing import save

                # the story sketches are computed there, for the articles stored only
                for i, outcome in zip(stored_at, save(self.store, to_store, stories=self._stories)):
                    outcomes[i] = outcome
            except Exception as exc:
                result.store_error = f"{exc.__class__.__name__}: {exc}"
                for i in stored_at:
                    outcomes[i] = ERROR
        result.outcomes = [o if o is not None else ERROR for o in outcomes]
        rows = [(key, source, article_id, outcome, page.fetched_at)
                for page, outcome, (keys, article_id) in zip(pages, result.outcomes, marks) if outcome != ERROR
                for key in keys]
        try:
            if self._state is None:
                self._state = crawlstate.open_crawlstate(self.data_dir)
            crawlstate.mark_seen_many(self._state, rows)
            for page, outcome, (keys, _) in zip(pages, result.outcomes, marks):
                if page.validators and outcome != ERROR:
                    for key in keys:
                        crawlstate.set_validators(self._state, key, *page.validators, when=page.fetched_at)
        except Exception as exc:
            result.seen_error = f"{exc.__class__.__name__}: {exc}"
        result.store_seconds = time.perf_counter() - started
        return result

    def _read_attachments(self, articles) -> tuple[int, int]:
        """(files read, files that could not be) for the articles about to be stored."""
        if self.reading is None or not any(a.attachments for a in articles):
            return 0, 0
        if self._reader is None:
            from pipeline.attachread import AttachmentReader

            self._reader = AttachmentReader(self.reading)
        read, unread = self._reader.read, self._reader.unread
        for article in articles:
            if article.attachments:
                try:
                    previous = self.store.get(article.id)
                except Exception:  # an index away: its spool takes the article; read anew
                    previous = None
                self._reader.fill(article, previous)
        return self._reader.read - read, self._reader.unread - unread

    def close(self) -> None:
        for conn in (self._stories, self._state):
            if conn is not None:
                conn.close()
        self._stories = self._state = None
        if self._reader is not None:
            self._reader.close()
            self._reader = None


def _relevant(article, lexicon) -> bool:
    from pipeline.topics import is_relevant

    return is_relevant(article, lexicon)
