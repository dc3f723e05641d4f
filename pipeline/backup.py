"""A consistent copy of the data folder's databases, taken while the daemon keeps writing.

Copying ``newsmon.db`` with ``cp`` while the daemon runs can catch it mid-transaction, and
in WAL mode the newest articles sit in ``newsmon.db-wal``, which a copy of the main file
alone misses. SQLite's online backup copies a snapshot of the whole database, WAL
included, page by page, without stopping the writer. Each copy is written under a
temporary name, checked (``PRAGMA quick_check``) and only then renamed into place, so a
backup folder never holds half a database under the real name.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import UserError

#: what a data folder holds that cannot be rebuilt: the index, and the crawl and alert
#: state beside it (seen URLs, checkpoints, the outbox, the Elasticsearch spool)
DATABASES = ("newsmon.db", "state.db")


@dataclass
class Copied:
    path: Path
    size: int


def backup(data_dir: Path, dest: Path) -> list[Copied]:
    """Copy every database of ``data_dir`` into the folder ``dest`` (made if missing)."""
    found = [Path(data_dir) / name for name in DATABASES if (Path(data_dir) / name).is_file()]
    if not found:
        raise UserError(f"{data_dir}: no newsmon databases to back up ({', '.join(DATABASES)})")
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise UserError(f"{dest}: not a folder")
    taken = [dest / src.name for src in found if (dest / src.name).exists()]
    if taken:
        raise UserError(f"{taken[0]}: already there; back up into a new folder")
    dest.mkdir(parents=True, exist_ok=True)
    return [_copy(src, dest / src.name) for src in found]


def _copy(src: Path, target: Path) -> Copied:
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)  # left by a backup that was killed
    try:
        source = sqlite3.connect(f"{src.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            copy = sqlite3.connect(str(partial))
            try:
                source.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                copy.close()
        finally:
            source.close()
    except sqlite3.DatabaseError as exc:
        partial.unlink(missing_ok=True)
        raise UserError(f"{src}: cannot be backed up ({exc})") from None
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise UserError(f"{src}: the copy failed its check ({verdict}); nothing written")
    with open(partial, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(partial, target)
    return Copied(target, target.stat().st_size)
