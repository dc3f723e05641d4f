"""Helpers for the daemon tests and bench: `newsmon run` as a real process, waits, probes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "pipeline"))

ROOT = HERE.parents[1]
NEWSMON = [sys.executable, "-m", "pipeline.cli.main"]


def wait_until(predicate, timeout: float, step: float = 0.2) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


def pids_using(marker: str) -> list[int]:
    """Processes whose command line names ``marker`` (this test's own data folder)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if marker in cmd:
            out.append(int(entry.name))
    return out


class DaemonProc:
    def __init__(self, base: Path, *extra: str):
        self.base = base
        self.log = open(base / f"daemon-{time.time_ns()}.log", "wb")
        self.proc = subprocess.Popen(
            [*NEWSMON, "--config", str(base / "config"), "--data-dir", str(base / "data"), "-v", "run", *extra],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def stop(self, sig=signal.SIGTERM, timeout: float = 15.0) -> float:
        t = time.time()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout)
        self.log.close()
        return time.time() - t

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(encoding="utf-8", errors="replace")


def finished_crawls(data_dir: Path) -> dict[str, float]:
    path = data_dir / "state.db"
    if not path.exists():
        return {}
    conn = sqlite3.connect(str(path), timeout=10)
    try:
        return dict(conn.execute("SELECT source, last_finished FROM daemon_sources WHERE last_finished IS NOT NULL"))
    except sqlite3.Error:
        return {}
    finally:
        conn.close()


def stored_urls(data_dir: Path) -> set[str]:
    path = data_dir / "newsmon.db"
    if not path.exists():
        return set()
    conn = sqlite3.connect(str(path), timeout=10)
    try:
        return {r[0] for r in conn.execute("SELECT url FROM articles WHERE url IS NOT NULL")}
    except sqlite3.Error:
        return set()
    finally:
        conn.close()
