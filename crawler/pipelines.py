"""The one item pipeline: (url, headers, body) → ``pipeline`` → the store → the seen-URL mark.

Decoding happens in ``pipeline.process.process_html`` from the raw bytes and the header's
claimed charset; Scrapy's ``response.text`` is never used, because Chinese portals lie about
their encoding often enough that trusting the header corrupts text.

Articles are stored in small batches (``BATCH`` articles or ``MAX_WAIT`` seconds, whichever
comes first, and always when the spider closes): one store transaction for many articles
costs a fraction of one per article (bench/crawl.py: ~17 ms → ~3 ms per article; 100 per
batch rather than 50 saves another ~0.5 ms, each batch opening state.db for the story
grouping and syncing once; at 100 pages/s the 1 s wait flushes first anyway). A URL is
marked seen only after its batch is stored (or the article judged not relevant), so a crash
costs a refetch of at most one batch, never a lost article.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from pipeline import crawlstate
from pipeline.storing import save

logger = logging.getLogger(__name__)

#: articles stored per store transaction
BATCH = 100
#: seconds an article may wait in a batch before it is stored anyway
MAX_WAIT = 1.0


@dataclass
class _Pending:
    article: object
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

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        from twisted.internet import task

        self._ticker = task.LoopingCall(self._flush_if_stale)
        self._ticker.start(MAX_WAIT / 2, now=False)

    def close_spider(self):
        if self._ticker is not None and self._ticker.running:
            self._ticker.stop()
        self.flush()

    async def process_item(self, item):
        spider = self.crawler.spider
        rt, source, tally = spider.rt, spider.source, spider.tally
        url = item["url"]
        started = time.perf_counter()
        try:
            article = await rt.build_article(
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
        self.pending.append(_Pending(article, url, keys, item["fetched_at"], outcome))
        if len(self.pending) >= BATCH:
            self.flush()
        return {"url": url, "outcome": outcome}

    def _flush_if_stale(self) -> None:
        if self.pending and time.monotonic() - self.oldest >= MAX_WAIT:
            self.flush()

    def flush(self) -> None:
        """Store the pending articles in one go, then mark their URLs seen."""
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        spider = self.crawler.spider
        rt, source, tally = spider.rt, spider.source, spider.tally
        started = time.perf_counter()
        try:
            to_store = [p for p in batch if p.outcome == "store"]
            if to_store:
                try:
                    outcomes = save(rt.store, [p.article for p in to_store], data_dir=rt.data_dir)
                except Exception as exc:
                    # not marked seen: the next crawl fetches these pages again
                    tally.errors += len(to_store)
                    spider.clean = False
                    tally.problem(f"{len(to_store)} articles not stored ({exc.__class__.__name__})")
                    logger.error("%s: storing %d articles failed: %s", source.name, len(to_store), exc)
                    batch = [p for p in batch if p.outcome != "store"]
                else:
                    for p, outcome in zip(to_store, outcomes):
                        p.outcome = outcome
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
            crawlstate.mark_seen_many(rt.state, [
                (key, source.name, p.article.id, p.outcome, p.fetched_at) for p in batch for key in p.keys
            ])
        finally:
            tally.store_seconds += time.perf_counter() - started
