"""Fixture portals for the daemon tests and bench: a city and a provincial site on one
127.0.0.1 server, whose articles the test adds while the daemon runs.

Each site has a listing page (/<site>/list.html, newest first) and article pages
(/<site>/YYYYMM/tYYYYMMDD_N.html) laid out like a TRS government portal, with its own
boilerplate, so a release reposted on both sites is a near-duplicate, not a copy.
"""

from __future__ import annotations

import html
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BEIJING = timezone(timedelta(hours=8))

SITES = {
    "city": ("示例市人民政府", "traditional"),
    "prov": ("示例省人民政府", "simplified"),
    "county": ("示例县人民政府", "simplified"),
    "town": ("示例镇人民政府", "traditional"),
}

RELEASE = [
    "为进一步优化营商环境，市人民政府近日印发《优化营商环境三年行动方案》，提出到2025年企业开办时间压缩至1个工作日以内。",
    "方案明确了政务服务、市场监管、要素保障等五个方面二十项重点任务，要求各区各部门对照任务清单逐项抓好落实。",
    "市发展改革委有关负责人表示，将建立营商环境投诉快速响应机制，对市场主体反映的问题做到件件有回音。",
]
FILLER = [
    "记者从市统计局获悉，今年前两个月全市规模以上工业增加值同比增长{n}%，其中高技术制造业增长较快。",
    "全市春季植树活动{n}日启动，各区将新增绿地面积，市民可通过线上平台预约参加义务植树。",
    "市文化和旅游局发布消息，第{n}届读书节将于下月开幕，期间将举办讲座、展览等活动百余场。",
]


class Page:
    def __init__(self, site: str, n: int, title: str, paras: list[str], published: datetime):
        self.site, self.n, self.title, self.paras, self.published = site, n, title, paras, published

    @property
    def path(self) -> str:
        d = self.published
        return f"/{self.site}/{d:%Y%m}/t{d:%Y%m%d}_{self.n}.html"

    def html(self) -> str:
        portal, script = SITES[self.site]
        title, paras = self.title, self.paras
        if script == "traditional":
            from pipeline.chinese import to_traditional

            title, paras, portal = to_traditional(title), [to_traditional(p) for p in paras], to_traditional(portal)
        body = "".join(f"<p>{html.escape(p)}</p>" for p in paras)
        return (
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}_{portal}</title></head>"
            f"<body><div class='nav'><a href='/{self.site}/list.html'>首页</a> 政务公开 互动交流</div>"
            f"<div class='article'><h1>{html.escape(title)}</h1>"
            f"<div class='info'>发布时间：{self.published:%Y-%m-%d %H:%M}　来源：{portal}</div>"
            f"<div class='TRS_Editor'>{body}</div></div>"
            f"<div class='footer'>主办单位：{portal}办公室　网站标识码{abs(hash(self.site)) % 10**10}</div>"
            f"</body></html>"
        )


