"""Where the crawl's batches run: one storing thread, or ``crawl.workers`` processes.

Why off the reactor thread: a batch (decode, extract, repair, sketch, store, seen marks,
``pipeline.crawlbatch``) is all CPU and SQLite work; on the reactor thread no response is
read and no request sent meanwhile. Why one thread when there are no workers: SQLite takes
one writer at a time anyway, and a connection belongs to one thread; the thread is the
only user of the store while the crawl runs. Why worker processes store too, instead of
sending articles back to be stored here: the crawler's process was the bottleneck (one
GIL for the reactor, the hand-off and the store); now it sends page bytes and gets back
one short outcome per page, and each worker keeps its own store and state.db connections.
"""

from __future__ import annotations

from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from pipeline.crawlbatch import BatchStore

#: this worker process's connections (set by ``_init_worker``)
_worker_batches: BatchStore | None = None


def _init_worker(open_store, data_dir: Path, lexicon) -> None:
    global _worker_batches
    import signal
    from multiprocessing import util

    # Ctrl-C reaches the whole process group: the crawler's process decides how to stop
    # (finish the batches in hand), not each worker on its own
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_batches = BatchStore(open_store(), data_dir, lexicon)
    # run as the worker process exits (multiprocessing's own exit hook; atexit is not run)
    util.Finalize(None, _close_worker, exitpriority=10)


def _close_worker() -> None:
    if _worker_batches is not None:
        _worker_batches.close()
        close = getattr(_worker_batches.store, "close", None)
        if close is not None:
            close()


def _run_in_worker(source, keep_relevant, pages):
    return _worker_batches.run(source, keep_relevant, pages)


class Writer:
    """Runs ``BatchStore.run`` for the crawl: in its thread on ``store``, or in ``workers``
    processes that each open their own store with ``open_store()`` (picklable)."""

    def __init__(self, store, data_dir: Path, lexicon=None, *, workers: int = 0, open_store=None):
        self.workers = workers
        if workers > 0:
            if open_store is None:
                raise ValueError("crawl workers need a way to open the store (open_store)")
            self._executor = ProcessPoolExecutor(
                max_workers=workers, initializer=_init_worker, initargs=(open_store, Path(data_dir), lexicon))
            self._batches = None
        else:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsmon-store")
            self._batches = BatchStore(store, Path(data_dir), lexicon)

    def submit(self, source: str, keep_relevant: bool, pages: list) -> Future:
        """Run one batch; the future's result is a ``pipeline.crawlbatch.BatchResult``."""
        if self._batches is None:
            return self._executor.submit(_run_in_worker, source, keep_relevant, pages)
        return self._executor.submit(self._batches.run, source, keep_relevant, pages)

    def close(self) -> None:
        """Finish every batch handed over, then close the connections."""
        if self._batches is not None:
            self._executor.submit(self._batches.close).result()
        self._executor.shutdown(wait=True, cancel_futures=False)
