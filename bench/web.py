"""Benchmark the editors' page: GET /search over HTTP at 100,000 stored articles.

Run by hand (not a test):

    .venv/bin/python bench/web.py [--n 100000] [--rounds 20] [--data-dir DIR]

Builds a SQLite store of synthetic articles (seed paragraphs recombined, so the text is real
Chinese news; 12 sources, five years, one article in ten a copy of an earlier story, topic
tags), serves it with the same app and uvicorn setup as `newsmon serve` on 127.0.0.1, and
times whole page requests (search, story grouping, "also on N portals", rendering) for a
mix of queries, filters and pages. Target: p95 under 200 ms per page at 100,000 articles.
With --data-dir the built store is kept and reused by the next run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from pipeline.baseline import seed_articles  # noqa: E402
from pipeline.model import Article  # noqa: E402
from pipeline.paths import default_config_dir  # noqa: E402
from pipeline.store.sqlite import SQLiteStore  # noqa: E402
from pipeline.topics import load_lexicon  # noqa: E402
from pipeline.web.access import Access  # noqa: E402
from pipeline.web.server import ServerThread, build  # noqa: E402

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
    store = build_store(data_dir / "newsmon.db", args.n, args.batch)
    config_dir = default_config_dir()
    app = build(store, config_dir=config_dir, data_dir=data_dir, lexicon=load_lexicon(config_dir),
                host="127.0.0.1", access=Access())
    all_ms: list[float] = []
    with ServerThread(app) as server, httpx.Client(base_url=server.url.rstrip("/"), timeout=30) as client:
        for _, params in PAGES:  # warm-up: page cache, filter list, templates
            client.get("/search", params=params).raise_for_status()
        print(f"GET /search over HTTP, {args.rounds} requests each (ms):")
        print(f"  {'page':<18} {'p50':>7} {'p95':>7} {'max':>7}  stories")
        for label, params in PAGES:
            ms = []
            for _ in range(args.rounds):
                t = time.perf_counter()
                r = client.get("/search", params=params)
                ms.append((time.perf_counter() - t) * 1000)
                r.raise_for_status()
            total = client.get("/api/search", params=params).json()["total"]
            all_ms += ms
            print(f"  {label:<18} {statistics.median(ms):7.1f} {percentile(ms, 95):7.1f} {max(ms):7.1f}  {total}")
    print(f"all pages: {len(all_ms)} requests, p50 {statistics.median(all_ms):.1f} ms, "
          f"p95 {percentile(all_ms, 95):.1f} ms, max {max(all_ms):.1f} ms (target: p95 < 200 ms)")
    store.close()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
