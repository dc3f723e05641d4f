"""The one item pipeline: (url, headers, body) → ``pipeline`` → the store → the seen-URL mark.

Decoding happens in ``pipeline.process.process_html`` from the raw bytes and the header's
claimed charset; Scrapy's ``response.text`` is never used, because Chinese portals lie about
their encoding often enough that trusting the header corrupts text.

Articles are stored in small batches (``BATCH`` articles or ``MAX_WAIT`` seconds, whichever
comes first, and always when the spider closes): one store transaction for many articles
costs a fraction of one per article (bench/crawl.py: ~17 ms → ~3 ms per article). Batches
are stored by the crawl's storing thread (``crawler.writer``), so the reactor keeps
downloading meanwhile; at most ``MAX_IN_FLIGHT`` batches wait there before new items wait
for it. A URL is marked seen only after its batch is stored (or the article judged not
relevant), so a crash costs a refetch of at most the batches in flight, never a lost article.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

logger = logging.getLogger(__name__)

#: articles stored per store transaction
BATCH = 100
#: seconds an article may wait in a batch before it is stored anyway
MAX_WAIT = 1.0
#: batches handed to the storing thread and not yet stored, before items wait for them
MAX_IN_FLIGHT = 2


@dataclass
class _Pending:
    article: object
    sketch: object
    url: str
    keys: list[str]
    fetched_at: str
    #: "store", or an outcome decided without the store ("irrelevant", "empty")
    outcome: str


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.pending: list[_Pending] = []
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
        spider = self.crawler.spider
        rt, source, tally = spider.rt, spider.source, spider.tally
        url = item["url"]
        started = time.perf_counter()
        try:
            article, sketch = await rt.build_article(
                item["body"], url=url, source=source.name,
                header_charset=item["header_charset"], fetched_at=item["fetched_at"],
            )
        except Exception as exc:  # one bad page must not stop the crawl
            tally.errors += 1
            spider.clean = False
            tally.problem(f"{url}: processing failed ({exc.__class__.__name__})")
            logger.warning("%s: processing failed for %s: %s", source.name, url, exc.__class__.__name__)
            return {"url": url, "outcome": "error"}
        finally:
            tally.process_seconds += time.perf_counter() - started

        if not (article.text or "").strip():
            outcome = "empty"
            tally.empty += 1
            logger.info("%s: no article text in %s", source.name, url)
        elif source.keep == "relevant" and rt.lexicon is not None and not rt.is_relevant(article):
            outcome = "irrelevant"
            tally.irrelevant += 1
        else:
            outcome = "store"
        keys = list(dict.fromkeys([article.url or url, *item.get("also", [])]))
        if not self.pending:
            self.oldest = time.monotonic()
        self.pending.append(_Pending(article, sketch, url, keys, item["fetched_at"], outcome))
        if len(self.pending) >= BATCH:
            self.flush()
            if len(self._in_flight) > MAX_IN_FLIGHT:
                # the storing thread is behind: hold this item until it catches up
                await asyncio.wait([self._in_flight[0]])
        return {"url": url, "outcome": outcome}

    def _flush_if_stale(self) -> None:
        if self.pending and time.monotonic() - self.oldest >= MAX_WAIT:
            self.flush()

    def flush(self) -> None:
        """Hand the pending articles to the storing thread; their URLs are marked seen there
        once they are stored, and the counts updated here when it is done."""
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        spider = self.crawler.spider
        to_store = [p for p in batch if p.outcome == "store"]
        source_name = spider.source.name

        def seen_rows(outcomes):
            # runs in the storing thread; an article the store did not take is not marked seen
            if outcomes is None:
                done = [(p, p.outcome) for p in batch if p.outcome != "store"]
            else:
                stored = iter(outcomes)
                done = [(p, next(stored) if p.outcome == "store" else p.outcome) for p in batch]
            return [(key, source_name, p.article.id, outcome, p.fetched_at) for p, outcome in done for key in p.keys]

        future = asyncio.wrap_future(spider.rt.writer.store_batch([p.article for p in to_store],
                                                                  [p.sketch for p in to_store], seen_rows))
        self._in_flight.append(future)
        future.add_done_callback(lambda f: self._stored(f, spider, len(to_store)))

    def _stored(self, future, spider, n: int) -> None:
        """Counts for one stored batch (in the reactor thread, like every other count)."""
        self._in_flight.remove(future)
        tally, source = spider.tally, spider.source
        try:
            result = future.result()
        except Exception as exc:  # the thread itself failed: nothing of the batch is known
            result = None
            error = f"{exc.__class__.__name__}: {exc}"
        else:
            tally.store_seconds += result.seconds
            error = result.store_error
        if result is None or result.outcomes is None:
            # not marked seen: the next crawl fetches these pages again
            tally.errors += n
            spider.clean = False
            tally.problem(f"{n} articles not stored ({error.split(':')[0]})")
            logger.error("%s: storing %d articles failed: %s", source.name, n, error)
        else:
            for outcome in result.outcomes:
                if outcome == "new":
                    tally.new += 1
                elif outcome == "updated":
                    tally.updated += 1
                elif outcome == "queued":
                    tally.queued += 1
                elif outcome == "rejected":
                    tally.rejected += 1
                else:
                    tally.unchanged += 1
        if result is not None and result.seen_error:
            spider.clean = False
            tally.problem(f"seen marks not saved ({result.seen_error.split(':')[0]})")
            logger.error("%s: marking pages seen failed: %s", source.name, result.seen_error)
