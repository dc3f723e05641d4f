"""`newsmon ingest URL`: an article page fetched now, on request, with the crawler's manners."""

from __future__ import annotations

import json

from crawl_helpers import crawl_json, newsmon, write_config
from crawl_portal import MOVED, PDF

ARTICLE = "/news/202403/t20240306_1002.html"  # UTF-8 behind a header that says GBK


def config(tmp_path, base):
    return write_config(tmp_path / "config", f"""\
sources:
  - name: portal_html
    urls: [{base}/news/]
    max_pages: 1
    article_urls: 't2024030[5-7]_'
""")


def test_a_page_by_its_address_is_fetched_repaired_stored_and_marked_seen(portal, tmp_path):
    cfg, data = config(tmp_path, portal.base), tmp_path / "data"
    portal.clear_log()
    proc = newsmon(cfg, data, "ingest", f"{portal.base}{ARTICLE}?utm_source=wechat")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ingested: 1 new, 0 updated, 0 unchanged"
    assert f"{ARTICLE}?utm_source=wechat: new, source portal_html, id " in proc.stderr
    (headers,) = portal.headers_of(ARTICLE)
    assert headers["User-Agent"].startswith("newsmon/") and "example.org/newsmon-test-contact" in headers["User-Agent"]
    assert "/robots.txt" in portal.paths()
    (hit,) = json.loads(newsmon(cfg, data, "search", "汉阳区 一网通办", "--source", "portal_html", "--json").stdout)
    assert hit["url"] == f"{portal.base}{ARTICLE}" and hit["encoding"] == "utf-8" and hit["encoding_lied"] is True
    assert hit["title"] == "武汉市汉阳区推进政务服务“一网通办”"
    # the crawl that follows does not fetch it again
    portal.clear_log()
    tally = crawl_json(cfg, data, "--source", "portal_html")["portal_html"]
    assert ARTICLE not in portal.paths() and tally["new"] == 2
    # asked again: the same page, unchanged
    again = newsmon(cfg, data, "ingest", f"{portal.base}{ARTICLE}")
    assert again.returncode == 0 and again.stdout.strip() == "ingested: 0 new, 0 updated, 1 unchanged"


def test_pages_that_cannot_be_had_are_skipped_with_their_reason(portal, tmp_path):
    cfg, data = config(tmp_path, portal.base), tmp_path / "data"
    proc = newsmon(cfg, data, "ingest", f"{portal.base}/private/202403/t20240309_1005.html",
                   f"{portal.base}/news/202403/t20240310_1404.html", f"{portal.base}{PDF}")
    assert proc.returncode == 1
    assert "robots.txt forbids newsmon to fetch it" in proc.stderr
    assert "t20240310_1404.html: HTTP 404" in proc.stderr
    assert f"{PDF}: not a page (application/pdf)" in proc.stderr
    assert proc.stdout.strip() == "ingested: 0 new, 0 updated, 0 unchanged, 3 skipped"
    assert "Traceback" not in proc.stderr


def test_a_redirect_is_followed_and_a_site_no_source_is_on_is_recorded_as_manual(portal, tmp_path):
    cfg, data = config(tmp_path, portal.base), tmp_path / "data"
    elsewhere = portal.base.replace("127.0.0.1", "localhost")  # the same server, a host no source names
    proc = newsmon(cfg, data, "ingest", f"{elsewhere}{MOVED}")
    assert proc.returncode == 0, proc.stderr
    assert ": new, source manual, id " in proc.stderr
    (hit,) = json.loads(newsmon(cfg, data, "search", "source:manual", "--json").stdout)
    assert hit["url"] == f"{elsewhere}/news/202403/t20240313_1006.html"
    proc = newsmon(cfg, data, "ingest", "--source", "desk", f"{portal.base}/news/202403/t20240314_1007.html")
    assert ": new, source desk, id " in proc.stderr
