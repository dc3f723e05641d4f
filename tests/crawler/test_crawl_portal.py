"""`newsmon crawl` against the fixture portal: charsets, kinds, politeness, failures, incrementality."""

from __future__ import annotations

from pathlib import Path

import pytest
from crawl_helpers import crawl_json, portal_sources, relevant_only_config, write_config
from crawl_portal import CHINESE_PATH, FAILING, GONE, HANGING, MOVED, NEW_ARTICLE, PDF

from pipeline.crawlstate import last_runs, open_crawlstate, runs
from pipeline.settings import load_settings
from pipeline.store import open_store

ARTICLES = {
    "gbk_as_gb2312": "/news/202403/t20240305_1001.html",
    "utf8_behind_gbk": "/news/202403/t20240306_1002.html",
    "big5_behind_utf8": "/news/202403/t20240307_1003.html",
    "no_charset": "/news/202403/t20240308_1004.html",
}


@pytest.fixture(scope="module")
def first(portal, tmp_path_factory):
    """One crawl of every portal source into a fresh data dir."""
    root = tmp_path_factory.mktemp("crawl")
    config = write_config(root / "config", portal_sources(portal.base))
    data = root / "data"
    portal.clear_log()
    result = crawl_json(config, data)
    return {"config": config, "data": data, "result": result, "paths": portal.paths(),
            "ua": [h.get("User-Agent") for h in portal.headers_of("/news/")]}


@pytest.fixture(scope="module")
def store(first):
    s = open_store(load_settings(first["config"]), first["data"])
    yield s
    s.close()


def stored(store, portal, path):
    return store.get_by_url(portal.base + path)


@pytest.mark.parametrize("case", sorted(ARTICLES))
def test_charsets_decode_whatever_the_page_claims(first, store, portal, case):
    article = stored(store, portal, ARTICLES[case])
    assert article is not None, f"{case} not stored"
    expected = portal.articles[ARTICLES[case]]
    assert "\ufffd" not in article.text and "\ufffd" not in (article.title or "")
    assert article.title == expected.title
    assert expected.body[1] in article.text
    # 1001 is also in the RSS feed: whichever source reaches it first stores it, once
    assert article.source in ({"portal_html", "portal_rss"} if case == "gbk_as_gb2312" else {"portal_html"})
    assert article.published_at and article.published_at.startswith(expected.date[:10])


def test_navigation_share_bar_and_recommendations_stay_out_of_the_text(first, store, portal):
    for path in ARTICLES.values():
        text = stored(store, portal, path).text
        for junk in ("分享到", "为你推荐", "為你推薦", "推荐阅读", "推薦閱讀", "版权所有", "版權所有",
                     "当前位置", "當前位置", "互动交流", "互動交流"):
            assert junk not in text, f"{junk!r} leaked into {path}"


def test_pagination_follows_the_trs_pager(first, store, portal):
    assert "/news/index_1.html" in first["paths"]
    assert stored(store, portal, "/news/202403/t20240314_1007.html") is not None


def test_non_ascii_links_and_non_html_answers(first, store, portal):
    from urllib.parse import quote

    assert stored(store, portal, quote(CHINESE_PATH)) is not None
    assert PDF in first["paths"] and stored(store, portal, PDF) is None
    assert first["result"]["portal_html"]["empty"] == 1


@pytest.mark.parametrize("source, paths", [
    ("portal_rss", ["/feeds/202403/t20240320_2001.html", "/feeds/202403/t20240321_2002.html"]),
    ("portal_atom", ["/feeds/202403/t20240322_2003.html"]),
    ("portal_sitemap", ["/sm/202403/t20240323_3001.html", "/sm/202403/t20240324_3002.html"]),
    ("portal_json", ["/zhengce/content/202403/content_9001.htm", "/zhengce/content/202403/content_9002.htm"]),
])
def test_feeds_sitemaps_and_json_lists(first, store, portal, source, paths):
    for path in paths:
        assert stored(store, portal, path) is not None, f"{source}: {path} not stored"
    assert first["result"][source]["errors"] == 0
    assert first["result"][source]["new"] >= 1
    if source == "portal_sitemap":  # index → news sitemap and gzipped sitemap
        assert {"/sitemap-news.xml", "/sitemap-old.xml.gz"} <= set(first["paths"])


