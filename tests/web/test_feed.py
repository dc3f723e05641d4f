"""A search as an Atom feed: /search.atom takes the search's filters, newest stories first."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from pipeline.model import Article
from pipeline.store import open_store
from tests.web.conftest import STORY, XSS_TITLE

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(resp) -> list[dict]:
    """Each entry of an Atom response as a dict: id, title, links by rel, summary, dates."""
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(resp.content)
    assert feed.tag == f"{ATOM}feed"
    out = []
    for e in feed.findall(f"{ATOM}entry"):
        out.append({
            "id": e.findtext(f"{ATOM}id"),
            "title": e.findtext(f"{ATOM}title"),
            "links": {ln.get("rel", "alternate"): ln.get("href") for ln in e.findall(f"{ATOM}link")},
            "summary": e.findtext(f"{ATOM}summary") or "",
            "published": e.findtext(f"{ATOM}published"),
            "updated": e.findtext(f"{ATOM}updated"),
            "tags": [c.get("term") for c in e.findall(f"{ATOM}category")],
            "author": e.findtext(f"{ATOM}author/{ATOM}name"),
            "enclosures": [(ln.get("href"), ln.get("title")) for ln in e.findall(f"{ATOM}link")
                           if ln.get("rel") == "enclosure"],
        })
    return out


def article_ids(items: list[dict]) -> list[str]:
    return [e["links"]["alternate"].rsplit("/articles/", 1)[1] for e in items]


def test_a_feed_lists_what_the_search_finds_newest_first_in_either_script(client):
    items = entries(client.get("/search.atom", params={"q": "营商环境"}))
    found = article_ids(items)
    assert "trad0001" in found and "repair01" in found  # traditional text, simplified query
    published = [e["published"] for e in items if e["published"]]
    assert published and published == sorted(published, reverse=True)
    trad = items[found.index("trad0001")]
    assert trad["title"] == "湖北優化營商環境再出新招"
    assert trad["links"]["via"] == "https://www.hubei.gov.cn/zwgk/hbyw/202403/t20240305_1.shtml"
    assert trad["links"]["alternate"].startswith("http://testserver/articles/")
    assert trad["author"] == "湖北日報"  # the origin when the page names no author
    assert "营商环境" in trad["tags"]
    assert "營商環境" in trad["summary"] and "<mark>" not in trad["summary"]
    # the files the page attaches, as a feed reader lists them
    assert trad["enclosures"] == [
        ("https://www.hubei.gov.cn/zwgk/hbyw/202403/P020240305.pdf", "湖北省優化營商環境實施方案"),
        ("https://www.hubei.gov.cn/zwgk/hbyw/202403/P020240305.wps", "任務分工表")]


def test_a_story_on_three_portals_is_one_entry_that_names_the_others(client):
    items = entries(client.get("/search.atom", params={"q": "国务院 营商环境"}))
    story = [e for e in items if e["links"]["alternate"].split("/articles/")[1].startswith("story")]
    assert len(story) == 1
    assert "also on" in story[0]["summary"]
    assert len({e["id"] for e in items}) == len(items)


def test_filters_apply_and_the_feed_names_its_search(client):
    resp = client.get("/search.atom", params=[("q", "营商环境"), ("source", "cjrb")])
    items = entries(resp)
    assert items and all(i in {"repair01", "repair02", "xss00001", "story001"}
                         for i in article_ids(items))
    feed = ElementTree.fromstring(resp.content)
    assert feed.findtext(f"{ATOM}title") == "newsmon: 营商环境 source:cjrb"
    links = {ln.get("rel"): ln.get("href") for ln in feed.findall(f"{ATOM}link")}
    assert links["self"].startswith("http://testserver/search.atom?q=")
    assert "source=cjrb" in links["self"] and "/search?" in links["alternate"]


def test_hostile_text_stays_text_and_unsafe_links_are_left_out(client):
    resp = client.get("/search.atom", params={"q": "alert"})
    assert b"<script" not in resp.content and b"<img" not in resp.content
    hostile = [e for e in entries(resp) if e["title"] == XSS_TITLE]
    assert len(hostile) == 1  # the title comes back exactly, as text
    assert "via" not in hostile[0]["links"]  # javascript:alert(3) is no link
    assert hostile[0]["enclosures"] == []  # nor javascript:alert(7), an attachment's address


def test_a_bad_query_is_a_one_line_400(client):
    resp = client.get("/search.atom", params={"q": '"unbalanced'})
    assert resp.status_code == 400
    assert "quote" in resp.text.lower()


def test_the_search_page_links_its_feed(client):
    page = client.get("/search", params={"q": "营商环境", "source": "cjrb", "sort": "relevance"})
    assert 'type="application/atom+xml"' in page.text
    feed = "/search.atom?q=%E8%90%A5%E5%95%86%E7%8E%AF%E5%A2%83&amp;source=cjrb"
    assert page.text.count(f'href="{feed}"') == 2  # in the head and beside the count


@pytest.fixture
def own_site(tmp_path):
    """A store of its own, for articles the shared site must not hold."""
    from fastapi.testclient import TestClient

    from pipeline.web import create_app

    store = open_store({}, tmp_path / "data")
    (tmp_path / "config").mkdir()
    app = create_app(store, config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    with TestClient(app) as client:
        yield store, client
    store.close()


def copy(i: int, **kw) -> Article:
    fields = dict(id=f"copy{i}", url=f"https://example.gov.cn/{i}.html", title="優化營商環境新政",
                  text="優化營商環境新政出台。", source=f"portal{i}",
                  published_at=f"2024-05-0{i}T09:00:00+08:00", story_id=STORY)
    fields.update(kw)
    return Article(**fields)


def test_a_repost_updates_its_story_entry_instead_of_adding_one(own_site):
    store, client = own_site
    store.upsert_many([copy(1)])
    before = entries(client.get("/search.atom", params={"q": "營商環境"}))
    store.upsert_many([copy(2)])
    after = entries(client.get("/search.atom", params={"q": "營商環境"}))
    assert len(before) == len(after) == 1
    assert before[0]["id"] == after[0]["id"]
    assert after[0]["summary"].endswith("(also on portal1)")


def test_characters_xml_cannot_hold_are_dropped_not_fatal(own_site):
    store, client = own_site
    store.upsert_many([copy(1, title="營商\x0b環境\x00新政", story_id=None,
                            text="營商環境\x1b新政\ufffe。")])
    items = entries(client.get("/search.atom"))
    assert [e["title"] for e in items] == ["營商環境新政"]
    assert "\x1b" not in items[0]["summary"]


def test_an_entry_names_the_alert_rules_its_story_matched(client):
    """Categories in the monitor's scheme, beside the topic tags: a feed reader can filter
    on the stories the reform rule (here: bizenv) flagged."""
    feed = ElementTree.fromstring(client.get("/search.atom").content)
    api = {h["id"]: h["flags"] for h in client.get("/api/search", params={"sort": "newest"}).json()["hits"]}
    seen = 0
    for e in feed.findall(f"{ATOM}entry"):
        article = e.find(f"{ATOM}link[@rel='alternate']").get("href").rsplit("/articles/", 1)[1]
        rules = [c.get("term") for c in e.findall(f"{ATOM}category") if c.get("scheme")]
        assert all(c.get("scheme") == "http://testserver/monitor#rules" for c in e.findall(f"{ATOM}category")
                   if c.get("scheme"))
        if article in api:
            assert rules == api[article]
            seen += bool(rules)
    assert seen
