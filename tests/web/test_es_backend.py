"""The same pages over the Elasticsearch backend (the in-memory osmem-server, or the cluster
named by NEWSMON_TEST_ES_URL): its highlighter's snippets, story grouping and filters."""

from __future__ import annotations

import os
import re
import uuid

import pytest

from tests.web.conftest import STORY, XSS_TITLE, build_site, make_app, serving

pytestmark = pytest.mark.elasticsearch


@pytest.fixture(scope="module")
def es_index():
    speed = {"retries": 1, "backoff": 0.01, "retry_interval": 0, "timeout": 10}
    url = os.environ.get("NEWSMON_TEST_ES_URL")
    if url:
        settings = {"backend": "elasticsearch", "url": url, **speed, "prefix": f"newsmon-webtest-{uuid.uuid4().hex[:8]}"}
        for env, key in (("NEWSMON_TEST_ES_USERNAME", "username"), ("NEWSMON_TEST_ES_PASSWORD", "password"),
                         ("NEWSMON_TEST_ES_API_KEY", "api_key"), ("NEWSMON_TEST_ES_CA_CERTS", "ca_certs")):
            if os.environ.get(env):
                settings[key] = os.environ[env]
        yield {"index": settings}
        return
    osmem = pytest.importorskip("osmem_server")
    server = osmem.OsmemServer.start(japanese=False, startup_timeout=30)
    try:
        yield {"index": {"backend": "elasticsearch", "url": server.url, "plain_json": True, **speed}}
    finally:
        server.close()


@pytest.fixture(scope="module")
def es_site(es_index, tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("web-es"), es_index)


@pytest.fixture(scope="module")
def es_store(es_index, es_site):
    from pipeline.store import open_store

    s = open_store(es_index, es_site[1])
    assert s.backend == "elasticsearch"
    yield s
    s.close()


@pytest.fixture
def es_client(es_store, es_site):
    from fastapi.testclient import TestClient

    with TestClient(make_app(es_store, es_site)) as c:
        yield c


def test_simplified_finds_traditional_with_es_highlights(es_client):
    r = es_client.get("/api/search", params={"q": "营商环境"})
    assert r.status_code == 200
    hits = {h["id"]: h for h in r.json()["hits"]}
    assert {"trad0001", "repair01", "xss00001"} <= set(hits)
    assert "<mark>營商環境</mark>" in hits["trad0001"]["snippet"]
    page = es_client.get("/search", params={"q": "营商环境"}).text
    assert "<mark>營商環境</mark>" in page
    assert "<script>alert" not in page and "<img src=x" not in page


def test_story_grouping_and_filters_on_es(es_client):
    hits = es_client.get("/api/search", params={"q": "国务院"}).json()["hits"]
    story = [h for h in hits if h["story_id"] == STORY]
    assert len(story) == 1 and story[0]["story_size"] == 3 and len(story[0]["also_on"]) == 2
    only = es_client.get("/api/search", params=[("q", "营商环境"), ("source", "hubei_gov")]).json()["hits"]
    assert only and {h["source"] for h in only} == {"hubei_gov"}
    day = es_client.get("/api/search", params={"since": "2024-03-05", "until": "2024-03-05"}).json()
    assert [h["id"] for h in day["hits"]] == ["trad0001"]
    bad = es_client.get("/api/search", params={"q": '"营商'})
    assert bad.status_code == 400 and "unbalanced quote" in bad.json()["error"]


def test_article_page_on_es(es_client):
    html = es_client.get("/articles/repair01").text
    rows = re.findall(r'<del class="before">(.*?)</del>.*?<ins class="after">(.*?)</ins>', html, re.S)
    assert ("漢陽(yáng)", "漢陽") in rows
    xss = es_client.get("/articles/xss00001").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in xss and "<script>alert" not in xss
    copies = es_client.get("/api/articles/story000").json()["copies"]
    assert sorted(c["id"] for c in copies) == ["story001", "story002"]
    assert es_client.get("/monitor").status_code == 200


@pytest.mark.browser
def test_browser_on_es(browser, es_store, es_site, screenshots):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from tests.web.test_browser import navigates, no_dialog, result_ids

    with serving(es_store, es_site) as url:
        browser.get(url + "/")
        box = browser.find_element(By.ID, "q")
        box.send_keys("营商环境")
        navigates(browser, lambda: box.send_keys(Keys.ENTER))
        assert "trad0001" in result_ids(browser)
        assert no_dialog(browser)
        screenshots.save(browser, "search-elasticsearch.png")
        browser.get(url + "/articles/xss00001")
        assert browser.find_element(By.ID, "title").text == XSS_TITLE
        assert no_dialog(browser)


def test_feed_and_csv_on_es(es_client, monkeypatch):
    """The feed and the CSV run the store's search as the pages do: the same stories."""
    from pipeline.web import searching
    from tests.web.test_export import rows
    from tests.web.test_feed import article_ids, entries

    feed = article_ids(entries(es_client.get("/search.atom", params={"q": "国务院 营商环境"})))
    assert len([i for i in feed if i.startswith("story")]) == 1  # one entry for three copies
    monkeypatch.setattr(searching, "EXPORT_BATCH", 7)  # several batches, past a page
    got = rows(es_client.get("/search.csv", params={"source": "wuhan_gov", "sort": "newest"}))
    api = es_client.get("/api/search", params={"source": "wuhan_gov", "sort": "newest"}).json()
    assert len(got) == api["total"] == 26
    assert [r["id"] for r in got][:20] == [h["id"] for h in api["hits"]]
