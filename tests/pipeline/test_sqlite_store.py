"""SQLite-specific behaviour: the file, its schema, refusal of foreign files, concurrency.

Search semantics shared with Elasticsearch live in tests/store/ (run on both backends).
"""

import sqlite3
import threading

import pytest

from pipeline.errors import StoreError
from pipeline.model import Article
from pipeline.store import SearchRequest
from pipeline.store.sqlite import SCHEMA_VERSION, SQLiteStore


def art(i: str, text: str, **kw) -> Article:
    return Article(id=i, text=text, source=kw.pop("source", "t"), **kw)


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "newsmon.db")
    yield s
    s.close()


def test_file_is_wal_and_versioned(store):
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
    assert store.get_meta("app") == "newsmon"


def test_upsert_is_idempotent_and_keeps_history(store):
    a = art("a1", "漢陽區優化營商環境", title="舊標題")
    assert store.upsert(a) == "new"
    assert store.upsert(art("a1", "漢陽區優化營商環境", title="舊標題")) == "unchanged"
    assert store.stats()["total"] == 1
    assert store.history("a1") == []
    assert store.upsert(art("a1", "漢陽區持續優化營商環境", title="新標題")) == "updated"
    assert store.stats()["total"] == 1
    hist = store.history("a1")
    assert [h["article"].title for h in hist] == ["舊標題"]
    assert store.get("a1").title == "新標題"
    # the index follows the update: the new wording is found, the old one is gone
    assert store.search(SearchRequest("持續")).total == 1
    assert store.search(SearchRequest("舊標題")).total == 0


def test_fetched_at_alone_does_not_count_as_a_change(store):
    store.upsert(art("a1", "營商環境", fetched_at="2024-01-01T00:00:00+08:00"))
    assert store.upsert(art("a1", "營商環境", fetched_at="2024-02-01T00:00:00+08:00")) == "unchanged"


def test_refuses_a_file_that_is_not_sqlite(tmp_path):
    path = tmp_path / "newsmon.db"
    path.write_bytes(b"my precious notes, not a database\n" * 10)
    with pytest.raises(StoreError, match="not a SQLite database"):
        SQLiteStore(path)
    assert path.read_bytes().startswith(b"my precious notes")


def test_refuses_someone_elses_sqlite_database(tmp_path):
    path = tmp_path / "newsmon.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (name TEXT)")
    conn.execute("INSERT INTO customers VALUES ('x')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not newsmon's"):
        SQLiteStore(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT name FROM customers").fetchall() == [("x",)]


def test_refuses_a_corrupt_database(tmp_path):
    path = tmp_path / "newsmon.db"
    s = SQLiteStore(path)
    s.upsert(art("a1", "營商環境"))
    s.close()
    data = bytearray(path.read_bytes())
    data[100:4000] = b"\xff" * 3900  # wreck the schema page, keep the magic header
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError):
        SQLiteStore(path)


def test_refuses_a_newer_schema(tmp_path):
    path = tmp_path / "newsmon.db"
    s = SQLiteStore(path)
    s.set_meta("schema_version", str(SCHEMA_VERSION + 1))
    s.close()
    with pytest.raises(StoreError, match="newer newsmon"):
        SQLiteStore(path)


def test_a_search_does_not_block_a_writer(tmp_path):
    path = tmp_path / "newsmon.db"
    writer = SQLiteStore(path)
    writer.upsert_many([art(f"a{i}", f"營商環境 第{i}篇") for i in range(50)])
    reader = SQLiteStore(path)
    # hold a read transaction open on the reader's connection, as a slow search would
    reader.conn.execute("BEGIN")
    reader.conn.execute("SELECT COUNT(*) FROM articles").fetchone()
    done = threading.Event()

    def write():
        writer.upsert(art("late", "營商環境 後來"))
        done.set()

    t = threading.Thread(target=write)
    t.start()
    t.join(timeout=10)
    assert done.is_set(), "the writer was blocked by an open read"
    reader.conn.execute("COMMIT")
    assert reader.search(SearchRequest("後來")).total == 1
    reader.close()
    writer.close()


def test_ingested_after_sees_only_later_articles(store):
    store.upsert(art("a1", "營商環境 一"))
    checkpoint = store.get("a1").ingested_at
    store.upsert(art("a2", "營商環境 二"))
    ids = [h.article.id for h in store.search(SearchRequest("營商環境", ingested_after=checkpoint)).hits]
    assert ids == ["a2"]


def test_collapse_gives_one_row_per_story_with_its_size(store):
    store.upsert_many(
        [
            art("a1", "營商環境 通知", story_id="s1", source="p1"),
            art("a2", "营商环境 通知", story_id="s1", source="p2"),
            art("a3", "營商環境 其他", source="p3"),
        ]
    )
    res = store.search(SearchRequest("營商環境", collapse=True))
    assert res.total == 2
    sizes = sorted(h.story_size for h in res.hits)
    assert sizes == [1, 2]


def test_an_index_of_the_older_layout_is_rebuilt_with_the_attachments_column(tmp_path):
    """A file written before attachments had a column of their own (three columns, index
    version 1) is rebuilt on opening, and then finds articles by their files' text."""
    s = SQLiteStore(tmp_path / "newsmon.db")
    s.upsert(art("a1", "漢陽區發布通知。", attachments=[{"url": "http://x/1.pdf", "title": "方案", "text": "證照分離改革"}]))
    s.conn.execute("DROP TABLE articles_fts")
    s.conn.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, meta, content='', tokenize='ascii')")
    s.conn.execute("INSERT INTO articles_fts(rowid, title, body, meta) SELECT fts_id, '', '', '' FROM articles")
    s.set_meta("index_version", "1")
    s.close()
    s = SQLiteStore(tmp_path / "newsmon.db")
    try:
        columns = [r[1] for r in s.conn.execute("PRAGMA table_info(articles_fts)")]
        assert columns == ["title", "body", "meta", "attached"]
        assert [h.article.id for h in s.search(SearchRequest("证照分离")).hits] == ["a1"]
        assert [h.article.id for h in s.search(SearchRequest("汉阳")).hits] == ["a1"]
        assert s.search(SearchRequest("证照分离", attachments=False)).hits == []
    finally:
        s.close()
