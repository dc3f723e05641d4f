"""Run one crawl of some sources in this process and return what each one did.

Twisted's reactor cannot be restarted, so this runs once per process: `newsmon crawl` calls
it, and the daemon runs `newsmon crawl --source X --json` as a subprocess per crawl. All
sources of one crawl share one reactor (one spider each), so a slow portal does not hold up
the others. SIGINT/SIGTERM use Scrapy's graceful shutdown: pages in hand are finished and
stored, every source's run is recorded, then the process exits; a second signal forces it.
"""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

from scrapy.crawler import CrawlerProcess

from crawler.options import CrawlOptions
from crawler.settings import build_settings
from pipeline.attachread import ReadOptions
from crawler.spiders.source import SourceSpider
from crawler.tally import Tally
from crawler.writer import Writer

logger = logging.getLogger(__name__)

#: seconds the pages in hand get to finish after SIGTERM/SIGINT
SHUTDOWN_GRACE = 5.0


class Runtime:
    """What the spiders and the item pipeline share: store, state, lexicon, counts."""

    def __init__(self, *, store, state, lexicon, data_dir: Path, sources, workers: int = 0, open_store=None,
                 on_done=None, reading: ReadOptions | None = None):
        self.store = store
        self.state = state
        self.lexicon = lexicon
        self.data_dir = data_dir
        self.tallies = {s.name: Tally(source=s.name, title=s.title) for s in sources}
        #: article URLs some source of this crawl has taken on: one page, one fetch
        self.claimed: set[str] = set()
        self.stopping = False
        self._on_done = on_done
        #: where fetched pages become stored articles: the storing thread (the only user of
        #: ``store`` while the crawl runs) or ``workers`` processes with stores of their own
        self.writer = Writer(store, Path(data_dir), lexicon, workers=workers, open_store=open_store,
                             reading=reading)

    def source_done(self, tally: Tally) -> None:
        if self._on_done is not None:
            self._on_done(tally)

    def close(self) -> None:
        self.writer.close()


class _NoTraceback(logging.Filter):
    """A site that cannot be reached is news for the summary, not a traceback on stderr."""

    def filter(self, record) -> bool:
        if record.exc_info:
            exc = record.exc_info[1]
            record.exc_info = None
            record.exc_text = None
            if exc is not None:
                record.msg = f"{record.getMessage()} ({exc.__class__.__name__})"
                record.args = None
        return True


def _set_levels(log_level: str) -> None:
    level = getattr(logging, log_level, logging.WARNING)
    for name in ("scrapy", "twisted", "py.warnings", "asyncio", "crawler"):
        logging.getLogger(name).setLevel(level)
    # robots.txt failures repeat the page's own failure, which the spider reports
    robots = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")
    robots.setLevel(max(level, logging.WARNING) if level > logging.DEBUG else level)
    if not any(isinstance(f, _NoTraceback) for f in robots.filters):
        robots.addFilter(_NoTraceback())


def run_crawl(sources, *, store, state, lexicon, data_dir: Path, options: CrawlOptions, polite: bool = True,
              progress: bool = False, log_level: str = "WARNING", on_done=None, open_store=None) -> list[Tally]:
    """Crawl ``sources`` once; returns one Tally per source, in order. With ``crawl.workers``
    > 0, ``open_store`` (picklable, no arguments) opens the store in each worker process."""
    settings = build_settings(options, polite=polite, log_level=log_level)
    settings["LOG_INSTALL_ROOT_HANDLER"] = False  # newsmon's CLI owns the log handler
    level = getattr(logging, log_level, logging.WARNING)
    logging.disable(level - 1)  # Scrapy logs its versions while it resets its loggers to DEBUG
    try:
        process = CrawlerProcess(settings)
    finally:
        logging.disable(logging.NOTSET)
    _set_levels(log_level)
    # the files new articles attach are read as they are stored, with the crawl's manners
    reading = ReadOptions.from_crawl(options, polite=polite)
    runtime = Runtime(store=store, state=state, lexicon=lexicon, data_dir=Path(data_dir), sources=sources,
                      workers=options.workers, open_store=open_store, on_done=on_done, reading=reading)
    for source in sources:
        process.crawl(SourceSpider, source=source, runtime=runtime)
    stopper = _Stopper(process, runtime, grace=min(SHUTDOWN_GRACE, options.download_timeout))
    ticker = None
    if progress:
        from twisted.internet import task

        def show():
            tallies = list(runtime.tallies.values())
            if len(tallies) == 1:
                line = tallies[0].progress()
            else:
                done = sum(1 for t in tallies if t.finished_at)
                line = (f"{done}/{len(tallies)} sources done: {sum(t.pages for t in tallies)} pages, "
                        f"{sum(t.new for t in tallies)} new, {sum(t.unchanged for t in tallies)} unchanged, "
                        f"{sum(t.errors for t in tallies)} errors")
            sys.stderr.write("\r\x1b[K" + line[:160])
            sys.stderr.flush()

        progress_filter = _ClearProgressLine()
        for handler in logging.getLogger().handlers:
            handler.addFilter(progress_filter)
        ticker = task.LoopingCall(show)
        ticker.start(0.5, now=False)
    try:
        from twisted.internet import reactor

        reactor.callWhenRunning(stopper.install)
        process.start(install_signal_handlers=False)
    finally:
        stopper.uninstall()
        if ticker is not None and ticker.running:
            ticker.stop()
        if progress:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            for handler in logging.getLogger().handlers:
                handler.removeFilter(progress_filter)
        runtime.close()
    _record_unfinished(runtime)
    return [runtime.tallies[s.name] for s in sources]


class _ClearProgressLine(logging.Filter):
    """Clears the live progress line before a log message is written over it."""

    def filter(self, record) -> bool:
        sys.stderr.write("\r\x1b[K")
        return True


def _record_unfinished(runtime: Runtime) -> None:
    """A source whose spider never closed (forced stop) still gets its run recorded."""
    from pipeline import crawlstate
    from pipeline.process import now_iso

    for t in runtime.tallies.values():
        if t.finished_at is None:
            t.finished_at = now_iso()
            t.interrupted = True
            crawlstate.record_run(runtime.state, t.source, t.started_at or t.finished_at, t.finished_at,
                                  t.pages, t.new, t.unchanged, t.errors, t.blocked, t.message, failed=t.failed)


class _Stopper:
    """SIGTERM/SIGINT: stop scheduling, let the pages in hand finish for ``grace`` seconds,
    then abort the downloads still running; the spiders close, record their runs and the
    reactor stops. A second signal aborts at once."""

    def __init__(self, process, runtime: Runtime, grace: float):
        self.process = process
        self.runtime = runtime
        self.grace = grace
        self.signals = 0
        self._previous: dict = {}

    def install(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._on_signal)

    def uninstall(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def _on_signal(self, signum, frame) -> None:
        from twisted.internet import reactor

        self.signals += 1
        reactor.callFromThread(self._stop if self.signals == 1 else self._abort)

    def _stop(self) -> None:
        from twisted.internet import reactor

        logger.warning("stopping: finishing pages in hand (up to %.0fs), then exiting", self.grace)
        self.runtime.stopping = True
        from scrapy.utils.defer import deferred_from_coro

        for crawler in list(self.process.crawlers):
            deferred_from_coro(crawler.stop_async())
        reactor.callLater(self.grace, self._abort)

    def _abort(self) -> None:
        from crawler.handlers import abort_downloads

        n = abort_downloads()
        if n:
            logger.warning("stopping: aborted %d download(s) still in progress", n)
