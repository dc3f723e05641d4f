"""A small Chinese government portal served on 127.0.0.1 for the crawler tests.

It has what real portals have and what trips crawlers: charsets declared wrongly or not at
all, a TRS JavaScript pager, feeds, a sitemap index with a news sitemap and a gzipped one, a
JSON list, robots.txt, broken, failing, hanging and redirected pages, an article linked
twice, navigation, share bars and "为你推荐" boxes, an anti-bot 412, and conditional GET.
Every request is logged so tests can say exactly what a crawl fetched.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from loopback import LoopbackSite

LAST_MODIFIED = "Tue, 05 Mar 2024 08:00:00 GMT"

NAV = ('<div class="nav"><a href="/">首页</a> <a href="/news/">要闻</a> <a href="/zwgk/">政务公开</a> '
       '<a href="/hdjl/">互动交流</a></div>')
SHARE = '<div class="share bdshare">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>'
FOOTER = '<div class="footer">主办单位：示例省人民政府办公厅　版权所有　网站标识码4200000001</div>'


def recommend_box() -> str:
    items = "".join(
        f'<li><a href="/news/202402/t2024020{i}_90{i}.html">推荐阅读：全省春季招商引资活动第{i}场成功举办</a></li>'
        for i in range(1, 6)
    )
    return f'<div class="tj"><h3>为你推荐</h3><ul>{items}</ul></div>'


class Article:
    def __init__(self, path: str, title: str, body: list[str], *, date: str, origin: str,
                 encoding: str = "utf-8", header_charset: str | None = "utf-8",
                 meta_charset: str | None = None):
        self.path = path
        self.title = title
        self.body = body
        self.date = date
        self.origin = origin
        self.encoding = encoding
        self.header_charset = header_charset
        self.meta_charset = meta_charset

    def html(self) -> str:
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={self.meta_charset}">' \
            if self.meta_charset else ""
        paras = "".join(f"<p>{p}</p>" for p in self.body)
        return (
            f"<!DOCTYPE html><html><head>{meta}<title>{self.title}_示例省人民政府门户网站</title></head><body>"
            f"{NAV}<div class=\"crumb\">当前位置：首页 &gt; 要闻</div>"
            f"<div class=\"article\"><h1>{self.title}</h1>"
            f"<div class=\"info\">发布时间：{self.date}　来源：{self.origin}</div>"
            f"{SHARE}<div class=\"TRS_Editor\">{paras}</div></div>"
            f"{recommend_box()}{FOOTER}</body></html>"
        )

    def payload(self) -> tuple[bytes, str]:
        ctype = "text/html" + (f"; charset={self.header_charset}" if self.header_charset else "")
        html = self.html()
        if self.encoding == "big5":  # a Taiwan/HK-style page: traditional characters throughout
            from pipeline.chinese import to_traditional

            html = to_traditional(html).replace("爲", "為")
        return html.encode(self.encoding, errors="xmlcharrefreplace"), ctype


def _paras(topic: str, n: int = 4) -> list[str]:
    base = [
        f"{topic}，是持续优化营商环境的重要举措。近日，省政府办公厅印发通知，部署进一步压缩企业开办时间、降低制度性交易成本等工作。",
        "通知明确，到年底前全面推行企业开办“一网通办”，办理时限压缩至一个工作日以内，并对涉企收费开展专项清理。",
        "各市州要建立营商环境投诉快速响应机制，对市场主体反映的问题做到件件有回音、事事有着落。",
        "省发展改革委有关负责同志表示，将把营商环境评价结果纳入高质量发展考核，推动政策落地见效。",
    ]
    return base[:n]


def build_articles() -> dict[str, Article]:
    arts = [
        Article("/news/202403/t20240305_1001.html", "我省出台优化营商环境三十条措施",
                _paras("我省出台优化营商环境三十条措施"), date="2024-03-05 09:30", origin="湖北日报",
                encoding="gbk", header_charset="gb2312", meta_charset="gb2312"),
        Article("/news/202403/t20240306_1002.html", "武汉市汉阳区推进政务服务“一网通办”",
                _paras("汉阳区推进政务服务“一网通办”"), date="2024-03-06 10:00", origin="长江日报",
                encoding="utf-8", header_charset="GBK"),
        Article("/news/202403/t20240307_1003.html", "湖南省優化營商環境條例正式施行",
                ["湖南省優化營商環境條例自三月一日起正式施行，條例共七章六十條，聚焦市場主體關切。",
                 "條例明確政務服務事項實行清單管理，推行告知承諾制，進一步壓減審批時限。",
                 "省人大常委會法工委負責人表示，條例的施行將為全省營商環境提供有力法治保障。"],
                date="2024-03-07 08:00", origin="湖南日報", encoding="big5", header_charset="utf-8"),
        Article("/news/202403/t20240308_1004.html", "江华瑶族自治县开展惠企政策宣讲活动",
                _paras("江华瑶族自治县开展惠企政策宣讲活动"), date="2024-03-08 15:20", origin="永州日报",
                encoding="gbk", header_charset=None),
        Article("/news/202403/t20240313_1006.html", "全省推行涉企经营许可事项清单管理",
                _paras("全省推行涉企经营许可事项清单管理"), date="2024-03-13 11:00", origin="省政务服务和大数据管理局"),
        Article("/news/202403/t20240314_1007.html", "第二页文章：开发区深化“放管服”改革",
                _paras("开发区深化“放管服”改革"), date="2024-03-14 09:00", origin="示例省人民政府网"),
        Article("/private/202403/t20240309_1005.html", "内部文章不应被抓取的页面标题",
                _paras("内部文章"), date="2024-03-09 09:00", origin="内部"),
        Article("/feeds/202403/t20240320_2001.html", "国务院常务会议研究部署优化营商环境工作",
                _paras("国务院常务会议研究部署优化营商环境工作"), date="2024-03-20 18:00", origin="新华社"),
        Article("/feeds/202403/t20240321_2002.html", "国家发展改革委发布营商环境创新试点成果",
                _paras("国家发展改革委发布营商环境创新试点成果"), date="2024-03-21 10:00", origin="国家发展改革委"),
        Article("/feeds/202403/t20240322_2003.html", "市场监管总局部署涉企违规收费整治",
                _paras("市场监管总局部署涉企违规收费整治"), date="2024-03-22 10:00", origin="市场监管总局"),
        Article("/sm/202403/t20240323_3001.html", "省政府新闻办举行营商环境专场发布会",
                _paras("省政府新闻办举行营商环境专场发布会"), date="2024-03-23 10:00", origin="省政府新闻办"),
        Article("/sm/202403/t20240324_3002.html", "自贸试验区再推二十项制度创新成果",
                _paras("自贸试验区再推二十项制度创新成果"), date="2024-03-24 10:00", origin="省商务厅"),
        Article("/zhengce/content/202403/content_9001.htm", "国务院办公厅关于进一步优化营商环境降低市场主体制度性交易成本的意见",
                _paras("国务院办公厅印发意见"), date="2024-03-25 16:00", origin="中国政府网"),
        Article("/zhengce/content/202403/content_9002.htm", "国务院关于取消和下放一批行政许可事项的决定",
                _paras("国务院决定取消和下放一批行政许可事项"), date="2024-03-26 16:00", origin="中国政府网"),
        Article("/news/202403/专题/t20240316_1009.html", "专题文章：链接里有中文的地址",
                _paras("专题报道"), date="2024-03-16 09:00", origin="示例省人民政府网"),
        # added between crawls by the incremental test
        Article("/news/202403/t20240330_1099.html", "新增文章：全省营商环境评价结果发布",
                _paras("全省营商环境评价结果发布"), date="2024-03-30 09:00", origin="湖北日报"),
    ]
    return {a.path: a for a in arts}


NEW_ARTICLE = "/news/202403/t20240330_1099.html"
GONE = "/news/202403/t20240310_1404.html"
FAILING = "/news/202403/t20240311_1500.html"
HANGING = "/news/202403/t20240312_1777.html"
MOVED = "/news/202403/t20240313_1005.html"
#: an article-shaped link that serves a PDF
PDF = "/news/202403/t20240315_1008.html"
#: linked raw, requested percent-encoded
CHINESE_PATH = "/news/202403/专题/t20240316_1009.html"


def _li(path: str, title: str, date: str = "2024-03-05") -> str:
    return f'<li><a href="{path}" target="_blank" title="{title}">{title}</a><span>{date}</span></li>'


class Portal(LoopbackSite):
    """Serve the portal; ``requests`` logs (method, path, headers) of every request."""

    def __init__(self):
        self.articles = build_articles()
        #: (method, path with query, headers, monotonic time) of every request
        self.requests: list[tuple[str, str, dict, float]] = []
        self.show_new_article = False
        #: more robots.txt lines (a test's Crawl-delay)
        self.robots_extra = b""
        #: body of /custom/, a listing a test writes itself
        self.custom = b"<html></html>"
        #: requests being answered right now, and the most there ever were at once
        self.in_flight = 0
        self.max_in_flight = 0
        self.hang_seconds = 20.0
        #: delay before every answer (to observe concurrency)
        self.slow_seconds = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        portal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                counted = unquote(urlsplit(self.path).path) != HANGING  # hangers outlive their test
                with portal._lock:
                    portal.requests.append(("GET", self.path, dict(self.headers), time.monotonic()))
                    if counted:
                        portal.in_flight += 1
                        portal.max_in_flight = max(portal.max_in_flight, portal.in_flight)
                try:
                    if portal.slow_seconds:
                        time.sleep(portal.slow_seconds)
                    portal.handle(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    if counted:
                        with portal._lock:
                            portal.in_flight -= 1

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # the default 5 drops SYNs when a crawl opens 16 connections

            def handle_error(self, request, client_address):  # clients hanging up are expected
                pass

        self.serve(Handler, Server)

    def __exit__(self, *exc):
        self._stop.set()  # hanging answers end now
        super().__exit__(*exc)

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def paths(self) -> list[str]:
        with self._lock:
            return [unquote(urlsplit(r[1]).path) for r in self.requests]

    def times(self, path: str) -> list[float]:
        with self._lock:
            return [r[3] for r in self.requests if unquote(urlsplit(r[1]).path) == path]

    def headers_of(self, path: str) -> list[dict]:
        with self._lock:
            return [r[2] for r in self.requests if unquote(urlsplit(r[1]).path) == path]

    # --- responses ------------------------------------------------------------------------

    def _send(self, h, status: int, body: bytes, ctype: str, *, conditional: bool = False, extra=None):
        headers = dict(extra or {})
        if conditional:
            etag = '"' + hashlib.md5(body).hexdigest()[:16] + '"'
            headers["ETag"] = etag
            headers["Last-Modified"] = LAST_MODIFIED
            if h.headers.get("If-None-Match") == etag:
                status, body = 304, b""
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        if status != 304:
            h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if body:
            h.wfile.write(body)

    def listing_page(self, page: int) -> bytes:
        a = self.articles
        if page == 0:
            items = [
                _li("/news/202403/t20240305_1001.html", a["/news/202403/t20240305_1001.html"].title),
                _li("/news/202403/t20240306_1002.html", a["/news/202403/t20240306_1002.html"].title),
                _li("/news/202403/t20240307_1003.html", "湖南省优化营商环境条例正式施行"),
                _li("/news/202403/t20240308_1004.html", a["/news/202403/t20240308_1004.html"].title),
                _li("/private/202403/t20240309_1005.html", a["/private/202403/t20240309_1005.html"].title),
                _li("/news/202403/t20240310_1404.html", "这篇文章已经被删除了的标题"),
                _li("/news/202403/t20240311_1500.html", "服务器出错的文章标题示例"),
                _li("/news/202403/t20240312_1777.html", "永远不会响应的文章标题示例"),
                _li("/news/202403/t20240313_1005.html", "已迁移地址的文章会被重定向"),
            ]
            if self.show_new_article:
                items.insert(0, _li(NEW_ARTICLE, self.articles[NEW_ARTICLE].title))
            # the same article again, in a headline box and with a tracking parameter
            head = (f'<div class="focus"><a href="/news/202403/t20240305_1001.html?utm_source=home">'
                    f'{a["/news/202403/t20240305_1001.html"].title}</a></div>')
            pager = '<script>createPageHTML(2, 0, "index", "html");</script>'
        else:
            items = [_li("/news/202403/t20240314_1007.html", a["/news/202403/t20240314_1007.html"].title),
                     _li("/news/202403/t20240305_1001.html", a["/news/202403/t20240305_1001.html"].title),
                     _li(PDF, "关于印发实施方案的通知（附件下载）"),
                     _li(CHINESE_PATH, a[CHINESE_PATH].title)]
            head = ""
            pager = '<script>createPageHTML(2, 1, "index", "html");</script>'
        html = (
            '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            "<title>要闻_示例省人民政府门户网站</title></head><body>"
            f"{NAV}{head}<div class=\"list\"><ul>{''.join(items)}</ul></div>{pager}"
            f"{recommend_box()}{FOOTER}</body></html>"
        )
        return html.encode("gbk")

    def feed(self, atom: bool) -> bytes:
        paths = ["/feeds/202403/t20240320_2001.html", "/feeds/202403/t20240321_2002.html",
                 "/news/202403/t20240305_1001.html"]
        if atom:
            paths = ["/feeds/202403/t20240322_2003.html", "/feeds/202403/t20240321_2002.html"]
            entries = "".join(
                f"<entry><title>{self.articles[p].title}</title><link rel=\"alternate\" href=\"{self.base}{p}\"/>"
                f"<id>{self.base}{p}</id><updated>2024-03-22T10:00:00+08:00</updated></entry>"
                for p in paths
            )
            return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                    f"<title>示例</title>{entries}</feed>").encode("utf-8")
        items = "".join(
            f"<item><title>{self.articles[p].title}</title><link>{self.base}{p}</link>"
            f"<pubDate>Wed, 20 Mar 2024 10:00:00 +0800</pubDate></item>"
            for p in paths
        )
        return ('<?xml version="1.0" encoding="gb2312"?><rss version="2.0"><channel><title>示例</title>'
                f"{items}</channel></rss>").encode("gbk")

    def sitemap(self, name: str) -> bytes:
        if name == "index":
            return ('<?xml version="1.0" encoding="UTF-8"?>'
                    '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<sitemap><loc>{self.base}/sitemap-news.xml</loc></sitemap>"
                    f"<sitemap><loc>{self.base}/sitemap-old.xml.gz</loc></sitemap>"
                    "</sitemapindex>").encode()
        if name == "news":
            p = "/sm/202403/t20240323_3001.html"
            return ('<?xml version="1.0" encoding="UTF-8"?>'
                    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                    'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
                    f"<url><loc>{self.base}{p}</loc><news:news><news:publication>"
                    "<news:name>示例</news:name><news:language>zh</news:language></news:publication>"
                    "<news:publication_date>2024-03-23T10:00:00+08:00</news:publication_date>"
                    f"<news:title>{self.articles[p].title}</news:title></news:news></url>"
                    "</urlset>").encode()
        p = "/sm/202403/t20240324_3002.html"
        xml = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               f"<url><loc>{self.base}{p}</loc><lastmod>2024-03-24</lastmod></url></urlset>").encode()
        return gzip.compress(xml)

    def json_list(self) -> bytes:
        import json

        items = [
            {"TITLE": self.articles[p].title, "URL": p, "DOCRELPUBTIME": self.articles[p].date}
            for p in ("/zhengce/content/202403/content_9001.htm", "/zhengce/content/202403/content_9002.htm")
        ]
        return json.dumps({"code": 200, "data": {"total": 2, "list": items}}, ensure_ascii=False).encode()

    def handle(self, h) -> None:
        path = unquote(urlsplit(h.path).path)
        if path == "/robots.txt":
            robots = b"User-agent: *\nDisallow: /private/\n" + self.robots_extra
            return self._send(h, 200, robots, "text/plain")
        if path in ("/news/", "/news/index.html"):
            return self._send(h, 200, self.listing_page(0), "text/html; charset=gb2312", conditional=True)
        if path == "/news/index_1.html":
            return self._send(h, 200, self.listing_page(1), "text/html; charset=gb2312", conditional=True)
        if path == "/custom/":
            return self._send(h, 200, self.custom, "text/html; charset=utf-8", conditional=True)
        if path == "/feed.xml":
            return self._send(h, 200, self.feed(False), "application/rss+xml", conditional=True)
        if path == "/atom.xml":
            return self._send(h, 200, self.feed(True), "application/atom+xml", conditional=True)
        if path == "/sitemap_index.xml":
            return self._send(h, 200, self.sitemap("index"), "application/xml", conditional=True)
        if path == "/sitemap-news.xml":
            return self._send(h, 200, self.sitemap("news"), "application/xml", conditional=True)
        if path == "/sitemap-old.xml.gz":
            return self._send(h, 200, self.sitemap("old"), "application/octet-stream", conditional=True)
        if path == "/api/list.json":
            return self._send(h, 200, self.json_list(), "application/json", conditional=True)
        if path.startswith("/blocked/"):
            body = b"<html><head><script>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=1234;</script></head></html>"
            return self._send(h, 412, body, "text/html")
        if path == "/news/202403/t20240311_1500.html":
            return self._send(h, 500, b"<h1>500 Internal Server Error</h1>", "text/html")
        if path == "/news/202403/t20240312_1777.html":
            self._stop.wait(self.hang_seconds)
            return None
        if path == PDF:
            return self._send(h, 200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", "application/pdf")
        if path == "/news/202403/t20240313_1005.html":
            return self._send(h, 301, b"", "text/html", extra={"Location": "/news/202403/t20240313_1006.html"})
        article = self.articles.get(path)
        if article is not None and (path != NEW_ARTICLE or self.show_new_article):
            body, ctype = article.payload()
            return self._send(h, 200, body, ctype, conditional=True)
        return self._send(h, 404, b"<h1>404 Not Found</h1>", "text/html")


def wait_until(predicate, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False
