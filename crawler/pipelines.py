"""The one item pipeline: (url, headers, body) → ``pipeline`` → the store → the seen-URL mark.

Decoding happens in ``pipeline.process.process_html`` from the raw bytes and the header's
claimed charset; Scrapy's ``response.text`` is never used, because Chinese portals lie about
their encoding often enough that trusting the header corrupts text.

An URL is marked seen only after its article is safely stored (or judged irrelevant for a
``keep: relevant`` source), so an interrupted crawl refetches rather than loses.
"""

from __future__ import annotations

import logging
import time

from pipeline import crawlstate
from pipeline.storing import save

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

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

        started = time.perf_counter()
        try:
            return self._keep(article, item, spider)
        finally:
            tally.store_seconds += time.perf_counter() - started

    def _keep(self, article, item, spider):
        rt, source, tally = spider.rt, spider.source, spider.tally
        url = item["url"]
        if not (article.text or "").strip():
            outcome = "empty"
            tally.empty += 1
            logger.info("%s: no article text in %s", source.name, url)
        elif source.keep == "relevant" and rt.lexicon is not None and not rt.is_relevant(article):
            outcome = "irrelevant"
            tally.irrelevant += 1
        else:
            try:
                outcome = save(rt.store, [article], data_dir=rt.data_dir)[0]
            except Exception as exc:
                tally.errors += 1
                spider.clean = False
                tally.problem(f"{url}: not stored ({exc.__class__.__name__})")
                logger.error("%s: storing %s failed: %s", source.name, url, exc)
                return {"url": url, "outcome": "error"}
            if outcome == "new":
                tally.new += 1
            elif outcome == "updated":
                tally.updated += 1
            else:
                tally.unchanged += 1
        when = item["fetched_at"]
        for seen_url in [article.url or url, *item.get("also", [])]:
            crawlstate.mark_seen(rt.state, seen_url, source.name, when=when, article_id=article.id, outcome=outcome)
        return {"url": url, "outcome": outcome}
