"""Hanweb (大汉 JCMS) column lists against a local portal of that CMS: the records a column
page hides in its datastore are crawled, the groups after it are followed through the
address each datastore names, up to max_pages and no further than the last group, and a
sidebar's datastore is neither read nor followed. The files the articles attach are read
for search as they are stored, once."""

from __future__ import annotations

import json

import pytest
from crawl_helpers import crawl_json, newsmon, write_config
from jpage_portal import COLUMNS, PER_GROUP, PROXY, HanwebPortal, article_path, attachment_of

from pipeline.changes import version_changes
from pipeline.settings import load_settings
from pipeline.store import SearchRequest, open_store


@pytest.fixture(scope="module")
def portal():
    with HanwebPortal() as p:
        yield p


@pytest.fixture(scope="module")
def crawls(portal, tmp_path_factory):
    root = tmp_path_factory.mktemp("jpage")
    config = write_config(root / "config", f"""\
sources:
  - name: hanweb_all
    urls: [{portal.base}/col/col7/index.html]
    max_pages: 10
  - name: hanweb_two
    urls: [{portal.base}/col/col8/index.html]
    max_pages: 2
""")
    data = root / "data"
    portal.clear_log()
    first = crawl_json(config, data)
    first_paths = portal.paths()
    downloads = portal.downloads()
    pages = {c: portal.proxy_pages(c) for c in ("7", "8", "9")}
    portal.clear_log()
    second = crawl_json(config, data)
    return {"config": config, "data": data, "first": first, "first_paths": first_paths, "pages": pages,
            "downloads": downloads, "second": second, "second_paths": portal.paths()}


def test_every_group_of_a_column_is_crawled_and_stored(crawls, portal):
    first = crawls["first"]["hanweb_all"]
    expected = [article_path("7", g, n) for g in range(COLUMNS["7"]) for n in range(1, PER_GROUP + 1)]
    assert first["new"] == len(expected) and first["errors"] == 0
    # groups 1 and 2 hold records; group 3 is past the end, so no group 4 is asked for
    assert crawls["pages"]["7"] == [1, 2, 3]
    store = open_store(load_settings(crawls["config"]), crawls["data"])
    try:
        for path in expected:
            article = store.get_by_url(portal.base + path)
            assert article is not None, path
            title, date = portal.articles[path]
            assert article.title == title
            assert article.published_at.startswith(date)  # the CMS's PubDate meta
            assert article.source == "hanweb_all"
            link, text = attachment_of(path)
            (attached,) = article.attachments
            assert (attached["url"], attached["title"]) == (portal.base + link, text)
            assert "企業開辦時間壓縮至1個工作日以內" in attached["text"]  # the PDF's own words
    finally:
        store.close()


def test_max_pages_counts_the_column_page_and_its_groups(crawls):
    assert crawls["pages"]["8"] == [1]
    assert crawls["first"]["hanweb_two"]["new"] == 2 * PER_GROUP


def test_a_sidebar_datastore_is_neither_listed_nor_followed(crawls):
    assert crawls["pages"]["9"] == []
    assert not any("art_9_" in p for p in crawls["first_paths"])


def test_second_crawl_fetches_no_stored_article(crawls):
    second = crawls["second"]
    assert [p for p in crawls["second_paths"] if p.startswith("/art/")] == []
    assert second["hanweb_all"]["new"] == 0 and second["hanweb_all"]["errors"] == 0
    assert second["hanweb_all"]["unchanged"] == COLUMNS["7"] * PER_GROUP
    assert PROXY in crawls["second_paths"]  # the groups are read again for new records


def test_attached_files_are_read_once_and_searched(crawls, portal):
    first = crawls["first"]
    # every article's file fetched once: column 7's PDFs read, column 8's answered 404
    assert len(crawls["downloads"]) == len(set(crawls["downloads"])) == (COLUMNS["7"] + 2) * PER_GROUP
    assert first["hanweb_all"]["attachments_read"] == COLUMNS["7"] * PER_GROUP
    assert first["hanweb_two"]["attachments_read"] == 0
    assert first["hanweb_two"]["attachments_unread"] == 2 * PER_GROUP
    assert not any(p.startswith("/module/download/") for p in crawls["second_paths"])
    store = open_store(load_settings(crawls["config"]), crawls["data"])
    try:
        gone = store.get_by_url(portal.base + article_path("8", 0, 1)).attachments[0]
        assert gone["unread"] == "HTTP 404" and "text" not in gone
        # words only the attached PDF holds (page 2), searched in the other script
        hits = store.search(SearchRequest("工程建设项目审批时间压缩至50个工作日", limit=50)).hits
        assert {h.article.source for h in hits} == {"hanweb_all"} and len(hits) == COLUMNS["7"] * PER_GROUP
        assert all(h.attached and h.attached[0].startswith("附件：實施方案全文: ") for h in hits)
    finally:
        store.close()


def test_the_files_read_per_crawl_are_capped(portal, tmp_path):
    config = write_config(tmp_path / "config", f"""\
sources:
  - name: hanweb_all
    urls: [{portal.base}/col/col7/index.html]
    max_pages: 10
""")
    with open(config / "settings.yaml", "a", encoding="utf-8") as f:
        f.write("  attachments: 3\n")
    portal.clear_log()
    result = crawl_json(config, tmp_path / "data")
    assert result["hanweb_all"]["new"] == COLUMNS["7"] * PER_GROUP
    assert len(portal.downloads()) == 3 and result["hanweb_all"]["attachments_read"] == 3
    # the next crawl finds nothing new, and reads the files left with its own budget
    first = set(portal.downloads())
    again = crawl_json(config, tmp_path / "data")
    assert again["hanweb_all"]["new"] == 0 and again["hanweb_all"]["attachments_read"] == 3
    assert len(portal.downloads()) == 6 and len(set(portal.downloads()) - first) == 3
    store = open_store(load_settings(config), tmp_path / "data")
    try:
        read = [a for a in store.scan() if a.attachments and "text" in a.attachments[0]]
        assert len(read) == 6
        # stored again for what newsmon read, not revised by the portal
        history = store.history(read[-1].id)
        assert history and all(not c["changes"].revised for c in version_changes(read[-1], history))
    finally:
        store.close()


def test_an_article_ingested_by_its_address_has_its_files_read_too(portal, tmp_path):
    config = write_config(tmp_path / "config", "sources: []\n")
    url = portal.base + article_path("7", 1, 2)
    proc = newsmon(config, tmp_path / "data", "ingest", url, "--source", "hanweb")
    assert proc.returncode == 0, proc.stderr
    store = open_store(load_settings(config), tmp_path / "data")
    try:
        (attached,) = store.get_by_url(url).attachments
        assert "工程建設項目審批時間壓縮至50個工作日以內" in attached["text"]
    finally:
        store.close()


def test_a_try_lists_the_attached_files_without_downloading_them(portal, tmp_path):
    config = write_config(tmp_path / "config", f"sources:\n  - name: hanweb\n    urls: [{portal.base}/col/col7/index.html]\n")
    portal.clear_log()
    proc = newsmon(config, tmp_path / "data", "crawl", "--try", "--json", "--limit", "2")
    assert proc.returncode == 0, proc.stderr
    (source,) = json.loads(proc.stdout)["sources"]
    assert [len(a["attachments"]) for a in source["articles"]] == [1, 1]
    assert source["articles"][0]["attachments"][0]["url"].startswith(portal.base + "/module/download/")
    assert portal.downloads() == []
