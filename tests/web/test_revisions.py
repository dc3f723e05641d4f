"""A page revised after it was stored: the article page and the API say what changed."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from pipeline.model import Article
from pipeline.store import open_store
from tests.web.conftest import make_app

FIRST = Article(
    id="notice01",
    url="https://www.hanyang.gov.cn/zwgk/notice01.html",
    title="漢陽區優化營商環境若干措施",
    text="第一條　總則。第二條　企業開辦時間壓縮至3個工作日。第三條　推進一網通辦。"
         "第四條　加強監管。第五條　本措施自發布之日起施行。",
    source="hanyang_gov",
    published_at="2024-03-01T09:00:00+08:00",
)


@pytest.fixture
def revised(site, tmp_path):
    """The notice as first stored, then revised on the portal (a figure, the date, a
    clause added, hostile markup in it), then re-read with new tags only."""
    store = open_store({}, tmp_path)
    second = replace(FIRST, published_at="2024-03-02T09:00:00+08:00",
                     text=FIRST.text.replace("3個工作日", "1個工作日") + "第六條　<script>alert(1)</script>補充規定。")
    third = replace(second, tags=["營商環境"])
    assert [store.upsert(a) for a in (FIRST, second, third)] == ["new", "updated", "updated"]
    with TestClient(make_app(store, (site[0], tmp_path))) as client:
        yield client
    store.close()


def test_the_article_page_shows_each_revision(revised):
    page = revised.get("/articles/notice01").text
    history = page.split('id="history"')[1]
    assert "Changes since first stored (2)" in page
    # the revision of the words is told at the top; the re-reading is not one
    assert re.search(r'id="revised" class="warn">1 time since first stored, last [-0-9: ]+: <a href="#history">', page)
    # newest change first: only newsmon's reading (the tags) moved
    assert history.index('id="version-2"') < history.index('id="version-1"')
    newest = history.split('id="version-2"')[1].split('id="version-1"')[0]
    assert "The page as fetched did not change; newsmon read it differently: tags." in newest
    assert "<del" not in newest
    # the revision: the date, the figure in its clause, the clause added, escaped
    first = history.split('id="version-1"')[1]
    assert re.search(r'<del class="before">2024-03-01 09:00</del> → <ins class="after">2024-03-02 09:00</ins>', first)
    assert '壓縮至<del class="before">3</del><ins class="after">1</ins>個工作日' in first
    assert '<ins class="after">第六條　&lt;script&gt;alert(1)&lt;/script&gt;補充規定。</ins>' in first
    assert "<script>alert(1)" not in page
    assert '<span class="gap">…</span>' in first  # 第四條 and the rest of the unchanged text left out
    assert "推進一網通辦" in first and "第四條" not in first


def test_the_api_names_what_each_version_change_touched(revised):
    history = revised.get("/api/articles/notice01").json()["history"]
    assert [(v["version"], v["changed"], v["revised"]) for v in history] == [
        (1, ["published_at", "text"], True), (2, ["tags"], False)]


def test_an_article_never_revised_has_no_changes_section(revised):
    revised.app.state.web.store.upsert(replace(FIRST, id="other01", url="https://www.hanyang.gov.cn/other01.html"))
    page = revised.get("/articles/other01").text
    assert 'id="history"' not in page and 'id="revised"' not in page


def test_the_monitor_page_lists_what_the_portals_revised(revised):
    store = revised.app.state.web.store
    reread = replace(FIRST, id="reread01", url="https://www.hanyang.gov.cn/reread01.html")
    store.upsert(reread)
    store.upsert(replace(reread, tags=["營商環境"]))  # only newsmon's reading changed
    section = revised.get("/monitor").text.split('id="revised"')[1].split("</section>")[0]
    items = re.findall(r'<li><a href="/articles/([^"#]+)#history"', section)
    assert items == ["notice01"]
    assert "changed published_at, text, tags" in section


def test_the_revisions_feed_has_one_entry_per_revision(revised):
    from lxml import etree

    r = revised.get("/revised.atom")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    doc = etree.fromstring(r.content)
    (entry,) = doc.findall("a:entry", ns)
    assert entry.findtext("a:title", namespaces=ns) == "revised: " + FIRST.title
    assert entry.find("a:link[@rel='alternate']", ns).get("href").endswith("/articles/notice01#history")
    summary = entry.findtext("a:summary", namespaces=ns)
    assert summary.startswith("changed: published_at, text, tags · published_at: 2024-03-01T09:00:00+08:00 → ")
    assert "[-3-]{+1+}" in summary and "<script>alert(1)</script>" in summary  # text in XML, escaped by lxml
    assert b"<script>" not in r.content


def test_the_feed_has_an_entry_for_a_withdrawn_page_too(revised, tmp_path):
    from lxml import etree

    from pipeline import crawlstate

    conn = crawlstate.open_crawlstate(tmp_path)
    crawlstate.mark_seen(conn, FIRST.url, "hanyang_gov", when="2024-03-02T10:00:00+08:00", article_id="notice01")
    crawlstate.mark_gone(conn, FIRST.url, "hanyang_gov", 404, when="2024-03-03T10:00:00+08:00")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns)
              for e in etree.fromstring(revised.get("/revised.atom").content).findall("a:entry", ns)]
    assert titles == ["revised: " + FIRST.title]  # gone once is not yet withdrawn
    crawlstate.mark_gone(conn, FIRST.url, "hanyang_gov", 404, when="2024-03-03T16:00:00+08:00")
    conn.close()
    doc = etree.fromstring(revised.get("/revised.atom").content)
    entries = doc.findall("a:entry", ns)
    # newest first: the revision (stored today) before the withdrawal (March 2024)
    assert [e.findtext("a:title", namespaces=ns) for e in entries] == [
        "revised: " + FIRST.title, "withdrawn: " + FIRST.title]
    assert entries[1].findtext("a:summary", namespaces=ns).startswith(
        "the portal answers HTTP 404 at this address since 2024-03-03T10:00:00+08:00")
    assert entries[0].findtext("a:id", namespaces=ns) != entries[1].findtext("a:id", namespaces=ns)


def test_a_mend_of_the_same_fetch_is_shown_as_newsmons_reading(revised):
    store = revised.app.state.web.store
    fetched = replace(FIRST, id="mend01", url="https://www.hanyang.gov.cn/mend01.html",
                      text=FIRST.text.replace("一網通辦", "一網?_辦"), fetched_at="2024-03-01T10:00:00+08:00")
    store.upsert(fetched)
    store.upsert(replace(fetched, text=FIRST.text))
    page = revised.get("/articles/mend01").text
    assert 'id="revised"' not in page  # not a revision by the portal
    change = page.split('id="version-1"')[1]
    assert ("The page as fetched did not change; newsmon read it differently (a repair, or a mend from another"
            " copy of the story): text.") in change
    assert '<del class="before">?_</del><ins class="after">通</ins>' in change
    assert "mend01" not in revised.get("/monitor").text.split('id="revised"')[1]


def test_a_page_gone_from_its_portal_is_said_on_the_article_and_monitor_pages(revised, tmp_path):
    from pipeline import crawlstate

    conn = crawlstate.open_crawlstate(tmp_path)
    crawlstate.mark_seen(conn, FIRST.url, "hanyang_gov", when="2024-03-02T10:00:00+08:00", article_id="notice01")
    crawlstate.mark_gone(conn, FIRST.url, "hanyang_gov", 404, when="2024-03-03T10:00:00+08:00")
    page = revised.get("/articles/notice01").text
    assert re.search(r'<dt>Gone\?</dt><dd id="gone" class="warn">the portal answers HTTP 404 at this address since'
                     r' 2024-03-03 10:00 \(once so far: maybe a hiccup\)', page)
    assert revised.get("/api/articles/notice01").json()["gone"] == {
        "status": 404, "since": "2024-03-03T10:00:00+08:00", "checked": "2024-03-03T10:00:00+08:00", "withdrawn": False}
    crawlstate.mark_gone(conn, FIRST.url, "hanyang_gov", 404, when="2024-03-03T16:00:00+08:00")
    conn.close()
    assert "<dt>Withdrawn</dt>" in revised.get("/articles/notice01").text
    section = revised.get("/monitor").text.split('id="gone"')[1].split("</section>")[0]
    assert re.search(r'<a href="/articles/notice01"[^>]*>漢陽區優化營商環境若干措施</a>\s*<span class="meta">· hanyang_gov'
                     r' · HTTP 404 since 2024-03-03 10:00 · checked 2024-03-03 16:00 · <strong>withdrawn</strong>', section)
    assert revised.get("/api/articles/other-id-that-is-not-there").status_code == 404


def test_search_results_mark_a_page_gone_from_its_portal(revised, tmp_path):
    from pipeline import crawlstate

    conn = crawlstate.open_crawlstate(tmp_path)
    crawlstate.mark_seen(conn, FIRST.url, "hanyang_gov", when="2024-03-02T10:00:00+08:00", article_id="notice01")
    crawlstate.mark_gone(conn, FIRST.url, "hanyang_gov", 410, when="2024-03-03T10:00:00+08:00")
    page = revised.get("/search", params={"q": "若干措施"}).text
    assert re.search(r'<span class="gone" title="the portal answers HTTP 410 at this address since 2024-03-03 10:00">'
                     r'gone\?</span>', page)
    crawlstate.mark_gone(conn, FIRST.url, "hanyang_gov", 410, when="2024-03-03T16:00:00+08:00")
    conn.close()
    assert '">withdrawn</span>' in revised.get("/search", params={"q": "若干措施"}).text
    (hit,) = revised.get("/api/search", params={"q": "若干措施"}).json()["hits"]
    assert hit["gone"]["withdrawn"] is True and hit["gone"]["status"] == 410
