"""Launcher for one crawl process: dies with the daemon, then becomes `newsmon crawl`.

Why a launcher rather than ``preexec_fn``: the daemon starts crawls from worker threads,
where ``preexec_fn`` is unsafe. Here, in the new process, we ask Linux to send SIGTERM when
the daemon dies (``PR_SET_PDEATHSIG``), so a `kill -9` of the daemon still ends each crawl
the graceful way (the page in hand is stored, the run recorded), then ``exec`` the crawl.

    python -m pipeline.daemon.child PARENT_PID -- ARGV...
"""

from __future__ import annotations

import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def main(argv: list[str]) -> int:
    parent = int(argv[0])
    cmd = argv[argv.index("--") + 1 :]
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - not Linux after all
            pass
    if os.getppid() != parent:  # the daemon died before the line above: do not crawl
        return 0
    os.execv(cmd[0], cmd)
    return 127  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
