"""Crawl throughput: `newsmon crawl` (politeness off) next to a bare Scrapy spider.

Serves 2,000 generated Chinese articles and a sitemap listing them on 127.0.0.1 (in its own
process), then in the same run:

1. a bare Scrapy spider fetches the sitemap and every article, doing nothing with them;
2. `newsmon crawl --no-polite` crawls the same sitemap into a fresh data dir: decode,
   extract, repair, normalise, story sketch, store, mark seen (once in the crawl's storing
   thread, once in `crawl.workers` processes beside the crawler);
3. `newsmon crawl` again on the same data dir: the incremental case (a 304 and no article).

Pages/s are pages over the time from spider open to spider close (process start-up is
printed apart). Usage: `.venv/bin/python bench/crawl.py [--articles 2000] [--workers 2]`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
NEWSMON = REPO / ".venv" / "bin" / "newsmon"

WORDS = (
    "政府 企业 市场 主体 服务 改革 创新 发展 经济 政策 措施 项目 投资 建设 管理 监管 审批 办理 时限 压缩 "
    "优化 提升 推进 落实 部署 会议 通知 方案 意见 规定 条例 制度 机制 平台 数据 信息 系统 网络 工程 园区 "
    "产业 工业 农业 科技 人才 资金 金融 税收 费用 成本 效率 质量 安全 环境 生态 城市 乡村 社区 街道 区县 "
    "省级 市级 部门 单位 窗口 群众 社会 公共 基础 设施 交通 物流 港口 口岸 贸易 外资 开放 合作 协调 统筹 "
    "全面 深化 加快 持续 稳步 积极 主动 精准 高效 便捷 透明 公平 公正 依法 规范 标准 清单 事项 材料 证照 "
    "登记 注册 许可 备案 核准 验收 检查 执法 信用 评价 考核 督查 整改 问题 投诉 诉求 回应 满意 获得 感受 "
    "民营 中小 个体 工商 商户 融资 贷款 担保 补贴 奖励 减免 退税 缓缴 用地 用电 用水 用气 报装 接入 电子 "
    "一网 通办 跨省 联办 就近 马上 网上 掌上 自助 智能 数字 政务 营商 环境 法治 保障 要素 供给 需求 消费"
).split()


def article_text(i: int) -> list[str]:
    """Eight paragraphs of news-like word salad, distinct per article (a real site's articles
    differ; identical stock text would make every article a near-duplicate of every other)."""
    import random

    rng = random.Random(i)
    paras = []
    for _ in range(8):
        sentences = []
        for _ in range(rng.randint(2, 4)):
            words = rng.choices(WORDS, k=rng.randint(10, 18))
            sentences.append("".join(words) + rng.choice("，；。") + f"{rng.randint(1, 99)}项")
        paras.append("".join(sentences) + "。")
    return paras


def article_html(i: int) -> bytes:
    day = 1 + i % 28
    paras = "".join(f"<p>{p}</p>" for p in article_text(i))
    rec = "".join(f'<li><a href="/a/{(i + k) % 2000}.html">推荐阅读：相关新闻标题第{k}条</a></li>' for k in range(1, 6))
    html = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>示例市推出优化营商环境措施（之{i}）_示例市人民政府</title></head><body>"
        '<div class="nav"><a href="/">首页</a><a href="/news/">要闻</a><a href="/zwgk/">政务公开</a></div>'
        f'<div class="article"><h1>示例市推出优化营商环境措施（之{i}）</h1>'
        f'<div class="info">发布时间：2024-03-{day:02d} 10:00　来源：示例日报</div>'
        f'<div class="content">{paras}</div></div>'
        f'<div class="share">分享到：微信 微博</div><div class="tj"><h3>为你推荐</h3><ul>{rec}</ul></div>'
        '<div class="footer">版权所有：示例市人民政府办公室</div></body></html>'
    )
    return html.encode("utf-8")


def serve(n: int, port_file: str) -> None:
    """The loopback site, in its own process so it does not share a GIL with the crawlers."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    pages = {f"/a/{i}.html": article_html(i) for i in range(n)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes

        def log_message(self, *a):
            pass

        def do_GET(self):
            path = self.path.split("?")[0]
            if path == "/robots.txt":
                body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
            elif path == "/sitemap.xml":
                host = self.headers.get("Host")
                locs = "".join(f"<url><loc>http://{host}/a/{i}.html</loc></url>" for i in range(n))
                body = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                        f'sitemap/0.9">{locs}</urlset>').encode()
                ctype = "application/xml"
                etag = '"sitemap-v1"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            elif path in pages:
                body, ctype = pages[path], "text/html; charset=utf-8"
            else:
                body, ctype = b"not found", "text/plain"
                self.send_response(404)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            if path == "/sitemap.xml":
                self.send_header("ETag", '"sitemap-v1"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

        def handle_error(self, request, client_address):
            pass

    server = Server(("127.0.0.1", 0), Handler)
    Path(port_file).write_text(str(server.server_address[1]))
    server.serve_forever()


def bare(sitemap_url: str) -> None:
    """A bare Scrapy spider: the sitemap, then every URL in it; no processing at all."""
    import scrapy
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.sitemap import Sitemap

    times = {}

    class Bare(scrapy.Spider):
        name = "bare"
        pages = 0

        @classmethod
        def from_crawler(cls, crawler, *a, **kw):
            spider = super().from_crawler(crawler, *a, **kw)
            crawler.signals.connect(spider.opened, signal=signals.spider_opened)
            crawler.signals.connect(spider.closed_, signal=signals.spider_closed)
            return spider

        def opened(self, spider):
            times["open"] = time.perf_counter()

        def closed_(self, spider, reason):
            times["close"] = time.perf_counter()

        async def start(self):
            yield scrapy.Request(sitemap_url, callback=self.parse_sitemap)

        def parse_sitemap(self, response):
            Bare.pages += 1
            for entry in Sitemap(response.body):
                yield scrapy.Request(entry["loc"], callback=self.parse_page)

        def parse_page(self, response):
            Bare.pages += 1
            return None

    from crawler.options import CrawlOptions
    from crawler.settings import build_settings

    ours = build_settings(CrawlOptions(), polite=False)
    settings = {k: ours[k] for k in ("CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "ROBOTSTXT_OBEY",
                                     "USER_AGENT", "AUTOTHROTTLE_ENABLED", "DOWNLOAD_DELAY")}
    settings.update({"LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False})
    process = CrawlerProcess(settings)
    process.crawl(Bare)
    process.start()
    print(json.dumps({"pages": Bare.pages, "seconds": times["close"] - times["open"]}))


def crawler_only(sitemap_url: str, data_dir: str) -> None:
    """newsmon's spider, seen-URL store and item pipeline with the processing chain and the
    store replaced by nothing: what the crawler itself costs next to bare Scrapy."""
    from crawler import pipelines, run
    from crawler.options import CrawlOptions
    from pipeline import crawlstate
    from pipeline.sources import parse_sources

    async def no_processing(self, item):
        spider = self.crawler.spider
        spider.tally.new += 1
        crawlstate.mark_seen(spider.rt.state, item["url"], spider.source.name, when=item["fetched_at"])
        return {"url": item["url"]}

    pipelines.StorePipeline.process_item = no_processing
    sources = parse_sources({"sources": [{"name": "bench", "urls": [sitemap_url]}]}, Path("bench"))
    state = crawlstate.open_crawlstate(Path(data_dir))
    tally = run.run_crawl(sources, store=None, state=state, lexicon=None, data_dir=Path(data_dir),
                          options=CrawlOptions(polite=False), polite=False)[0]
    print(json.dumps({"pages": tally.pages, "seconds": tally.seconds}))


def run_self(what: str, *args: str) -> tuple[dict, float]:
    """This script in a child process (one mode of it); its last line of output, as JSON,
    and the child's wall time."""
    t = time.perf_counter()
    out = subprocess.run([PY, __file__, *args], capture_output=True, text=True, cwd=str(REPO))
    wall = time.perf_counter() - t
    if out.returncode != 0:
        sys.exit(f"{what} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1]), wall


def run_newsmon(config: Path, data: Path) -> tuple[dict, float]:
    t = time.perf_counter()
    proc = subprocess.run([str(NEWSMON), "--config", str(config), "--data-dir", str(data), "crawl", "--json",
                           "--no-polite"], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"newsmon crawl failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)["sources"][0], wall


def chain_cpu(data_dir: Path, n: int = 300) -> None:
    """CPU time per article of the processing chain, the story sketch and the store, in this
    process and split as the crawl splits them: a figure that holds still when other jobs
    share the cores (the pages/s above do not)."""
    sys.path.insert(0, str(REPO))
    from crawler.pipelines import BATCH
    from pipeline.paths import default_config_dir
    from pipeline.process import process_html
    from pipeline.storing import save
    from pipeline.store import open_store
    from pipeline.stories import Stories, sketch_article
    from pipeline.topics import load_lexicon

    lexicon = load_lexicon(default_config_dir())
    pages = [(article_html(i), f"http://127.0.0.1/a/{i}.html") for i in range(n)]
    for body, url in pages[:5]:  # lazy imports and caches
        process_html(body, url=url, lexicon=lexicon)
    t = time.process_time()
    articles = [process_html(body, url=url, source="bench", lexicon=lexicon) for body, url in pages]
    chain = time.process_time() - t
    t = time.process_time()
    sketches = [sketch_article(a) for a in articles]
    sketching = time.process_time() - t
    store = open_store({}, data_dir)
    stories = Stories(data_dir)
    t = time.process_time()
    for i in range(0, n, BATCH):  # as the crawl's batches store them
        save(store, articles[i:i + BATCH], stories=stories, sketches=sketches[i:i + BATCH])
    stored = time.process_time() - t
    stories.close()
    store.close()
    print(f"CPU per article (in-process, {n} pages): {1000 * chain / n:.2f} ms decode+extract+repair+normalise"
          f" + {1000 * sketching / n:.2f} ms story sketch, "
          f"{1000 * stored / n:.2f} ms store (batches of {BATCH}, where the crawl's batches run)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                    help="crawl.workers for the second newsmon run")
    ap.add_argument("--serve", metavar="PORT_FILE", help=argparse.SUPPRESS)
    ap.add_argument("--bare", metavar="SITEMAP_URL", help=argparse.SUPPRESS)
    ap.add_argument("--crawler-only", nargs=2, metavar=("SITEMAP_URL", "DATA_DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        return serve(args.articles, args.serve)
    if args.bare:
        return bare(args.bare)
    if args.crawler_only:
        return crawler_only(*args.crawler_only)

    tmp = Path(tempfile.mkdtemp(prefix="newsmon-bench-"))
    port_file = tmp / "port"
    server = subprocess.Popen([PY, __file__, "--articles", str(args.articles), "--serve", str(port_file)])
    try:
        for _ in range(600):
            if port_file.exists() and port_file.read_text():
                break
            time.sleep(0.05)
        sitemap = f"http://127.0.0.1:{port_file.read_text()}/sitemap.xml"
        print(f"{args.articles} articles on {sitemap}; cpus: {os.cpu_count()}")

        b, bare_wall = run_self("bare spider", "--bare", sitemap)
        bare_rate = b["pages"] / b["seconds"]
        print(f"bare scrapy        : {b['pages']:5d} pages in {b['seconds']:6.2f}s = {bare_rate:7.1f} pages/s"
              f"   (process wall {bare_wall:.1f}s)")

        c, _ = run_self("crawler-only run", "--crawler-only", sitemap, str(tmp / "data-crawler-only"))
        rate = c["pages"] / c["seconds"]
        print(f"newsmon crawler only (no decode/extract/store): {c['pages']:5d} pages in {c['seconds']:6.2f}s"
              f" = {rate:7.1f} pages/s   ratio {rate / bare_rate:.2f}")

        results = []
        for workers in (0, args.workers):
            config = tmp / f"config-w{workers}"
            config.mkdir()
            (config / "sources.yaml").write_text(
                f"sources:\n  - name: bench\n    urls: [{sitemap}]\n", encoding="utf-8")
            (config / "settings.yaml").write_text(
                f"crawl:\n  polite: false\n  workers: {workers}\n  download_timeout: 30\n", encoding="utf-8")
            data = tmp / f"data-w{workers}"
            r, wall = run_newsmon(config, data)
            rate = r["pages"] / r["seconds"]
            results.append((workers, rate))
            print(f"newsmon workers={workers}: {r['pages']:5d} pages in {r['seconds']:6.2f}s = {rate:7.1f} pages/s"
                  f"   (process wall {wall:.1f}s; new {r['new']}, errors {r['errors']})"
                  f"   ratio {rate / bare_rate:.2f}")
            n = max(r["articles_fetched"], 1)
            where = f"in {workers} worker processes" if workers else "in the storing thread beside the downloads"
            print(f"  per article      : {1000 * r['process_seconds'] / n:.1f} ms decode+extract+repair+normalise"
                  f"+sketch, {1000 * r['store_seconds'] / n:.1f} ms store+mark seen (wall, {where})")
            again, wall2 = run_newsmon(config, data)
            print(f"  second crawl     : {again['pages']} page(s), {again['articles_fetched']} articles fetched, "
                  f"{again['not_modified']} not modified, in {again['seconds']:.2f}s (wall {wall2:.1f}s)")
        chain_cpu(tmp / "data-cpu")
        best = max(rate for _, rate in results)
        print(f"ratio newsmon/bare (best): {best / bare_rate:.2f}   (target >= 0.7)")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
