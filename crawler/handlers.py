"""An HTTP download handler whose in-flight downloads can be aborted at shutdown.

Scrapy's graceful shutdown waits for every download in progress, so one hanging server
holds the process for the whole DOWNLOAD_TIMEOUT. `newsmon crawl` must exit quickly on
SIGTERM (the daemon stops crawls that way), so after a short grace period the downloads
still running are aborted; what was already fetched has been stored by then.
"""

from __future__ import annotations

import asyncio
import weakref

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import IgnoreRequest

_HANDLERS: "weakref.WeakSet[AbortableHTTPDownloadHandler]" = weakref.WeakSet()


class AbortedAtShutdown(IgnoreRequest):
    """A download dropped because the crawl is shutting down (not the site's fault)."""


class AbortableHTTPDownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler):
        super().__init__(crawler)
        self._inflight: set[asyncio.Task] = set()
        self._aborting = False
        _HANDLERS.add(self)

    async def download_request(self, request):
        if self._aborting:
            raise AbortedAtShutdown("crawl shutting down")
        task = asyncio.ensure_future(super().download_request(request))
        self._inflight.add(task)
        try:
            return await task
        except asyncio.CancelledError:
            if self._aborting and task.cancelled():
                raise AbortedAtShutdown("download aborted: crawl shutting down") from None
            raise
        finally:
            self._inflight.discard(task)

    def abort_all(self) -> int:
        self._aborting = True
        tasks = [t for t in self._inflight if not t.done()]
        for t in tasks:
            t.cancel()
        return len(tasks)


def abort_downloads() -> int:
    """Abort every download in progress in this process; returns how many."""
    return sum(h.abort_all() for h in list(_HANDLERS))
