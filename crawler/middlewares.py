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
