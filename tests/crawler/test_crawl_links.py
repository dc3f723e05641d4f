"""Listing-page heuristics: article links, navigation/recommendation boxes, pagination."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawler.links import article_links, host_allowed, next_page, parse_html, site_of

BASE = "http://www.hubei.gov.cn/zwgk/hbyw/hbywqb/"


def links(html: str, url: str = BASE, pattern=None) -> list[str]:
    doc = parse_html(html, url)
    sites = [site_of(urlsplit(url).hostname)]
    return [link.url for link in article_links(doc, url, sites=sites, pattern=pattern)]


LISTING = """<html><body>
<div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/202403/t20240301_1.shtml">关于我们的栏目介绍页</a></div>
<ul class="list">
  <li><a href="./202403/t20240305_5123456.shtml">省政府常务会议研究部署优化营商环境工作</a><span>2024-03-05</span></li>
  <li><a href="./202403/t20240304_5123400.shtml" title="全省一季度经济运行情况新闻发布会">全省一季度经济运行...</a></li>
  <li><a href="http://www.hubei.gov.cn/xxgk/gsgg/202403/t20240303_5123300.shtml">关于公开征求意见的公告全文</a></li>
  <li><a href="https://news.other-site.com/202403/t20240302_1.html">外站文章标题也很长很长的</a></li>
  <li><a href="/files/202403/P020240301.pdf">附件下载：申报表格</a></li>
  <li><a href="javascript:void(0)">打开一个弹窗的链接文字</a></li>
