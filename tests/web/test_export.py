"""Search results as CSV: /search.csv for a spreadsheet, `newsmon search --csv` for a script."""

from __future__ import annotations

import csv
import io

from pipeline.csvexport import COLUMNS, cell
from pipeline.model import Article
from pipeline.store import open_store


def rows(resp) -> list[dict]:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/csv")
    assert resp.content.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    reader = csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig")))
    assert tuple(reader.fieldnames) == COLUMNS
    return list(reader)


def test_the_csv_holds_what_the_search_finds_in_its_order(client):
    params = {"q": "营商环境", "sort": "newest", "page": "2"}  # the CSV starts at the first page
    got = rows(client.get("/search.csv", params=params))
    api = client.get("/api/search", params={"q": "营商环境", "sort": "newest"}).json()
    assert [r["id"] for r in got][: len(api["hits"])] == [h["id"] for h in api["hits"]]
    assert len(got) == api["total"]
    trad = next(r for r in got if r["id"] == "trad0001")
    assert trad["published_beijing"] == "2024-03-05 10:30"  # 02:30 UTC
    assert trad["title"] == "湖北優化營商環境再出新招" and trad["origin"] == "湖北日報"
    assert trad["tags"] == "营商环境; 一网通办"
    assert trad["newsmon_url"] == "http://testserver/articles/trad0001"
    assert trad["attachments"].split("\n") == [
        "湖北省優化營商環境實施方案 https://www.hubei.gov.cn/zwgk/hbyw/202403/P020240305.pdf",
        "任務分工表 https://www.hubei.gov.cn/zwgk/hbyw/202403/P020240305.wps"]
    assert "attachment" in client.get("/search.csv").headers["content-disposition"]
    # the alert rules each story matched, as on the results page
    flags = {h["id"]: h["flags"] for h in api["hits"]}
    assert any(flags.values())
    for r in got[: len(api["hits"])]:
        assert r["flags"] == "; ".join(flags[r["id"]])


def test_every_story_is_in_the_csv_not_only_the_first_page(client):
    got = rows(client.get("/search.csv", params={"source": "wuhan_gov"}))
    assert len(got) == 26 > 20  # 25 fillers and a story copy: past the page's 20
    assert len({r["id"] for r in got}) == 26


def test_the_csv_is_asked_for_in_batches_and_stops_at_its_limit(client, monkeypatch):
    from pipeline.web import searching

    monkeypatch.setattr(searching, "EXPORT_BATCH", 7)
    got = rows(client.get("/search.csv", params={"source": "wuhan_gov", "sort": "newest"}))
    api = client.get("/api/search", params={"source": "wuhan_gov", "sort": "newest"}).json()
    assert len(got) == 26 and [r["id"] for r in got][:20] == [h["id"] for h in api["hits"]]
    monkeypatch.setattr(searching, "EXPORT_MAX", 10)
    got = rows(client.get("/search.csv", params={"source": "wuhan_gov", "sort": "newest"}))
    assert [r["id"] for r in got] == [h["id"] for h in api["hits"]][:10]


def test_a_bad_query_is_a_400_not_a_file(client):
    resp = client.get("/search.csv", params={"q": "NOT 招商"})
    assert resp.status_code == 400 and "not excluded" in resp.text


def test_the_results_page_links_its_csv(client):
    page = client.get("/search", params={"q": "营商环境", "page": "2"}).text
    assert 'href="/search.csv?q=%E8%90%A5%E5%95%86%E7%8E%AF%E5%A2%83"' in page
    assert "download CSV" not in client.get("/search", params={"q": "不存在的詞語組合"}).text


def test_a_cell_a_spreadsheet_would_run_stays_text():
    assert cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    for start in ("+1", "-2", "@SUM(A1)", "\tx"):
        assert cell(start).startswith("'")
    assert cell("營商環境 -招商") == "營商環境 -招商"
    assert cell("\x1b[31m紅\x07") == "[31m紅"  # no escape sequence reaches a terminal
    assert cell("\r=1+1") == "'=1+1"  # a dropped control character does not hide a formula
    assert cell(None) == "" and cell(3) == "3"


def test_newsmon_search_csv_prints_hostile_metadata_as_text(cli, data_dir):
    store = open_store({}, data_dir)
    try:
        store.upsert_many([Article(id="hostile1", url="https://example.gov.cn/1.html",
                                   title="=cmd|' /C calc'!A0 營商環境", text="營商環境優化。",
                                   source="portal", author="@admin\x1b]0;pwned\x07",
                                   published_at="2024-05-01T09:00:00+08:00")])
    finally:
        store.close()
    code, out, _ = cli("search", "營商環境", "--source", "portal", "--csv")
    assert code == 0
    got = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in got] == ["hostile1"]
    assert got[0]["title"] == "'=cmd|' /C calc'!A0 營商環境"
    assert got[0]["author"] == "'@admin]0;pwned" and "\x1b" not in out
    assert got[0]["newsmon_url"] == ""  # no server to link to from the command line
    code, _, err = cli("search", "營商", "--csv", "--json")
    assert code == 2 and "choose one" in err
