"""Build a repair model once per machine, not once per process.

Why a lock: the models take seconds to a minute to build (and the character model about a
gigabyte while it builds). A crawl with worker processes, or the daemon starting several
crawls, would otherwise have every process build the same table at once on a new machine.
The first process to take the lock builds and writes the file; the others wait for it and
read. A cache folder that cannot be written (a read-only home) still works: each process
then builds for itself.
"""

from __future__ import annotations

import fcntl
import os
from importlib import metadata
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")

#: what a missing, half-written or stale cache file raises when read
UNREADABLE = (OSError, EOFError, ValueError, TypeError)


def cache_dir() -> Path:
    env = os.environ.get("NEWSMON_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsmon"


def cache_file(stem: str, suffix: str, *dists: str) -> Path:
    """``<cache>/<stem>_<dist>-<version>..<suffix>``: a new version of a package the model
    is built from gives a new file, so a stale table is never read."""
    parts = [stem]
    for dist in dists:
        try:
            parts.append(f"{dist}-{metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{dist}-none")
    return cache_dir() / ("_".join(parts) + suffix)


def load_or_build(path: Path, read: Callable[[Path], T], build: Callable[[], T],
                  write: Callable[[Path, T], None], unreadable: tuple = UNREADABLE) -> T:
    try:
        return read(path)
    except unreadable:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(path.with_name(path.name + ".lock"), "w")
    except OSError:
        return build()
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        try:
            return read(path)  # another process built it while this one waited
        except unreadable:
            pass
        data = build()
        tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
        try:
            write(tmp, data)
            os.replace(tmp, path)
        except OSError:
            pass
        return data
