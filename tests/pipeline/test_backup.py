"""`newsmon backup DIR`: a consistent copy of index and state while a writer keeps going."""

from __future__ import annotations

import sqlite3

from pipeline.crawlstate import record_run
from pipeline.model import Article
from pipeline.statedb import open_state
from pipeline.store import open_store


def article(i: int) -> Article:
    return Article(id=f"bk{i:04d}", url=f"https://example.gov.cn/{i}.html", title=f"營商環境第{i}期",
                   text=f"優化營商環境第{i}期簡報。", source="portal",
                   published_at="2024-05-01T09:00:00+08:00")


def test_a_backup_taken_while_a_writer_holds_the_index_has_what_was_committed(cli, data_dir, tmp_path):
    store = open_store({}, data_dir)
    state = open_state(data_dir)
    try:
        store.upsert_many([article(i) for i in range(30)])  # committed, still in the WAL
        record_run(state, "portal", "2024-05-01T01:00:00+00:00", "2024-05-01T01:01:00+00:00",
                   pages=1, new=30, unchanged=0, errors=0, blocked=False)
        assert (data_dir / "newsmon.db-wal").stat().st_size > 0
        writer = sqlite3.connect(str(data_dir / "newsmon.db"), timeout=30, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # a write in flight: the backup must not wait for it
        writer.execute("UPDATE meta SET value = 'uncommitted' WHERE key = 'app'")
        dest = tmp_path / "backup-1"
        code, out, err = cli("backup", str(dest))
        writer.execute("ROLLBACK")
        writer.close()
    finally:
        state.close()
        store.close()
    assert code == 0, err
    assert "newsmon.db" in out and "state.db" in out
    assert sorted(p.name for p in dest.iterdir()) == ["newsmon.db", "state.db"]  # no -wal, no .partial
    # the copy is a data folder of its own: newsmon opens it (an uncommitted meta would
    # make it refuse the file as not its own) and finds what was stored
    code, out, _ = cli("search", "營商環境第29期", "--json", data=dest)
    assert code == 0 and '"bk0029"' in out
    code, out, _ = cli("status", data=dest)
    assert code == 0
    copy = sqlite3.connect(str(dest / "state.db"))
    assert copy.execute("SELECT COUNT(*) FROM crawl_runs").fetchone()[0] == 1
    copy.close()


def test_a_backup_never_overwrites_and_says_why_in_one_line(cli, data_dir, tmp_path):
    store = open_store({}, data_dir)
    store.upsert_many([article(1)])
    store.close()
    dest = tmp_path / "b"
    assert cli("backup", str(dest))[0] == 0
    before = (dest / "newsmon.db").read_bytes()
    code, _, err = cli("backup", str(dest))
    assert code != 0 and "already there" in err and len(err.strip().splitlines()) == 1
    assert (dest / "newsmon.db").read_bytes() == before
    code, _, err = cli("backup", str(tmp_path / "c"), data=tmp_path / "empty")
    assert code != 0 and "no newsmon databases" in err
    (tmp_path / "file").write_text("x")
    code, _, err = cli("backup", str(tmp_path / "file"))
    assert code != 0 and "not a folder" in err


def test_a_database_that_cannot_be_read_leaves_no_half_copy(cli, data_dir, tmp_path):
    (data_dir / "state.db").write_bytes(b"this is not a database, just bytes " * 200)
    dest = tmp_path / "b"
    code, _, err = cli("backup", str(dest))
    assert code != 0 and "state.db" in err and "Traceback" not in err
    assert not any(p.name.endswith(".partial") for p in dest.iterdir())
    assert not (dest / "state.db").exists()
