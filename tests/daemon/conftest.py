"""The `daemons` fixture: start `newsmon run` processes, and always clean them up."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pipeline"))

from daemonproc import DaemonProc, pids_using  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def repair_models_built():
    """The daemon repairs the seed baseline as it starts. On a new machine that first builds
    the repair's models (up to a minute or more on a slow host); build them here, once, so
    the daemon tests' time limits measure scheduling, not a first-use build."""
    from pipeline.repair import charlm, langmodel

    langmodel.load()
    charlm.load()


@pytest.fixture
def daemons(tmp_path):
    started: list[DaemonProc] = []

    def start(*extra: str) -> DaemonProc:
        d = DaemonProc(tmp_path, *extra)
        started.append(d)
        return d

    yield start
    for d in started:
        if d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait(10)
        if not d.log.closed:
            d.log.close()
    # crawl children of a killed daemon stop on their own (PDEATHSIG); make sure
    deadline = time.time() + 10
    while pids_using(str(tmp_path)) and time.time() < deadline:
        time.sleep(0.2)
    for pid in pids_using(str(tmp_path)):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