def test_every_page_is_fetched_once_even_when_linked_from_many_places(first, portal):
    # /news/ links 1001 twice (once with utm_source), page 2 and the RSS feed link it again
    article_paths = [p for p in first["paths"] if p.endswith((".html", ".htm")) and "/20" in p]
    counts = {p: article_paths.count(p) for p in article_paths}
    assert counts["/news/202403/t20240305_1001.html"] == 1
    assert counts["/feeds/202403/t20240321_2002.html"] == 1  # in both RSS and Atom
    retried = {FAILING, HANGING}
    assert all(n == 1 for p, n in counts.items() if p not in retried), counts


def test_robots_txt_disallow_is_obeyed(first):
    assert "/robots.txt" in first["paths"]
    assert not any(p.startswith("/private/") for p in first["paths"])
    assert first["result"]["portal_html"]["robots_denied"] == 1


def test_user_agent_names_the_contact_url(first):
    assert first["ua"] and all("newsmon/" in ua and "https://example.org/newsmon-test-contact" in ua
                               for ua in first["ua"])


def test_404_500_and_hanging_pages_are_errors_and_the_crawl_goes_on(first, portal):
    html = first["result"]["portal_html"]
    assert html["errors"] == 3
    text = " ".join(html["problems"])
    assert GONE in text and FAILING in text and HANGING in text
    assert "Timeout" in text
    # a 500 and a timeout are retried (retries: 1) after a backoff; a 404 is not
    assert first["paths"].count(FAILING) == 2 and first["paths"].count(HANGING) == 2
    assert first["paths"].count(GONE) == 1
    t = portal.times(FAILING)
    assert t[1] - t[0] >= 0.25  # retry_backoff 0.3 s (minus clock slack)
    assert html["new"] >= 5  # the good articles still made it


def test_redirected_article_is_stored_under_its_final_url(first, store, portal):
    assert MOVED in first["paths"]
    assert stored(store, portal, "/news/202403/t20240313_1006.html") is not None
    assert stored(store, portal, MOVED) is None


def test_anti_bot_challenge_is_reported_as_blocked(first):
    blocked = first["result"]["portal_blocked"]
    assert blocked["blocked"] is True
    assert "412" in blocked["message"]
    assert first["result"]["portal_html"]["blocked"] is False
    conn = open_crawlstate(first["data"])
    try:
        state = last_runs(conn)
    finally:
        conn.close()
    assert state["portal_blocked"]["blocked"] is True
    assert state["portal_blocked"]["last_new_at"] is None
    assert state["portal_rss"]["blocked"] is False and state["portal_rss"]["last_new_at"]
    assert set(state) == {"portal_html", "portal_rss", "portal_atom", "portal_sitemap", "portal_json",
                          "portal_blocked"}


def test_second_crawl_fetches_only_the_new_article(first, store, portal):
    portal.clear_log()
    portal.show_new_article = True
    try:
        result = crawl_json(first["config"], first["data"])
    finally:
        portal.show_new_article = False
    paths = portal.paths()
    article_fetches = {p for p in paths if "/20" in p and p.endswith((".html", ".htm"))}
    # failed pages are retried (they were never stored); nothing stored before is fetched again
    assert article_fetches - {GONE, FAILING, HANGING} == {NEW_ARTICLE}
    assert MOVED not in paths  # the redirect's first URL was remembered too
    html = result["portal_html"]
    assert html["new"] == 1
    assert html["unchanged"] >= 6
    # clean sources sent their validators back and got 304 Not Modified
    for name in ("portal_rss", "portal_atom", "portal_json", "portal_sitemap"):
        assert result[name]["not_modified"] >= 1, name
        assert result[name]["new"] == 0
    assert any(h.get("If-None-Match") for h in portal.headers_of("/feed.xml"))
    s = open_store(load_settings(first["config"]), first["data"])
    try:
        assert s.get_by_url(portal.base + NEW_ARTICLE) is not None
    finally:
        s.close()
    conn = open_crawlstate(first["data"])
    try:
        assert len(runs(conn, "portal_html")) == 2
        assert last_runs(conn)["portal_html"]["last_run"]["new"] == 1
    finally:
        conn.close()


def test_keep_relevant_stores_only_relevant_articles(portal, tmp_path: Path):
    config = relevant_only_config(tmp_path / "config", portal.base)
    result = crawl_json(config, tmp_path / "data")["relevant_only"]
    assert result["new"] == 1 and result["irrelevant"] == 1
    s = open_store(load_settings(config), tmp_path / "data")
    try:
        assert s.get_by_url(portal.base + "/zhengce/content/202403/content_9001.htm") is not None
        assert s.get_by_url(portal.base + "/zhengce/content/202403/content_9002.htm") is None
    finally:
        s.close()
