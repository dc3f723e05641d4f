"""Lists fetched with POST (form or JSON body, paged by a body field) against a local API that
answers nothing else: the articles they name are stored, paging stops at max_pages, at an
empty page or at a page repeating the last, and a second crawl fetches no stored article."""

from __future__ import annotations

import pytest
from crawl_helpers import crawl_json, newsmon, write_config
from post_api import FORM_PAGES, HTML_PAGES, JSON_PAGES, PER_PAGE, PostApi, article_path

from pipeline.settings import load_settings
from pipeline.store import open_store


def sources_yaml(base: str) -> str:
    return f"""\
sources:
  - name: post_form
    urls:
      - url: {base}/api/form
        method: POST
        form: {{model: 1, chnlId: 15886, pageSize: {PER_PAGE}}}
        page_field: pageNo
    json: {{items: rows, url: DOCPUBURL, title: DOCTITLE, date: DOCRELTIME}}
    max_pages: 2
  - name: post_json
    urls:
      - url: {base}/api/json
        method: post
        json_body: {{channel: yw, pageNo: 0}}
        headers: {{X-Requested-With: XMLHttpRequest}}
        page_field: pageNo
        first_page: 1
        json: {{items: data.list, url: link, title: title}}
    max_pages: 10
  - name: post_html
    urls:
      - url: {base}/api/html
        method: POST
        form: {{type: news}}
        page_field: page
    max_pages: 10
  - name: post_same
    urls:
      - url: {base}/api/same
        method: POST
        page_field: pageNo
        json: {{items: rows, url: DOCPUBURL}}
    max_pages: 5
"""


@pytest.fixture(scope="module")
def api():
    with PostApi() as a:
        yield a


@pytest.fixture(scope="module")
def crawls(api, tmp_path_factory):
    root = tmp_path_factory.mktemp("post")
    config = write_config(root / "config", sources_yaml(api.base))
    data = root / "data"
    api.clear_log()
    first = crawl_json(config, data)
    first_log = list(api.requests)
    api.clear_log()
    second = crawl_json(config, data)
    second_log = list(api.requests)
    return {"config": config, "data": data, "first": first, "first_log": first_log,
            "second": second, "second_log": second_log}


def _posts(log, path):
    return [b for m, p, b in log if m == "POST" and p == path]


def _gets(log, prefix):
    return [p for m, p, _ in log if m == "GET" and p.startswith(prefix)]


def test_form_list_pages_up_to_max_pages_and_its_articles_are_stored(crawls, api):
    first, log = crawls["first"], crawls["first_log"]
    bodies = _posts(log, "/api/form")
    assert [b["pageNo"] for b in bodies] == ["1", "2"]  # max_pages 2 of 3 non-empty pages
    assert all(b["chnlId"] == "15886" and b["model"] == "1" for b in bodies)
    expected = {article_path("form", p, n) for p in (1, 2) for n in range(1, PER_PAGE + 1)}
    assert set(_gets(log, "/form/")) == expected
    assert first["post_form"]["new"] == len(expected) and first["post_form"]["errors"] == 0
    assert FORM_PAGES > 2  # the third page had articles: the limit stopped it, not the API

    store = open_store(load_settings(crawls["config"]), crawls["data"])
    try:
        for path in expected:
            article = store.get_by_url(api.base + path)
            assert article is not None, path
            assert article.title == api.articles[path].title
            assert api.articles[path].body[1] in article.text
            assert article.source == "post_form"
    finally:
        store.close()


def test_json_body_list_stops_at_the_page_past_the_end(crawls):
    first, log = crawls["first"], crawls["first_log"]
    bodies = _posts(log, "/api/json")
    # first_page 1 replaces the 0 written in json_body; page 3 answers data: null (the end,
    # not an error), so no page 4
    assert [b["pageNo"] for b in bodies] == [1, 2, 3]
    assert all(b["channel"] == "yw" for b in bodies)
    assert len(_gets(log, "/json/")) == JSON_PAGES * PER_PAGE
    assert first["post_json"]["new"] == JSON_PAGES * PER_PAGE
    assert first["post_json"]["errors"] == 0


def test_html_answer_is_read_with_the_link_heuristics(crawls):
    first, log = crawls["first"], crawls["first_log"]
    assert [b["page"] for b in _posts(log, "/api/html")] == ["1", "2", "3"]
    assert len(_gets(log, "/html/")) == HTML_PAGES * PER_PAGE
    assert first["post_html"]["new"] == HTML_PAGES * PER_PAGE


def test_a_page_repeating_the_last_ends_the_list(crawls):
    first, log = crawls["first"], crawls["first_log"]
    assert [b["pageNo"] for b in _posts(log, "/api/same")] == ["1", "2"]
    assert first["post_same"]["new"] == PER_PAGE


def test_second_crawl_refetches_the_lists_but_no_stored_article(crawls):
    second, log = crawls["second"], crawls["second_log"]
    assert [m for m, p, _ in log if not p.startswith(("/api/", "/robots.txt"))] == []
    assert len(_posts(log, "/api/form")) == 2 and len(_posts(log, "/api/json")) == 3
    for name, count in (("post_form", 2 * PER_PAGE), ("post_json", JSON_PAGES * PER_PAGE),
                        ("post_html", HTML_PAGES * PER_PAGE)):
        assert second[name]["new"] == 0
        assert second[name]["unchanged"] == count
        assert second[name]["not_modified"] == 0  # a POST list is never answered 304


def test_a_body_the_api_rejects_is_an_error_not_articles(api, tmp_path):
    config = write_config(tmp_path / "config", f"""\
sources:
  - name: wrong_channel
    urls:
      - url: {api.base}/api/form
        method: POST
        form: {{chnlId: 1}}
        page_field: pageNo
  - name: get_instead
    urls: [{api.base}/api/form]
""")
    result = crawl_json(config, tmp_path / "data")
    for name in ("wrong_channel", "get_instead"):
        assert result[name]["new"] == 0
        assert result[name]["errors"] >= 1 and result[name]["failed"]


def test_bad_post_config_is_one_line_with_file_and_line(api, tmp_path):
    config = write_config(tmp_path / "config", f"""\
sources:
  - name: bad
    urls:
      - url: {api.base}/api/form
        method: PUT
""")
    proc = newsmon(config, tmp_path / "data", "crawl")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "sources.yaml:5: sources[0].urls[0].method: source 'bad': 'PUT': expected GET or POST" in lines[0]
    assert "Traceback" not in proc.stderr
