"""Benchmark the Elasticsearch backend next to SQLite, in one run, on the same articles.

Run by hand (not a test):

    .venv/bin/python bench/es.py [--n 20000] [--queries 500] [--url http://...]

Without --url the Elasticsearch side is the in-memory test server (osmem-server, through
the plain-JSON node), so its figures describe newsmon's client path (document building,
realtime mget, bulk, highlight post-processing) plus that server, not a real cluster.
With --url (credentials from NEWSMON_BENCH_ES_USERNAME / _PASSWORD) it runs against a real
cluster under the prefix ``newsmon-bench``, deleted afterwards.
Articles and queries come from bench/index.py (seed paragraphs recombined).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.model import Article  # noqa: E402
from pipeline.store import SearchRequest  # noqa: E402
from pipeline.store.elasticsearch import open_es_store  # noqa: E402
from pipeline.store.sqlite import SQLiteStore  # noqa: E402


def _bench_index():
    spec = importlib.util.spec_from_file_location("bench_index", ROOT / "bench" / "index.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run(store, docs: list[Article], queries: list[SearchRequest], batch: int) -> dict:
    t0 = time.perf_counter()
    outcomes = []
    for i in range(0, len(docs), batch):
        outcomes += store.upsert_many([Article(**d.to_dict()) for d in docs[i : i + batch]])
    ingest = time.perf_counter() - t0
    assert outcomes.count("new") == len(docs), {o: outcomes.count(o) for o in set(outcomes)}
    lat = []
    totals = []
    for req in queries:
        t = time.perf_counter()
        totals.append(store.search(req).total)
        lat.append((time.perf_counter() - t) * 1000)
    t0 = time.perf_counter()
    again = store.upsert_many([Article(**d.to_dict()) for d in docs[:batch]])
    unchanged = time.perf_counter() - t0
    assert set(again) == {"unchanged"}
    return {
        "docs_s": len(docs) / ingest,
        "ingest_s": ingest,
        "unchanged_docs_s": len(again) / unchanged,
        "p50": statistics.median(lat),
        "p95": sorted(lat)[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))],
        "max": max(lat),
        "totals": totals,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--url", help="a real cluster instead of the in-memory test server")
    args = ap.parse_args()
    bi = _bench_index()
    docs = list(bi.synthetic(args.n, random.Random(42)))
    queries = [
        SearchRequest(
            bi.QUERIES[i % len(bi.QUERIES)],
            sort="newest" if i % 3 == 0 else "relevance",
            limit=20,
            sources=[bi.SOURCES[i % 8]] if i % 5 == 0 else None,
            since="2022-01-01" if i % 7 == 0 else None,
        )
        for i in range(args.queries)
    ]
    server = None
    with tempfile.TemporaryDirectory() as tmp:
        if args.url:
            index = {"url": args.url, "prefix": "newsmon-bench"}
            for key in ("username", "password"):
                if os.environ.get(f"NEWSMON_BENCH_ES_{key.upper()}"):
                    index[key] = os.environ[f"NEWSMON_BENCH_ES_{key.upper()}"]
            label = f"Elasticsearch at {args.url}"
        else:
            from osmem_server import OsmemServer

            server = OsmemServer.start(japanese=False)
            index = {"url": server.url, "plain_json": True}
            label = f"osmem-server {server.version} (in-memory test server)"
        try:
            index["timeout"] = 300  # a 500-article bulk on a slow test server
            es = open_es_store(index, Path(tmp) / "es")
            es.setup()
            r_es = run(es, docs, queries, args.batch)
            if args.url:
                es.es.indices.delete(index="newsmon-bench-*", expand_wildcards="all")
                es.es.indices.delete_index_template(name="newsmon-bench-articles")
            es.close()
        finally:
            if server is not None:
                server.close()
        sq = SQLiteStore(Path(tmp) / "newsmon.db")
        r_sq = run(sq, docs, queries, args.batch)
        sq.close()
    # both stores count up to 10,000 matches; past that a total is "at least"
    same = sum(1 for a, b in zip(r_es["totals"], r_sq["totals"]) if a == b or min(a, b) > 10_000)
    print(f"{args.n} articles, batches of {args.batch}, {args.queries} queries (same articles and queries for both)")
    print(f"{'backend':<44} {'bulk docs/s':>11} {'re-upsert':>10} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    for name, r in ((label, r_es), ("SQLite (FTS5, this machine)", r_sq)):
        print(f"{name:<44} {r['docs_s']:>11.0f} {r['unchanged_docs_s']:>10.0f} {r['p50']:>7.1f} {r['p95']:>7.1f} {r['max']:>7.1f}")
    print(f"queries with the same total on both (or both past the 10,000 count limit): {same}/{len(queries)}")


if __name__ == "__main__":
    main()
