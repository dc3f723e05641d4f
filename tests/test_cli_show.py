"""`newsmon show ID|URL`: one article as newsmon holds it, by id or by its address."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from pipeline.model import Article
from pipeline.store import open_store

FIRST = Article(
    id="notice01",
    url="https://www.hanyang.gov.cn/zwgk/notice01.html",
    title="漢陽區優化營商環境若干措施\x1b]0;pwned\x07",
    text="第一條　總則。第二條　企業開辦時間壓縮至3個工作日。\n第三條　推進一網通辦。第四條　加強監管。第五條　施行。",
    source="hanyang_gov",
    origin="漢陽區人民政府",
    published_at="2024-03-01T09:00:00+08:00",
    doc_numbers=["陽政發〔2024〕1號"],
    attachments=[{"url": "https://www.hanyang.gov.cn/zwgk/P0201.pdf", "title": "若干措施全文", "text": "第一條　總則。"},
                 {"url": "https://www.hanyang.gov.cn/zwgk/P0202.xls", "title": "任務分工表\x1b[31m",
                  "unread": "not a format newsmon reads (.xls)"}],
    repairs={"pinyin": 2},
    story_id="notice01",
)
COPY = replace(FIRST, id="copy0001", url="https://www.wuhan.gov.cn/notice01.html", source="wuhan_gov")


@pytest.fixture
def stored(data_dir):
    store = open_store({}, data_dir)
    revised = replace(FIRST, text=FIRST.text.replace("3個工作日", "1個工作日\x1b[2J"))
    assert [store.upsert(a) for a in (FIRST, COPY, revised)] == ["new", "new", "updated"]
    store.close()


def test_show_by_id_prints_the_facts_and_the_clean_text(cli, stored):
    code, out, err = cli("show", "notice01")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "漢陽區優化營商環境若干措施 ]0;pwned "  # no escape sequence reaches the terminal
    assert "  origin       漢陽區人民政府" in lines
    assert "  published    2024-03-01 09:00 Beijing time" in lines
    assert "  document no. 陽政發〔2024〕1號" in lines
    assert "  attachment   若干措施全文  https://www.hanyang.gov.cn/zwgk/P0201.pdf  (7 characters of text read)" in lines
    assert ("  attachment   任務分工表 [31m  https://www.hanyang.gov.cn/zwgk/P0202.xls"
            "  (not read: not a format newsmon reads (.xls))") in lines
    assert "  repairs      pinyin × 2" in lines
    assert "  copies       wuhan_gov copy0001" in lines
    assert any(line.startswith("  revised      1 time since first stored, last ") and "(text)" in line for line in lines)
    # the text with its line break and ideographic spaces, the control sequence made a space
    assert "第一條　總則。第二條　企業開辦時間壓縮至1個工作日 [2J。\n第三條　推進一網通辦。" in out
    assert "\x1b" not in out and "\x07" not in out


def test_show_by_url_and_as_json(cli, stored):
    code, out, _ = cli("show", "https://WWW.hanyang.gov.cn:443/zwgk/notice01.html?utm_source=wechat#top", "--json")
    assert code == 0
    d = json.loads(out)
    assert d["id"] == "notice01" and d["published_beijing"] == "2024-03-01 09:00"
    assert d["flags"] == [] and [c["id"] for c in d["copies"]] == ["copy0001"]
    assert [f["url"] for f in d["attachments"]] == [f["url"] for f in FIRST.attachments]
    assert [(v["version"], v["changed"], v["revised"]) for v in d["history"]] == [(1, ["text"], True)]
    assert d["history"][0]["title"] == FIRST.title  # JSON carries the text as stored, escapes and all


def test_show_changes_marks_what_was_struck_and_added(cli, stored):
    code, out, _ = cli("show", "notice01", "--changes")
    assert code == 0
    changes = out.split("--- version 1 replaced ")[1]
    assert "壓縮至[-3-]{+1+}個工作日{+ [2J+}。" in changes
    assert " … " in changes and "第五條" not in changes  # the unchanged rest left out


def test_an_unknown_article_is_a_one_line_error(cli, stored):
    code, out, err = cli("show", "no-such\x1b[2J")
    assert code == 2 and out == ""
    assert err.strip() == "newsmon: error: no article with id or URL 'no-such [2J' in the index"


def test_revisions_lists_what_the_portals_changed_and_took_down(cli, stored, data_dir):
    from pipeline import crawlstate

    conn = crawlstate.open_crawlstate(data_dir)
    crawlstate.mark_seen(conn, COPY.url, "wuhan_gov", when="2024-03-02T10:00:00+08:00", article_id="copy0001")
    for when in ("2024-03-03T10:00:00+08:00", "2024-03-03T16:00:00+08:00"):
        crawlstate.mark_gone(conn, COPY.url, "wuhan_gov", 410, when=when)
    conn.close()
    code, out, _ = cli("revisions")
    assert code == 0
    revised, gone = out.split("\ngone from the portals: ")
    assert revised.startswith("revised on the portals in the last 7 days: 1\n")
    assert "[hanyang_gov]  漢陽區優化營商環境若干措施 ]0;pwned " in revised
    assert "changed text  id=notice01" in revised and "[-3-]{+1+}" in revised and "\x1b" not in out
    assert gone.startswith("1\n") and "[wuhan_gov]  漢陽區優化營商環境若干措施" in gone
    assert "HTTP 410, withdrawn, last checked 2024-03-03 16:00  id=copy0001" in gone
    code, out, _ = cli("revisions", "--json")
    d = json.loads(out)
    assert [(r["id"], r["revision"]["changed"]) for r in d["revised"]] == [("notice01", ["text"])]
    assert [(g["id"], g["status"], g["withdrawn"]) for g in d["gone"]] == [("copy0001", 410, True)]
    assert cli("revisions", "--days", "0")[0] == 2


def test_search_marks_a_page_gone_from_its_portal(cli, stored, data_dir):
    from pipeline import crawlstate

    conn = crawlstate.open_crawlstate(data_dir)
    crawlstate.mark_seen(conn, FIRST.url, "hanyang_gov", when="2024-03-02T10:00:00+08:00", article_id="notice01")
    crawlstate.mark_gone(conn, FIRST.url, "hanyang_gov", 404, when="2024-03-03T10:00:00+08:00")
    code, out, _ = cli("search", "若干措施", "--source", "hanyang_gov")
    assert code == 0 and "[hanyang_gov]  <gone?> 漢陽區優化營商環境若干措施" in out
    crawlstate.mark_gone(conn, FIRST.url, "hanyang_gov", 404, when="2024-03-03T16:00:00+08:00")
    conn.close()
    assert "<withdrawn> 漢陽區" in cli("search", "若干措施", "--source", "hanyang_gov")[1]
    (hit,) = json.loads(cli("search", "若干措施", "--source", "hanyang_gov", "--json")[1])
    assert hit["gone"] == {"status": 404, "since": "2024-03-03T10:00:00+08:00",
                           "checked": "2024-03-03T16:00:00+08:00", "withdrawn": True}
