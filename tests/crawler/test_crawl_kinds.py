"""What a start URL answered with, and the article URLs feeds, sitemaps and JSON lists name."""

from __future__ import annotations

import gzip

import pytest

from crawler.blocking import blocked_reason
from crawler.kinds import KindError, detect_kind, feed_entries, json_entries, maybe_gunzip, sitemap_entries
from crawler.spiders.source import header_charset
from pipeline.sources import JsonList


@pytest.mark.parametrize("body, ctype, kind", [
    (b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>', "text/xml", "feed"),
    (b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>', None, "feed"),
    (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="x"></rdf:RDF>', None, "feed"),
    (b'\xef\xbb\xbf<?xml version="1.0"?><urlset></urlset>', "application/xml", "sitemap"),
    (b'<?xml version="1.0"?>\n<sitemapindex xmlns="x"></sitemapindex>', None, "sitemap"),
    (b'  [{"URL": "/a.htm"}]', "text/plain", "json"),
    (b'{"data": []}', None, "json"),
    (b"<!DOCTYPE html><html><body>see our <feed> page</body></html>", "text/html", "html"),
    (b"<html><head><title>x</title></head></html>", None, "html"),
])
def test_detect_kind(body, ctype, kind):
    assert detect_kind(body, ctype) == kind


def test_rss_atom_and_rdf_entries():
    rss = (b'<?xml version="1.0" encoding="gb2312"?><rss><channel><item><title>\xd3\xaa\xc9\xcc</title>'
           b"<link>/a/1.html</link></item><item><guid>http://x.cn/a/2.html</guid></item>"
           b'<item><guid isPermaLink="false">tag:1</guid></item></channel></rss>')
    got = feed_entries(rss, "http://x.cn/feed.xml")
    assert [e.url for e in got] == ["http://x.cn/a/1.html", "http://x.cn/a/2.html"]
    assert got[0].title == "营商"
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>t</title>'
            b'<link rel="self" href="http://x.cn/self"/><link href="http://x.cn/a/3.html"/></entry></feed>')
    assert [e.url for e in feed_entries(atom, "http://x.cn/")] == ["http://x.cn/a/3.html"]
    rdf = (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">'
           b'<item rdf:about="http://x.cn/a/4.html"><title>t</title></item></rdf:RDF>')
    assert [e.url for e in feed_entries(rdf, "http://x.cn/")] == ["http://x.cn/a/4.html"]


def test_xml_entities_are_not_expanded():
    evil = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<rss><channel><item><title>&x;</title><link>http://x.cn/1.html</link></item></channel></rss>")
    got = feed_entries(evil, "http://x.cn/")
    assert got and "root:" not in (got[0].title or "")


def test_news_sitemap_index_and_gzip():
    index = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             b"<sitemap><loc>http://x.cn/news.xml</loc></sitemap></sitemapindex>")
    assert sitemap_entries(index, "http://x.cn/")[0] == "sitemapindex"
    news = ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>http://x.cn/1.html</loc>'
            "<news:news><news:publication_date>2024-03-05</news:publication_date><news:title>营商环境</news:title>"
            "</news:news></url></urlset>").encode()
    kind, entries = sitemap_entries(maybe_gunzip(gzip.compress(news)), "http://x.cn/")
    assert kind == "sitemap" and entries[0].url == "http://x.cn/1.html"
    assert entries[0].title == "营商环境" and entries[0].date == "2024-03-05"
    with pytest.raises(KindError):
        maybe_gunzip(b"\x1f\x8b\x08broken")


def test_json_list_with_paths_and_guessing():
    body = '{"data": {"list": [{"URL": "/c/1.htm", "TITLE": "一", "T": {"d": "2024"}}, {"TITLE": "no url"}]}}'.encode()
    got = json_entries(body, "http://www.gov.cn/x.json", JsonList(items="data.list", url="URL", title="TITLE", date="T.d"))
    assert [(e.url, e.title, e.date) for e in got] == [("http://www.gov.cn/c/1.htm", "一", "2024")]
    guessed = json_entries(b'[{"name": "a", "link": "http://www.gov.cn/c/2.htm", "pubDate": "2024-03-05"}]', "http://www.gov.cn/")
    assert guessed[0].url == "http://www.gov.cn/c/2.htm" and guessed[0].title == "a" and guessed[0].date == "2024-03-05"
    with pytest.raises(KindError, match="no key 'rows'"):
        json_entries(body, "http://x/", JsonList(items="data.rows", url="URL"))
    with pytest.raises(KindError, match="not valid JSON"):
        json_entries(b"{oops", "http://x/", None)


def test_blocked_reasons():
    assert "412" in blocked_reason(412, b"<script>$_ts=window['$_ts']</script>")
    assert blocked_reason(521, b"") is not None
    assert blocked_reason(403, b"<script>document.cookie='acw_sc__v2=1';location.reload()</script>") is not None
    assert blocked_reason(403, b"<h1>Forbidden</h1>") is None
    assert blocked_reason(404, b"<h1>Not found</h1>") is None
    assert blocked_reason(200, b"<html><script>var arg1='ABC';document.cookie='x'</script></html>") is not None
    assert blocked_reason(200, b"<html><a href='/x'>news</a> document.cookie=1</html>") is None


@pytest.mark.parametrize("value, expected", [
    (b"text/html; charset=GBK", "GBK"), ("text/html;charset='utf-8'", "utf-8"), (b"text/html", None), (None, None),
])
def test_header_charset(value, expected):
    assert header_charset(value) == expected


def test_json_list_configured_as_the_document_but_wrapped_in_an_object():
    body = '{"code": 0, "result": {"rows": [{"URL": "/c/9.htm", "TITLE": "t"}], "meta": [{"x": 1}]}}'.encode()
    got = json_entries(body, "http://www.gov.cn/", JsonList(items="", url="URL", title="TITLE"))
    assert [(e.url, e.title) for e in got] == [("http://www.gov.cn/c/9.htm", "t")]
    with pytest.raises(KindError, match="set json.items"):
        json_entries(b'{"a": [{"b": 1}]}', "http://x/", JsonList(items="", url="URL"))
