"""The one item pipeline: fetched pages → batches → ``pipeline.crawlbatch`` → counts.

Nothing of a page is processed here: pages are collected into batches (``BATCH`` pages or
``MAX_WAIT`` seconds, whichever comes first, and always when the spider closes) and handed
to the crawl's writer (``crawler.writer``: its storing thread, or ``crawl.workers``
processes), which decodes from the raw bytes and the header's claimed charset (Scrapy's
``response.text`` is never used: Chinese portals lie about their encoding often enough that
trusting the header corrupts text), extracts, repairs, stores and marks the URLs seen. One
store transaction for many articles costs a fraction of one per article. At most
``MAX_IN_FLIGHT`` batches (more with workers) wait there before new items wait for them.
A URL is marked seen only after its article is stored (or judged empty or not relevant),
so a crash costs a refetch of at most the batches in flight, never a lost article.
"""

from __future__ import annotations

import asyncio
import logging
import time

from pipeline.crawlbatch import ERROR, FetchedPage

logger = logging.getLogger(__name__)

#: pages per batch (one store transaction)
BATCH = 50
#: seconds a page may wait in a batch before the batch is handed over anyway
MAX_WAIT = 1.0
#: batches handed over and not yet done, before items wait for them (plus one per worker)
MAX_IN_FLIGHT = 2


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.pending: list[FetchedPage] = []
        self.oldest = 0.0
        self._ticker = None
        self._in_flight: list[asyncio.Future] = []

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        from twisted.internet import task

        self._ticker = task.LoopingCall(self._flush_if_stale)
        self._ticker.start(MAX_WAIT / 2, now=False)

    async def close_spider(self):
        if self._ticker is not None and self._ticker.running:
            self._ticker.stop()
        self.flush()
        # the spider's run is recorded after this: every batch must be stored and counted
        while self._in_flight:
            await asyncio.wait(list(self._in_flight))

    async def process_item(self, item):
        url = item["url"]
        if not self.pending:
            self.oldest = time.monotonic()
        self.pending.append(FetchedPage(url, item["body"], item["header_charset"], item["fetched_at"],
                                        item.get("also", []), item.get("validators")))
        if len(self.pending) >= BATCH:
            self.flush()
            writer = self.crawler.spider.rt.writer
            if len(self._in_flight) > MAX_IN_FLIGHT + writer.workers:
                # the writer is behind: hold this item until it catches up
                await asyncio.wait([self._in_flight[0]])
        return {"url": url}

    def _flush_if_stale(self) -> None:
        if self.pending and time.monotonic() - self.oldest >= MAX_WAIT:
            self.flush()

    def flush(self) -> None:
        """Hand the pending pages to the writer; counted here when it is done."""
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        spider = self.crawler.spider
        source = spider.source
        future = asyncio.wrap_future(spider.rt.writer.submit(source.name, source.keep == "relevant", batch))
        self._in_flight.append(future)
        future.add_done_callback(lambda f: self._done(f, spider, batch))

    def _done(self, future, spider, batch: list[FetchedPage]) -> None:
        """Counts for one finished batch (in the reactor thread, like every other count)."""
        self._in_flight.remove(future)
        tally, source = spider.tally, spider.source
        try:
            result = future.result()
        except Exception as exc:  # the writer itself failed: nothing of the batch is known
            # not marked seen: the next crawl fetches these pages again
            tally.errors += len(batch)
            spider.clean = False
            tally.problem(f"{len(batch)} pages not processed ({exc.__class__.__name__})")
            logger.error("%s: a batch of %d pages failed: %s: %s", source.name, len(batch),
                         exc.__class__.__name__, exc)
            return
        tally.process_seconds += result.process_seconds
        tally.attachments_read += result.attachments_read
        tally.attachments_unread += result.attachments_unread
        tally.store_seconds += result.store_seconds
        for url, error in result.failed:
            tally.problem(f"{url}: processing failed ({error})")
            logger.warning("%s: processing failed for %s: %s", source.name, url, error)
        if result.failed:
            spider.clean = False
        if result.store_error:
            n = sum(1 for o in result.outcomes if o == ERROR) - len(result.failed)
            spider.clean = False
            tally.problem(f"{n} articles not stored ({result.store_error.split(':')[0]})")
            logger.error("%s: storing %d articles failed: %s", source.name, n, result.store_error)
        for page, outcome in zip(batch, result.outcomes):
            if outcome == ERROR:
                tally.errors += 1
            elif outcome == "empty":
                tally.empty += 1
                logger.info("%s: no article text in %s", source.name, page.url)
            elif outcome == "irrelevant":
                tally.irrelevant += 1
            elif outcome == "new":
                tally.new += 1
            elif outcome == "updated":
                tally.updated += 1
            elif outcome == "queued":
                tally.queued += 1
            elif outcome == "rejected":
                tally.rejected += 1
            else:
                tally.unchanged += 1
        if result.seen_error:
            spider.clean = False
            tally.problem(f"seen marks not saved ({result.seen_error.split(':')[0]})")
            logger.error("%s: marking pages seen failed: %s", source.name, result.seen_error)
