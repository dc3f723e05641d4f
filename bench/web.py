"""Benchmark the editors' page: GET /search over HTTP at 100,000 stored articles.

Run by hand (not a test):

    .venv/bin/python bench/web.py [--n 100000] [--rounds 20] [--data-dir DIR]

Builds a SQLite store of synthetic articles (seed paragraphs recombined, so the text is real
Chinese news; 12 sources, five years, one article in ten a copy of an earlier story, topic
tags), runs `newsmon serve` on it as a separate process on 127.0.0.1 (so the client does
not share the server's interpreter), and times whole page requests (search, story
grouping, "also on N portals", rendering, HTTP) for a mix of queries, filters and pages. Target: p95 under 200 ms per page at 100,000 articles.
With --data-dir the built store is kept and reused by the next run.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from pipeline.baseline import seed_articles  # noqa: E402
from pipeline.model import Article  # noqa: E402
from pipeline.paths import default_config_dir  # noqa: E402
from pipeline.store.sqlite import SQLiteStore  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

SOURCES = ["cjrb", "hubei_gov", "hunan_gov", "hanyang", "jianghua", "govcn", "ndrc", "wuhan_gov",
           "people", "xinhua", "hbrb", "xiangyang"]
TAGS = ["营商环境", "优化营商环境", "放管服", "一网通办", "审批", "减税降费", "市场主体", "政务服务"]
#: (label, URL parameters): what editors type and click
PAGES = [
    ("front page", {}),
    ("营商环境", {"q": "营商环境"}),
    ("營商環境 newest", {"q": "營商環境", "sort": "newest"}),
    ("phrase", {"q": '"優化營商環境"'}),
    ("AND", {"q": "營商 AND 審批"}),
    ("OR", {"q": "營商環境 OR 放管服"}),
    ("NOT", {"q": "企業 -漢陽"}),
    ("rare", {"q": "知音幫幫團"}),
    ("one char", {"q": "江"}),
    ("source filter", {"q": "营商环境", "source": "hunan_gov"}),
    ("2 sources", {"q": "服務", "source": ["cjrb", "people"]}),
    ("date range", {"q": "审批", "since": "2023-01-01", "until": "2023-06-30"}),
    ("tag", {"tag": "减税降费"}),
    ("page 5", {"q": "营商环境", "page": "5"}),
    ("field query", {"q": "source:xinhua 改革"}),
]


def synthetic(n: int, rng: random.Random):
    paragraphs = [p for a in seed_articles() for p in a.text.split("\n\n") if len(p) > 20]
    start = 1577836800  # 2020-01-01
    earlier: list[Article] = []
    for i in range(n):
        if earlier and rng.random() < 0.1:
            # a repost of an earlier story on another portal, a little later
            orig = rng.choice(earlier)
            orig.story_id = orig.story_id or orig.id
            a = Article(
                id=f"web{i:07d}", url=f"https://example.gov.cn/{i}.html", title=orig.title, text=orig.text,
                source=rng.choice([s for s in SOURCES if s != orig.source]),
                published_at=orig.published_at, tags=list(orig.tags), story_id=orig.story_id,
            )
        else:
            body = rng.sample(paragraphs, k=rng.randint(3, 8))
            ts = start + rng.randint(0, 5 * 365 * 86400)
            a = Article(
                id=f"web{i:07d}", url=f"https://example.gov.cn/{i}.html", title=body[0][:24],
                text="\n\n".join(body), source=rng.choice(SOURCES),
                published_at=time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(ts)),
                tags=rng.sample(TAGS, k=rng.randint(0, 3)),
            )
            earlier.append(a)
            if len(earlier) > 2000:
                earlier.pop(0)
        yield a


def build_store(path: Path, n: int, batch: int) -> SQLiteStore:
    store = SQLiteStore(path)
    have = store.stats()["total"]
    if have >= n:
        print(f"store: reusing {have} articles at {path}")
        return store
    rng = random.Random(7)
    docs = list(synthetic(n, rng))
    # story ids are set on the originals when a copy is made, so write in one pass afterwards
    t0 = time.perf_counter()
    for i in range(0, len(docs), batch):
        store.upsert_many(docs[i:i + batch])
    took = time.perf_counter() - t0
    print(f"store: built {n} articles in {took:.0f} s ({n / took:.0f}/s), "
          f"{store.stats()['size_bytes'] / 1e6:.0f} MB")
    return store


@contextmanager
def newsmon_serve(data_dir: Path):
    """`newsmon serve --port 0` on the store; yields its base URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli.main", "--data-dir", str(data_dir),
         "--config", str(default_config_dir()), "serve", "--port", "0"],
        stdout=subprocess.PIPE, text=True, env=env, cwd=REPO,
    )
    try:
        line = proc.stdout.readline()
        m = re.search(r"serving (http://\S+/)", line)
        if not m:
            raise SystemExit(f"newsmon serve did not start: {line!r}")
        yield m.group(1).rstrip("/")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="articles in the store")
    ap.add_argument("--rounds", type=int, default=20, help="requests per page kind")
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--data-dir", type=Path, help="keep the built store here and reuse it")
    args = ap.parse_args()

    tmp = None
    if args.data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="newsmon-bench-web-")
        data_dir = Path(tmp.name)
    else:
        data_dir = args.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
    build_store(data_dir / "newsmon.db", args.n, args.batch).close()
    all_ms: list[float] = []
    all_app: list[float] = []
    with newsmon_serve(data_dir) as url, httpx.Client(base_url=url, timeout=30) as client:
        for _, params in PAGES:  # warm-up: page cache, filter list, templates
            client.get("/search", params=params).raise_for_status()
        print(f"GET /search over HTTP, {args.rounds} requests each (ms):")
        print(f"  {'page':<18} {'p50':>7} {'p95':>7} {'max':>7}  {'app p50':>7} {'app p95':>7}  stories")
        for label, params in PAGES:
            ms, app = [], []
            for _ in range(args.rounds):
                t = time.perf_counter()
                r = client.get("/search", params=params)
                ms.append((time.perf_counter() - t) * 1000)
                r.raise_for_status()
                app.append(float(r.headers["server-timing"].split("dur=")[1]))
            body = client.get("/api/search", params=params).json()
            total = f"{body['total']}{'' if body['total_exact'] else '+'}"
            all_ms += ms
            all_app += app
            print(f"  {label:<18} {statistics.median(ms):7.1f} {percentile(ms, 95):7.1f} {max(ms):7.1f}"
                  f"  {statistics.median(app):7.1f} {percentile(app, 95):7.1f}  {total}")
        # the other two pages, for the record (the target is the search page's)
        story_hit = next((h for h in client.get("/api/search", params={"q": "营商环境"}).json()["hits"]
                          if h["story_size"] > 1), None)
        for label, path in (("article", f"/articles/{story_hit['id']}" if story_hit else "/articles/web0000001"),
                            ("monitor", "/monitor")):
            ms = []
            for _ in range(max(3, args.rounds // 2)):
                t = time.perf_counter()
                client.get(path).raise_for_status()
                ms.append((time.perf_counter() - t) * 1000)
            print(f"  {label:<18} {statistics.median(ms):7.1f} {percentile(ms, 95):7.1f} {max(ms):7.1f}")
        # a search's feed (50 stories) and its CSV download (every story, up to 10,000)
        for label, path, params in (("feed 营商环境", "/search.atom", {"q": "营商环境"}),
                                    ("CSV 营商环境", "/search.csv", {"q": "营商环境"}),
                                    ("CSV all, newest", "/search.csv", {"sort": "newest"})):
            ms, size = [], 0
            for _ in range(3):
                t = time.perf_counter()
                r = client.get(path, params=params)
                ms.append((time.perf_counter() - t) * 1000)
                r.raise_for_status()
                size = len(r.content)
            rows = f", {r.text.count(chr(10)) - 1} rows" if path.endswith(".csv") else ""
            print(f"  {label:<18} {statistics.median(ms):7.1f} ms median of 3, {size / 1e6:.2f} MB{rows}")
    print(f"all search pages: {len(all_ms)} requests, p50 {statistics.median(all_ms):.1f} ms, "
          f"p95 {percentile(all_ms, 95):.1f} ms, max {max(all_ms):.1f} ms (target: p95 < 200 ms); "
          f"in the app: p50 {statistics.median(all_app):.1f} ms, p95 {percentile(all_app, 95):.1f} ms")
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1):
        print(f"note: load average {load:.1f} on {os.cpu_count()} CPUs while measuring; figures include waiting")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
