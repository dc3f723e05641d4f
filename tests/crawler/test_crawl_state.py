"""pipeline.crawlstate: seen URLs, validators and run records survive reopening."""

from __future__ import annotations

from pipeline import crawlstate as cs
from pipeline.statedb import open_state


def test_seen_urls_persist_and_can_be_forgotten(tmp_path):
    conn = cs.open_crawlstate(tmp_path)
    cs.mark_seen(conn, "http://x/1.html", "a", when="2024-03-05T10:00:00+08:00", article_id="id1")
    cs.mark_seen(conn, "http://x/2.html", "b", when="2024-03-05T10:00:00+08:00", outcome="irrelevant")
    cs.mark_seen(conn, "http://x/1.html", "a", when="2024-03-06T10:00:00+08:00", outcome="unchanged")
    conn.close()
    conn = open_state(tmp_path)  # a plain state connection works too
    assert cs.is_seen(conn, "http://x/1.html") and not cs.is_seen(conn, "http://x/3.html")
    many = [f"http://x/{i}.html" for i in range(1200)]
    assert cs.seen_among(conn, many) == {"http://x/1.html", "http://x/2.html"}
    assert cs.seen_count(conn) == 2 and cs.seen_count(conn, "a") == 1
    assert cs.forget_seen(conn, source="a") == 1
    assert not cs.is_seen(conn, "http://x/1.html") and cs.is_seen(conn, "http://x/2.html")


def test_revisits_due_one_url_per_article_longest_unvisited_first(tmp_path):
    from datetime import datetime

    conn = cs.open_crawlstate(tmp_path)
    # an article stored under its own URL, then the listing link that led to it (same id)
    cs.mark_seen_many(conn, [("http://x/a.html", "s", "A", "new", "2024-03-05T10:00:00+08:00"),
                             ("http://x/a.html?from=list", "s", "A", "new", "2024-03-05T10:00:00+08:00")])
    cs.mark_seen(conn, "http://x/b.html", "s", when="2024-03-05T01:00:00+00:00", article_id="B")  # 09:00 Beijing
    cs.mark_seen(conn, "http://x/c.html", "s", when="2024-03-05T12:00:00+08:00", article_id="C")
    cs.mark_seen(conn, "http://x/old.html", "s", when="2024-03-01T10:00:00+08:00", article_id="O")
    cs.mark_seen(conn, "http://x/no.html", "s", when="2024-03-05T10:00:00+08:00", article_id="N", outcome="irrelevant")
    cs.mark_seen(conn, "http://x/other.html", "t", when="2024-03-05T10:00:00+08:00", article_id="T")

    def due(before: str, limit: int = 10) -> list[str]:
        return cs.revisit_due(conn, "s", first_seen_after=datetime.fromisoformat("2024-03-04T00:00:00+08:00"),
                              last_seen_before=datetime.fromisoformat(before), limit=limit)

    assert due("2024-03-05T11:00:00+08:00") == ["http://x/b.html", "http://x/a.html"]
    assert due("2024-03-05T13:00:00+08:00", limit=2) == ["http://x/b.html", "http://x/a.html"]
    # fetched again under its listing link: the article as a whole was just visited
    cs.touch_seen(conn, "http://x/a.html?from=list", when="2024-03-05T12:30:00+08:00")
    assert due("2024-03-05T12:10:00+08:00") == ["http://x/b.html", "http://x/c.html"]
    # a mark without an offset is UTC; one that is not a time is passed over, not a crash
    cs.mark_seen(conn, "http://x/d.html", "s", when="2024-03-05T03:30:00", article_id="D")  # 11:30 Beijing
    cs.mark_seen(conn, "http://x/e.html", "s", when="2024-03-05T10:00:00+08:00", article_id="E")
    conn.execute("UPDATE crawl_seen SET last_seen='soon' WHERE url='http://x/e.html'")
    assert due("2024-03-05T12:10:00+08:00") == ["http://x/b.html", "http://x/d.html", "http://x/c.html"]


def test_pages_found_gone_become_withdrawn_on_the_second_miss_and_can_come_back(tmp_path):
    conn = cs.open_crawlstate(tmp_path)
    cs.mark_seen(conn, "http://x/a.html", "s", when="2024-03-05T10:00:00+08:00", article_id="A")
    cs.mark_gone(conn, "http://x/a.html", "s", 404, when="2024-03-06T10:00:00+08:00")
    (g,) = cs.gone(conn)
    assert (g["article_id"], g["status"], g["misses"], g["withdrawn"]) == ("A", 404, 1, False)
    assert cs.gone(conn, withdrawn_only=True) == []
    cs.mark_gone(conn, "http://x/a.html", "s", 410, when="2024-03-06T16:00:00+08:00")
    (g,) = cs.gone(conn, article_ids=["A"])
    assert (g["status"], g["gone_at"], g["checked_at"], g["withdrawn"]) == (
        410, "2024-03-06T10:00:00+08:00", "2024-03-06T16:00:00+08:00", True)
    assert cs.gone(conn, article_ids=["B"]) == [] and cs.gone(conn, article_ids=[]) == []
    cs.mark_back(conn, "http://x/a.html")
    assert cs.gone(conn) == []


