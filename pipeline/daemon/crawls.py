"""One crawl of one source, as a child process: `newsmon crawl --source NAME --json`.

Why a process per crawl (and not one Twisted reactor in the daemon): Twisted's reactor
cannot be restarted, so a long-lived process could only run Scrapy through one reactor for
its whole life, with every crawl's memory (caches, leaked references in extraction
libraries) accumulating in it for weeks. A child per crawl starts clean, gives all its
memory back when it exits, and can be stopped on its own. A `kill -9` of the daemon kills
nothing half-written: each child gets SIGTERM (``pipeline.daemon.child``) and finishes the
page in hand.

Never two crawls of one source at once: each crawl holds an ``flock`` on
<data-dir>/locks/crawl-NAME.lock, which the child inherits; so even a child left running by
a daemon killed with -9 keeps a restarted daemon from starting a second crawl of its source.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

#: bytes of each crawl's stderr kept in <data-dir>/logs/crawl-NAME.log
STDERR_KEEP = 256 * 1024


@dataclass
class CrawlResult:
    source: str
    started: float
    finished: float
    exit_code: int | None
    #: the crawl's --json summary for this source ({} when it printed none)
    summary: dict = field(default_factory=dict)
    skipped: str | None = None
    stopped: bool = False

    @property
    def new(self) -> int:
        return int(self.summary.get("new") or 0)


def crawl_argv(source: str, config_dir: Path, data_dir: Path, extra: list[str] | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "pipeline.cli.main", "--config", str(config_dir), "--data-dir", str(data_dir),
           "crawl", "--source", source, "--json", "--no-progress", *(extra or [])]
    return [sys.executable, "-m", "pipeline.daemon.child", str(os.getpid()), "--", *cmd]


class SourceLock:
    """Exclusive, non-blocking, inherited by the crawl child (see module docstring)."""

    def __init__(self, data_dir: Path, source: str):
        folder = Path(data_dir) / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(folder / f"crawl-{source}.lock", os.O_RDWR | os.O_CREAT, 0o644)

    def acquire(self) -> bool:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def close(self) -> None:
        os.close(self.fd)  # the lock goes when the child's copy closes too


class CrawlRunner:
    """Starts crawl children, tracks them, and stops them all on shutdown."""

    def __init__(self, config_dir: Path, data_dir: Path, *, extra_args: list[str] | None = None,
                 timeout: float | None = None):
        self.config_dir = Path(config_dir)
        self.data_dir = Path(data_dir)
        self.extra_args = extra_args or []
        self.timeout = timeout
        self._children: dict[str, subprocess.Popen] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()

    def running(self) -> list[str]:
        with self._lock:
            return sorted(self._children)

    def run(self, source: str) -> CrawlResult:
        started = time.time()
        if self.stopping.is_set():
            return CrawlResult(source, started, started, None, skipped="daemon is stopping")
        lock = SourceLock(self.data_dir, source)
        try:
            if not lock.acquire():
                return CrawlResult(source, started, time.time(), None,
                                   skipped="a crawl of this source is still running")
            logs = self.data_dir / "logs"
            logs.mkdir(parents=True, exist_ok=True)
            with open(logs / f"crawl-{source}.log", "wb") as errlog:
                proc = subprocess.Popen(
                    crawl_argv(source, self.config_dir, self.data_dir, self.extra_args),
                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errlog,
                    pass_fds=(lock.fd,), start_new_session=True,
                )
                with self._lock:
                    self._children[source] = proc
                try:
                    out = self._wait(proc, source)
                finally:
                    with self._lock:
                        self._children.pop(source, None)
            return CrawlResult(source, started, time.time(), proc.returncode, _summary(out, source),
                               stopped=self.stopping.is_set())
        finally:
            lock.close()

    def _wait(self, proc: subprocess.Popen, source: str) -> bytes:
        deadline = time.time() + self.timeout if self.timeout else None
        while True:
            try:
                out, _ = proc.communicate(timeout=0.5)
                return out or b""
            except subprocess.TimeoutExpired:
                if deadline and time.time() > deadline:
                    log.warning("crawl of %s ran past %.0fs; stopping it", source, self.timeout)
                    _signal(proc, signal.SIGTERM)
                    deadline = None
                    try:
                        out, _ = proc.communicate(timeout=8)
                        return out or b""
                    except subprocess.TimeoutExpired:
                        _signal(proc, signal.SIGKILL)

    def stop_all(self, grace: float) -> None:
        """SIGTERM every crawl (it finishes the page in hand), SIGKILL what is left after ``grace``."""
        self.stopping.set()
        with self._lock:
            procs = list(self._children.values())
        for p in procs:
            _signal(p, signal.SIGTERM)
        deadline = time.time() + grace
        for p in procs:
            try:
                p.wait(max(0.0, deadline - time.time()))
            except subprocess.TimeoutExpired:
                log.warning("a crawl did not stop within %.0fs; killing it", grace)
                _signal(p, signal.SIGKILL)
                try:
                    p.wait(2)
                except subprocess.TimeoutExpired:  # pragma: no cover
                    pass


def _signal(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _summary(out: bytes, source: str) -> dict:
    """This source's entry of `newsmon crawl --json` (last JSON line on stdout)."""
    for line in reversed((out or b"").decode("utf-8", "replace").splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            data = json.loads(line)
        except ValueError:
            continue
        for entry in data.get("sources") or []:
            if isinstance(entry, dict) and entry.get("source") == source:
                return entry
        return {}
    return {}
