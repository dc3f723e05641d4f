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

import threading
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from pipeline.crawlbatch import ERROR, BatchResult, BatchStore

#: this worker process's connections (set by ``_init_worker``), or why they could not be opened
_worker_batches: BatchStore | None = None
_worker_error: str | None = None


def _init_worker(open_store, data_dir: Path, lexicon, reading=None) -> None:
    global _worker_batches, _worker_error
    import signal
    from multiprocessing import util

    # Ctrl-C reaches the whole process group: the crawler's process decides how to stop
    # (finish the batches in hand), not each worker on its own
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _worker_batches = BatchStore(open_store(), data_dir, lexicon, reading=reading)
    except Exception as exc:  # each batch says why; an initializer that raises breaks the pool
        _worker_error = f"{exc.__class__.__name__}: {exc}"
        return
    # run as the worker process exits (multiprocessing's own exit hook; atexit is not run)
    util.Finalize(None, _close_worker, exitpriority=10)


def _close_worker() -> None:
    if _worker_batches is not None:
        _worker_batches.close()
        close = getattr(_worker_batches.store, "close", None)
        if close is not None:
            close()


def _run_in_worker(source, keep_relevant, pages):
    if _worker_batches is None:
        raise RuntimeError(f"the store could not be opened in a worker process ({_worker_error})")
    return _worker_batches.run(source, keep_relevant, pages)


class _Workers:
    """The worker processes, renewed when one dies.

    Why: a page that kills its worker (a crash in a parser, the kernel's OOM killer)
    breaks the whole pool, and every later batch of the crawl would fail with it. The
    batch that was running is tried again one page at a time in a new pool, so only the
    page that kills a worker again is lost (an error, not marked seen: fetched and tried
    again by the next crawl).
    """

    def __init__(self, workers: int, initargs: tuple):
        self._workers = workers
        self._initargs = initargs
        self._lock = threading.Lock()
        self._pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self._workers, initializer=_init_worker, initargs=self._initargs)

    def submit(self, source: str, keep_relevant: bool, pages: list) -> Future:
        outer: Future = Future()
        pool, inner = self._submit(source, keep_relevant, pages)
        inner.add_done_callback(lambda f: self._batch_done(f, pool, source, keep_relevant, pages, outer))
        return outer

    def _submit(self, source, keep_relevant, pages) -> tuple[ProcessPoolExecutor, Future]:
        with self._lock:
            pool = self._pool
        try:
            return pool, pool.submit(_run_in_worker, source, keep_relevant, pages)
        except BrokenProcessPool as exc:
            failed: Future = Future()
            failed.set_exception(exc)
            return pool, failed

    def _batch_done(self, inner, pool, source, keep_relevant, pages, outer) -> None:
        exc = inner.exception()
        if exc is None:
            outer.set_result(inner.result())
        elif isinstance(exc, BrokenProcessPool):
            self._renew(pool)
            self._one_by_one(source, keep_relevant, list(pages), outer, [])
        else:
            outer.set_exception(exc)

    def _one_by_one(self, source, keep_relevant, pages, outer, parts) -> None:
        if not pages:
            outer.set_result(BatchResult.merge(parts))
            return
        page = pages.pop(0)
        pool, inner = self._submit(source, keep_relevant, [page])

        def done(f):
            exc = f.exception()
            if exc is None:
                parts.append(f.result())
            elif isinstance(exc, BrokenProcessPool):
                self._renew(pool)
                parts.append(BatchResult(outcomes=[ERROR], failed=[(page.url, "its worker process died")]))
            else:
                outer.set_exception(exc)
                return
            self._one_by_one(source, keep_relevant, pages, outer, parts)

        inner.add_done_callback(done)

    def _renew(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:
                broken.shutdown(wait=False, cancel_futures=False)
                self._pool = self._new()

    def shutdown(self) -> None:
        with self._lock:
            pool = self._pool
        pool.shutdown(wait=True, cancel_futures=False)


class Writer:
    """Runs ``BatchStore.run`` for the crawl: in its thread on ``store``, or in ``workers``
    processes that each open their own store with ``open_store()`` (picklable)."""

    def __init__(self, store, data_dir: Path, lexicon=None, *, workers: int = 0, open_store=None, reading=None):
        self.workers = workers
        if workers > 0:
            if open_store is None:
                raise ValueError("crawl workers need a way to open the store (open_store)")
            self._executor = _Workers(workers, (open_store, Path(data_dir), lexicon, reading))
            self._batches = None
        else:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsmon-store")
            self._batches = BatchStore(store, Path(data_dir), lexicon, reading=reading)

    def submit(self, source: str, keep_relevant: bool, pages: list) -> Future:
        """Run one batch; the future's result is a ``pipeline.crawlbatch.BatchResult``."""
        if self._batches is None:
            return self._executor.submit(source, keep_relevant, pages)
        return self._executor.submit(self._batches.run, source, keep_relevant, pages)

    def close(self) -> None:
        """Finish every batch handed over, then close the connections."""
        if self._batches is not None:
            self._executor.submit(self._batches.close).result()
            self._executor.shutdown(wait=True, cancel_futures=False)
        else:
            self._executor.shutdown()