def test_validators(tmp_path):
    conn = cs.open_crawlstate(tmp_path)
    assert cs.get_validators(conn, "http://x/") == (None, None)
    cs.set_validators(conn, "http://x/", '"abc"', "Tue, 05 Mar 2024 08:00:00 GMT", when="t")
    assert cs.get_validators(conn, "http://x/") == ('"abc"', "Tue, 05 Mar 2024 08:00:00 GMT")
    cs.set_validators(conn, "http://x/", None, None, when="t2")
    assert cs.get_validators(conn, "http://x/") == (None, None)


def test_runs_and_last_runs(tmp_path):
    conn = cs.open_crawlstate(tmp_path)
    assert cs.last_runs(conn) == {}
    cs.record_run(conn, "cjrb", "2024-03-01T10:00:00+08:00", "2024-03-01T10:01:00+08:00", 10, 3, 7, 0, False, "ok")
    cs.record_run(conn, "cjrb", "2024-03-02T10:00:00+08:00", "2024-03-02T10:01:00+08:00", 5, 0, 5, 0, False, "ok")
    cs.record_run(conn, "hubei", "2024-03-02T10:00:00+08:00", "2024-03-02T10:00:05+08:00", 1, 0, 0, 1, True, "HTTP 412")
    cs.record_run(conn, "hubei", "2024-03-03T10:00:00+08:00", "2024-03-03T10:00:05+08:00", 1, 0, 0, 1, True, "HTTP 412")
    state = cs.last_runs(conn)
    assert state["cjrb"]["last_crawl_at"] == "2024-03-02T10:01:00+08:00"
    assert state["cjrb"]["last_new_at"] == "2024-03-01T10:01:00+08:00"
    assert state["cjrb"]["failing_runs"] == 0 and state["cjrb"]["runs"] == 2 and state["cjrb"]["total_new"] == 3
    assert state["cjrb"]["last_run"]["pages"] == 5 and state["cjrb"]["blocked"] is False
    assert state["hubei"]["blocked"] is True and state["hubei"]["errors"] == 1
    assert state["hubei"]["failing_runs"] == 2 and state["hubei"]["last_ok_at"] is None
    assert state["hubei"]["last_run"]["message"] == "HTTP 412"
    assert [r["started_at"][:10] for r in cs.runs(conn, "cjrb")] == ["2024-03-02", "2024-03-01"]
    assert len(cs.runs(conn, limit=3)) == 3


def test_mark_seen_many_is_one_transaction(tmp_path):
    conn = cs.open_crawlstate(tmp_path)
    cs.mark_seen_many(conn, [(f"http://x/{i}.html", "a", f"id{i}", "new", "t1") for i in range(3)])
    cs.mark_seen_many(conn, [("http://x/1.html", "a", None, "unchanged", "t2")])
    cs.mark_seen_many(conn, [])
    assert cs.seen_count(conn, "a") == 3
    row = conn.execute("SELECT article_id, outcome, first_seen, last_seen FROM crawl_seen WHERE url='http://x/1.html'").fetchone()
    assert row == ("id1", "unchanged", "t1", "t2")


def test_broken_article_links_are_errors_but_not_a_failed_run(tmp_path):
    conn = cs.open_crawlstate(tmp_path)
    cs.record_run(conn, "s", "t0", "t1", 12, 3, 5, 1, False, "HTTP 404 at one old link")
    cs.record_run(conn, "s", "t2", "t3", 12, 0, 8, 1, False, "HTTP 404 at one old link")
    info = cs.last_runs(conn)["s"]
    assert info["errors"] == 1 and info["failing_runs"] == 0 and info["last_ok_at"] == "t3"
    cs.record_run(conn, "s", "t4", "t5", 0, 0, 0, 1, False, "DNS lookup failed")
    cs.record_run(conn, "s", "t6", "t7", 9, 0, 0, 3, False, "listing gone", failed=True)
    info = cs.last_runs(conn)["s"]
    assert info["failing_runs"] == 2 and info["last_ok_at"] == "t3"
    assert info["last_run"]["failed"] is True


def test_runs_recorded_before_the_failed_column_are_migrated(tmp_path):
    conn = open_state(tmp_path)
    from pipeline.statedb import ensure_schema

    ensure_schema(conn, cs.COMPONENT, cs._MIGRATIONS[:1])
    conn.execute("INSERT INTO crawl_runs(source, started_at, finished_at, pages, new, unchanged, errors, blocked)"
                 " VALUES ('old', 't0', 't1', 1, 0, 0, 1, 1)")
    info = cs.last_runs(conn)["old"]
    assert info["last_run"]["failed"] is True and info["failing_runs"] == 1
