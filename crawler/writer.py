"""The crawl's one storing thread: batches go to the index and state.db beside the reactor.

Why a thread: storing a batch (story lookups, the index transaction, the seen marks) took
the reactor thread ~0.2 s per 100 articles, during which no response was read and no
request sent. SQLite releases the GIL while it works, so in a thread most of that overlaps
the downloads. Why exactly one: SQLite takes one writer at a time anyway, batches must be
stored in order, and a connection belongs to one thread — this thread opens its own
state.db connections (story tables, seen marks) and is the only user of the store while
the crawl runs. The reactor thread keeps its own state.db connection for its reads.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pipeline import crawlstate
from pipeline.storing import save


@dataclass
class BatchResult:
    #: one outcome per article given to the store, or None when storing failed
    outcomes: list[str] | None
    #: why storing failed (the exception's class name and text), or None
    store_error: str | None = None
    #: why marking the batch's URLs seen failed, or None
    seen_error: str | None = None
    seconds: float = 0.0


class Writer:
    def __init__(self, store, data_dir: Path):
        self.store = store
        self.data_dir = Path(data_dir)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsmon-store")
        # opened in the thread, on first use
        self._stories = None
        self._state = None

    def store_batch(self, articles: list, sketches: list, seen_rows) -> Future:
        """Store ``articles`` (with their ``sketches``), then mark ``seen_rows(outcomes)``
        seen — only after the store said yes, so a crash costs a refetch, never an article.
        ``seen_rows`` is called in the thread with the outcomes (None if storing failed) and
        returns ``crawlstate.mark_seen_many`` rows. The future's result is a ``BatchResult``."""
        return self._executor.submit(self._store_batch, articles, sketches, seen_rows)

    def _store_batch(self, articles, sketches, seen_rows) -> BatchResult:
        started = time.perf_counter()
        result = BatchResult(outcomes=None)
        if articles:
            try:
                if self._stories is None:
                    from pipeline.stories import Stories

                    self._stories = Stories(self.data_dir)
                result.outcomes = save(self.store, articles, stories=self._stories, sketches=sketches)
            except Exception as exc:
                result.store_error = f"{exc.__class__.__name__}: {exc}"
        else:
            result.outcomes = []
        try:
            if self._state is None:
                self._state = crawlstate.open_crawlstate(self.data_dir)
            crawlstate.mark_seen_many(self._state, seen_rows(result.outcomes))
        except Exception as exc:
            result.seen_error = f"{exc.__class__.__name__}: {exc}"
        result.seconds = time.perf_counter() - started
        return result

    def _close_connections(self) -> None:
        for conn in (self._stories, self._state):
            if conn is not None:
                conn.close()
        self._stories = self._state = None

    def close(self) -> None:
        """Finish every batch handed over, then close this thread's connections."""
        self._executor.submit(self._close_connections).result()
        self._executor.shutdown(wait=True)
