"""Benchmark the embedded index: ingest rate and query latency at 100,000 articles.

Run by hand (not a test):  .venv/bin/python bench/index.py [--n 100000] [--queries 1000]

Synthetic articles are recombined from the repaired seed paragraphs (so the vocabulary is
real Chinese news text), spread over 8 sources and five years. Targets (one core):
ingest >= 300 docs/s, search p95 <= 50 ms at 100,000 articles.
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

from pipeline.baseline import seed_articles  # noqa: E402
from pipeline.model import Article  # noqa: E402
from pipeline.store import SearchRequest  # noqa: E402
from pipeline.store.sqlite import SQLiteStore  # noqa: E402

SOURCES = ["cjrb", "hubei", "hunan", "hanyang", "jianghua", "govcn", "ndrc", "wuhan"]
QUERIES = [
    "營商環境", "营商环境", "漢陽", "汉阳", "江華", "審批", "服務", "企業", "改革", "母親式",
    '"優化營商環境"', "營商 AND 審批", "營商環境 OR 放管服", "企業 -漢陽", "政務服務", "一件事一次辦",
    "金牌管家", "退稅", "江", "source:hunan 營商", "(印發 OR 出台) AND 方案", "知音幫幫團",
]


def synthetic(n: int, rng: random.Random):
    paragraphs = [p for a in seed_articles() for p in a.text.split("\n\n") if len(p) > 20]
    start = 1577836800  # 2020-01-01
    for i in range(n):
        body = rng.sample(paragraphs, k=rng.randint(3, 8))
        ts = start + rng.randint(0, 5 * 365 * 86400)
        published = time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(ts))
        yield Article(
            id=f"bench{i:07d}",
            url=f"https://example.gov.cn/art/{i}.html",
            title=body[0][:24],
            text="\n\n".join(body),
            source=rng.choice(SOURCES),
            published_at=published,
        )


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=500)
    args = ap.parse_args()
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "newsmon.db")
        docs = list(synthetic(args.n, rng))
        t0 = time.perf_counter()
        for i in range(0, len(docs), args.batch):
            store.upsert_many(docs[i : i + args.batch])
        elapsed = time.perf_counter() - t0
        print(f"ingest: {args.n} articles in {elapsed:.1f} s = {args.n / elapsed:.0f} docs/s")
        print(f"index size: {store.stats()['size_bytes'] / 1e6:.0f} MB")
        lat = []
        for i in range(args.queries):
            q = QUERIES[i % len(QUERIES)]
            req = SearchRequest(q, sort="newest" if i % 3 == 0 else "relevance", limit=20,
                                sources=[SOURCES[i % 8]] if i % 5 == 0 else None,
                                since="2022-01-01" if i % 7 == 0 else None)
            t = time.perf_counter()
            store.search(req)
            lat.append((time.perf_counter() - t) * 1000)
        print(
            f"search: {args.queries} queries, p50 {statistics.median(lat):.1f} ms,"
            f" p95 {percentile(lat, 95):.1f} ms, max {max(lat):.1f} ms"
        )
        store.close()


if __name__ == "__main__":
    main()