class Portals:
    def __init__(self, sites=("city", "prov")):
        self.sites = tuple(sites)
        self.pages: dict[str, Page] = {}
        self.lock = threading.Lock()
        self.counter = 1000
        self.requests = 0
        #: seconds each article page takes to answer (to catch a crawl in the middle)
        self.article_delay = 0.0
        #: seconds each listing page takes (to make every crawl overrun its interval)
        self.listing_delay = 0.0
        #: article paths served so far
        self.served: list[str] = []
        portals = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                path = self.path.split("?")[0]
                with portals.lock:
                    portals.requests += 1
                    is_article = path in portals.pages
                if is_article and portals.article_delay:
                    time.sleep(portals.article_delay)
                elif path.endswith("/list.html") and portals.listing_delay:
                    time.sleep(portals.listing_delay)
                body, status = portals.render(path)
                if is_article:
                    with portals.lock:
                        portals.served.append(path)
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def render(self, path: str) -> tuple[str, int]:
        with self.lock:
            for site in self.sites:
                if path == f"/{site}/list.html":
                    items = sorted((p for p in self.pages.values() if p.site == site),
                                   key=lambda p: p.published, reverse=True)[:30]
                    lis = "".join(
                        f"<li><a href='{p.path}'>{html.escape(p.title)}</a><span>{p.published:%Y-%m-%d}</span></li>"
                        for p in items
                    )
                    return (f"<html><head><meta charset='utf-8'><title>要闻</title></head><body>"
                            f"<ul class='list'>{lis}</ul></body></html>"), 200
            page = self.pages.get(path)
            if page:
                return page.html(), 200
        return "<html><body>404</body></html>", 404

    def publish(self, site: str, title: str, paras: list[str], *, minutes_ago: float = 0.0) -> Page:
        with self.lock:
            self.counter += 1
            page = Page(site, self.counter, title, paras,
                        datetime.now(BEIJING).replace(microsecond=0) - timedelta(minutes=minutes_ago))
            self.pages[page.path] = page
            return page

    def publish_filler(self, site: str, i: int) -> Page:
        text = FILLER[i % len(FILLER)].format(n=i + 3)
        return self.publish(site, text[:18], [text, FILLER[(i + 1) % len(FILLER)].format(n=i + 7)], minutes_ago=60)

    def sources_yaml(self, every: str = "2s") -> str:
        out = ["sources:"]
        for site in self.sites:
            out += [
                f"  - name: {site}",
                f"    title: {SITES[site][0]}",
                f"    urls: ['{self.base}/{site}/list.html']",
                f"    every: {every}",
                f"    article_urls: '/{site}/\\d{{6}}/t\\d{{8}}_\\d+\\.html$'",
                "    max_pages: 1",
            ]
        return "\n".join(out) + "\n"


def write_config(folder, portals: Portals, hook_url: str, every: str = "2s", retry_base: str = "0.5s") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sources.yaml").write_text(portals.sources_yaml(every), encoding="utf-8")
    (folder / "settings.yaml").write_text("crawl:\n  polite: false\n  retries: 0\n  download_timeout: 5\n",
                                          encoding="utf-8")
    (folder / "alerts.yaml").write_text(
        "default_rule: false\n"
        f"channels:\n  newsroom: {{type: webhook, url: '{hook_url}'}}\n"
        "rules:\n"
        "  - name: reform\n"
        "    query: '營商環境 AND (印發 OR 出台 OR 實施 OR 方案 OR 條例)'\n"
        "    notify: [newsroom]\n"
        "silence:\n  after: 1000\n"
        f"delivery:\n  retry_base: {retry_base}\n  retry_max: 2s\n",
        encoding="utf-8",
    )


#: distinct reform announcements (different stories), each matching the reform rules
RELEASES = [
    RELEASE,
    [
        "省政府办公厅日前出台《关于进一步优化营商环境降低市场主体制度性交易成本的实施意见》，从破除区域分割和地方保护入手。",
        "意见提出，全面清理妨碍统一市场和公平竞争的政策措施，严禁在招标投标中设置不合理条件限制外地企业参与。",
        "在涉企收费方面，意见要求建立收费目录清单制度，清单之外一律不得收取，并开展涉企违规收费专项整治。",
    ],
    [
        "《示例省优化营商环境条例》经省人大常委会审议通过，将于今年七月一日起正式实施，条例共八章七十二条。",
        "条例规定，政务服务事项全部纳入一体化平台办理，实行告知承诺制的审批事项不得要求申请人提交承诺以外的材料。",
        "条例还明确了法治保障专章，对行政执法中的自由裁量权作出细化规定，推行包容审慎监管和轻微违法不罚清单。",
    ],
    [
        "市场监管局印发《市场主体登记便利化改革实施方案》，推出住所申报承诺制、经营范围自主选择等九项举措。",
        "方案实施后，个体工商户可通过手机全程办理设立登记，营业执照电子化发放，办理时间由三天缩短为即时办结。",
        "该局有关负责人表示，改革旨在降低创业门槛，激发市场主体活力，持续打造市场化法治化国际化营商环境。",
    ],
]
