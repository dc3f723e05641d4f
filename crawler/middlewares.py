"""Downloader middlewares: retries that back off instead of hammering a struggling server."""

from __future__ import annotations

import logging

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

logger = logging.getLogger(__name__)

MAX_BACKOFF = 120.0


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry (5xx, 408, 429, timeouts, dropped connections) with an exponential wait
    before each retry: ``backoff * 2**(n-1)`` seconds, from setting NEWSMON_RETRY_BACKOFF.

    Scrapy's own retry reschedules at once; a portal answering 503 under load would get the
    same requests again immediately.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff = settings.getfloat("NEWSMON_RETRY_BACKOFF", 2.0)

    async def _wait(self, result):
        if isinstance(result, Request) and self.backoff > 0:
            n = result.meta.get("retry_times", 1)
            delay = min(self.backoff * 2 ** (n - 1), MAX_BACKOFF)
            from twisted.internet import reactor  # the one Scrapy installed

            logger.info("retry %d of %s in %.1fs", n, result.url, delay)
            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))
        return result

    async def process_response(self, request, response):
        return await self._wait(super().process_response(request, response))

    async def process_exception(self, request, exception):
        return await self._wait(super().process_exception(request, exception))


class RobotsCrawlDelayMiddleware:
    """A site's robots.txt ``Crawl-delay`` as the floor of its download delay (polite crawls).

    Scrapy reads robots.txt for Allow/Disallow only. AutoThrottle would lower the delay again
    on a fast site, so the floor is reapplied on every request and response; the delay is
    capped at AUTOTHROTTLE_MAX_DELAY so a joke ``Crawl-delay: 86400`` cannot stall a crawl.
    """

    def __init__(self, crawler):
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        if not crawler.settings.getbool("NEWSMON_POLITE"):
            raise NotConfigured
        self.crawler = crawler
        self.user_agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get("USER_AGENT")
        self.cap = crawler.settings.getfloat("AUTOTHROTTLE_MAX_DELAY", 60.0)
        #: download slot key → seconds
        self.delays: dict[str, float] = {}
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def robots_parsed(self, robotparser, request):
        try:
            delay = robotparser.crawl_delay(self.user_agent)
        except Exception:  # a parser without Crawl-delay support, or a broken file
            delay = None
        if delay and delay > 0:
            key = self.crawler.engine.downloader.get_slot_key(request)
            self.delays[key] = min(float(delay), self.cap)
            logger.info("%s asks for a crawl delay of %.1fs", key, self.delays[key])
            self._apply(request)

    def _apply(self, request) -> None:
        if not self.delays:
            return
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        delay = self.delays.get(key)
        slot = downloader.slots.get(key) if delay else None
        if slot is not None and (slot.delay < delay or slot.jitter):
            slot.delay = max(slot.delay, delay)
            slot.jitter = 0.0  # "at least N seconds", not N seconds give or take half

    def process_request(self, request):
        self._apply(request)
        return None

    def process_response(self, request, response):
        self._apply(request)
        return response