</ul>
<div class="share">分享到：<a href="/202403/t20240305_5123999.shtml">微信朋友圈分享</a></div>
<div class="tj"><h3>为你推荐</h3><ul><li><a href="/202402/t20240201_5000001.shtml">推荐阅读：春季招商引资活动</a></li></ul></div>
<footer><a href="/202401/t20240101_1.shtml">网站地图网站地图</a></footer>
</body></html>"""


def test_article_links_by_url_shape_and_title_length():
    assert links(LISTING) == [
        "http://www.hubei.gov.cn/zwgk/hbyw/hbywqb/202403/t20240305_5123456.shtml",
        "http://www.hubei.gov.cn/zwgk/hbyw/hbywqb/202403/t20240304_5123400.shtml",
        "http://www.hubei.gov.cn/xxgk/gsgg/202403/t20240303_5123300.shtml",
    ]


def test_regex_overrides_shape_but_not_navigation():
    got = links(LISTING, pattern=re.compile(r"/xxgk/"))
    assert got == ["http://www.hubei.gov.cn/xxgk/gsgg/202403/t20240303_5123300.shtml"]


def test_list_of_long_titles_without_article_shaped_urls():
    items = "".join(f'<li><a href="/news/show.php?item=abc{i}">第{i}条：区政务服务中心推出延时服务新举措</a></li>' for i in range(5))
    html = f'<ul>{items}</ul><p><a href="/about.html">关于本网站的一段很长的说明文字</a></p>'
    got = links(html, "http://www.hanyang.gov.cn/zwgk/")
    assert len(got) == 5 and all("show.php" in u for u in got)


def test_common_chinese_cms_url_shapes():
    html = "".join(f'<p><a href="{u}">这是一篇正常新闻的标题文字</a></p>' for u in [
        "/zhengce/content/202403/content_6940000.htm",
        "/jh/zwdt/202403/0f1e2d3c4b5a69788796a5b4c3d2e1f0.shtml",
        "/html/2024-03/05/content_12345.htm",
        "/art/2024/3/5/art_1229_4567.html",
    ])
    assert len(links(html, "http://www.hubei.gov.cn/")) == 4
    nav = html.replace("这是一篇正常新闻的标题文字", "首页")  # same URLs, navigation-length text
    assert links(nav, "http://www.hubei.gov.cn/") == []


def test_base_href_is_honoured():
    html = '<head><base href="http://www.hubei.gov.cn/a/b/"></head><ul><li><a href="202403/t20240305_1.shtml">一篇足够长的新闻标题</a></li></ul>'
    assert links(html, "http://www.hubei.gov.cn/x/") == ["http://www.hubei.gov.cn/a/b/202403/t20240305_1.shtml"]


def test_next_page_by_link_text():
    html = '<div class="page"><a href="index_1.shtml">1</a><a href="index_2.shtml">下一页</a></div>'
    doc = parse_html(html, "http://www.hubei.gov.cn/zwgk/index_1.shtml")
    assert next_page(doc, html, "http://www.hubei.gov.cn/zwgk/index_1.shtml", sites=["hubei.gov.cn"]) == \
        "http://www.hubei.gov.cn/zwgk/index_2.shtml"
    html = '<a href="list_3.html">下頁</a>'
    doc = parse_html(html, "http://www.hubei.gov.cn/zwgk/list_2.html")
    assert next_page(doc, html, "http://www.hubei.gov.cn/zwgk/list_2.html", sites=["hubei.gov.cn"]).endswith("list_3.html")


def test_next_page_from_the_trs_javascript_pager():
    html = '<ul></ul><script>createPageHTML(5, 0, "index", "shtml");</script>'
    url = "http://www.hubei.gov.cn/zwgk/hbyw/"
    assert next_page(parse_html(html, url), html, url, sites=["hubei.gov.cn"]) == url + "index_1.shtml"
    html = '<script>createPageHTML(5, 4, "index", "shtml");</script>'
    assert next_page(parse_html(html, url + "index_4.shtml"), html, url + "index_4.shtml", sites=["hubei.gov.cn"]) is None


def test_next_page_from_file_names_the_page_mentions():
    # hunan: index.html then index_2.html (no page 1)
    html = '<div id="page"><span>共5页</span><a href="index_2.html">2</a><a href="index_3.html">3</a></div>'
    url = "http://www.hunan.gov.cn/hnszf/hnyw/zwdt/index.html"
    assert next_page(parse_html(html, url), html, url, sites=["hunan.gov.cn"]).endswith("/zwdt/index_2.html")
    url3 = url.replace("index.html", "index_3.html")
    html3 = '<a href="index_2.html">2</a><a href="index_4.html">4</a>'
    assert next_page(parse_html(html3, url3), html3, url3, sites=["hunan.gov.cn"]).endswith("index_4.html")


def test_no_next_page_on_a_single_page():
    html = "<ul><li><a href='/202403/t20240305_1.shtml'>一篇足够长的新闻标题</a></li></ul>"
    assert next_page(parse_html(html, BASE), html, BASE, sites=["hubei.gov.cn"]) is None


def test_sites_and_hosts():
    assert site_of("www.hubei.gov.cn") == "hubei.gov.cn"
    assert site_of("news.cjn.cn") == "cjn.cn"
    assert site_of("www.gov.cn") == "www.gov.cn"  # not every *.gov.cn
    assert site_of("127.0.0.1") == "127.0.0.1"
    assert host_allowed("http://cjrb.cjn.cn/html/2024-03/05/content_1.htm", ["cjn.cn"])
    assert not host_allowed("http://www.hunan.gov.cn/x.html", ["www.gov.cn"])
    assert not host_allowed("http://evilcjn.cn/x.html", ["cjn.cn"])


def test_garbage_and_empty_pages_give_no_links():
    assert links("") == []
    assert links("\x00\x01 not html at all") == []


def test_next_page_from_the_newer_trs_pager_with_a_div_id():
    url = "http://www.ndrc.gov.cn/xxgk/zcfb/tz/"
    html = "<script>createPageHTML('page_div', 25, 1, 'index', 'html', 500);</script>"
    assert next_page(parse_html(html, url), html, url, sites=["ndrc.gov.cn"]) == url + "index_1.html"
    html = "<script>createPageHTML('page_div', 25, 25, 'index', 'html', 500);</script>"
    assert next_page(parse_html(html, url + "index_24.html"), html, url + "index_24.html", sites=["ndrc.gov.cn"]) is None


def test_an_xhtml_listing_with_an_xml_declaration_and_stray_controls_is_read():
    html = ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html xmlns="http://www.w3.org/1999/xhtml">'
            "<body>\x0b" + LISTING.split("<body>", 1)[1])
    assert links(html) == links(LISTING) and len(links(LISTING)) == 3


JCMS = "http://www.jiangsu.gov.cn/col/col76841/index.html"
PROXY = "http://www.jiangsu.gov.cn/module/web/jpage/dataproxy.jsp"


def _datastore(records: list[str], nextgroup: str = '<a href="/module/web/jpage/dataproxy.jsp?page=1&amp;columnid=76841&amp;unitid=297589"></a>') -> str:
    body = "".join(f"<record><![CDATA[\n{r}]]></record>\n" for r in records)
    return f"<datastore><nextgroup><![CDATA[{nextgroup}]]></nextgroup><recordset>{body}</recordset></datastore>"


def test_a_hanweb_column_page_lists_the_records_of_its_datastore():
    rows = [f"<li><a href='/art/2024/3/{d}/art_76841_{d}.html' title='標題'>關於優化營商環境的第{d}號通知</a><span>2024-03-0{d}</span></li>"
            for d in (6, 5, 4)]
    html = (f'<html><body><div class="nav"><a href="/">首页</a></div><div id="297589"><script type="text/xml">'
            f"{_datastore(rows)}</script></div><script>var a = 1;</script></body></html>")
    assert links(html, JCMS) == [f"http://www.jiangsu.gov.cn/art/2024/3/{d}/art_76841_{d}.html" for d in (6, 5, 4)]
    assert next_page(parse_html(html, JCMS), html, JCMS, sites=["jiangsu.gov.cn"]) == \
        PROXY + "?page=1&columnid=76841&unitid=297589"


def test_a_dataproxy_answer_of_table_rows_is_a_listing_and_an_empty_one_its_end():
    rows = [f"<tr><td><img src='/dot.gif'></td><td><a href='/art/2017/4/2{n}/art_31685_245199{n}.html' title='t'>"
            f"南通市公安局交警支队空调设备询价第{n}批</a></td><td>2017-04-2{n}</td></tr>" for n in range(5)]
    answer = '<?xml version="1.0" encoding="UTF-8"?>\n' + _datastore(
        rows, '<a href="/module/web/jpage/dataproxy.jsp?page=2&amp;columnid=76841"></a>')
    here = PROXY + "?page=1&columnid=76841"
    assert len(links(answer, here)) == 5
    assert next_page(parse_html(answer, here), answer, here, sites=["jiangsu.gov.cn"]) == PROXY + "?page=2&columnid=76841"
    # past the last group: no records, and the next group it still names is not followed
    empty = '<?xml version="1.0" encoding="UTF-8"?>\n' + _datastore([])
    assert links(empty, here) == []
    assert next_page(parse_html(empty, here), empty, here, sites=["jiangsu.gov.cn"]) is None
    # an unterminated CDATA (a truncated answer) reads as what it holds, not as an error
    assert links(answer[: answer.index("2451990")], here) == []
