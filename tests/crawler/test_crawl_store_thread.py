"""Where a crawl's batches run: the storing thread, or worker processes with stores of their
own (``crawl.workers``). Batches are processed and stored off the reactor thread, counted
when done, and a batch the store refuses is neither counted as stored nor marked seen, so
the next crawl fetches it again (a crash or a full disk costs a refetch, never an article)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from crawl_helpers import REPO, crawl_json, news_sources, write_config

from pipeline.crawlstate import open_crawlstate, seen_among
from pipeline.settings import load_settings
from pipeline.store import open_store

# run_crawl in a child (the reactor runs once per process) with a store that records which
# process and thread store, and refuses its first batch
CHILD = r"""
import json, os, sys, threading
from functools import partial
from pathlib import Path
from crawler.options import CrawlOptions
from crawler.run import run_crawl
from pipeline import crawlstate
from pipeline.errors import StoreError
from pipeline.sources import parse_sources
from pipeline.store.sqlite import SQLiteStore

base, data, mode, workers = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
fail = mode == "fail"
log = data.parent / "stored_by.txt"
CRAWLER = os.getpid()

class Store(SQLiteStore):
    calls = 0
    def upsert_many(self, articles):
        if mode == "crash" and os.getpid() != CRAWLER and any("t20240306_" in a.url for a in articles):
            os._exit(3)  # the worker dies, as on a crash in a parser or the OOM killer
        with open(log, "a") as f:
            f.write(f"{os.getpid()} {threading.current_thread() is threading.main_thread()}\n")
        Store.calls += 1
        if fail and Store.calls == 1:
            raise StoreError("disk full (simulated)")
        return super().upsert_many(articles)

sources = parse_sources({"sources": [{"name": "news", "urls": [base + "/news/"], "max_pages": 1,
                                      "article_urls": "t2024030[5-7]_"}]}, Path("test"))
data.mkdir(parents=True)
store = Store(data / "newsmon.db")
state = crawlstate.open_crawlstate(data)

def cannot_open():
    raise StoreError("disk gone (simulated)")

tally = run_crawl(sources, store=store, state=state, lexicon=None, data_dir=data,
                  options=CrawlOptions(polite=False, workers=workers), polite=False,
                  open_store=cannot_open if mode == "noopen" else partial(Store, data / "newsmon.db"))[0]
print(json.dumps({"tally": tally.to_dict(), "pid": os.getpid()}))
"""


def _child(portal, data: Path, mode: str, workers: int = 0) -> dict:
    """The child's tally and pid, and who stored: [(pid, on that process's main thread)]."""
    proc = subprocess.run([sys.executable, "-c", CHILD, portal.base, str(data), mode, str(workers)],
                          capture_output=True, text=True, timeout=120, cwd=str(REPO))
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    log = data.parent / "stored_by.txt"
    out["stored_by"] = ([(int(pid), flag == "True") for pid, flag in
                         (line.split() for line in log.read_text().splitlines())] if log.exists() else [])
    return out


ARTICLES = [f"/news/202403/t2024030{d}_100{d - 4}.html" for d in (5, 6, 7)]


def _seen(portal, data: Path) -> set[str]:
    """Which of the three articles state.db marks seen."""
    state = open_crawlstate(data)
    try:
        return seen_among(state, [portal.base + p for p in ARTICLES])
    finally:
        state.close()


@pytest.mark.parametrize("workers", [0, 1])
def test_batches_are_stored_off_the_reactor_thread_with_their_stories(portal, tmp_path, workers):
    data = tmp_path / "data"
    out = _child(portal, data, "ok", workers)
    assert out["tally"]["new"] == 3 and out["tally"]["errors"] == 0
    assert out["stored_by"], "the store was never asked"
    if workers:
        # each worker process opened its own store and stored there
        assert all(pid != out["pid"] for pid, _ in out["stored_by"])
    else:
        # the crawler's process, in its storing thread
        assert out["stored_by"] == [(out["pid"], False)] * len(out["stored_by"])
    store = open_store({}, data)
    try:
        for path in ARTICLES:
            article = store.get_by_url(portal.base + path)
            assert article is not None and article.story_id, path
    finally:
        store.close()
    assert _seen(portal, data) == {portal.base + p for p in ARTICLES}


@pytest.mark.parametrize("workers", [0, 1])
def test_a_refused_batch_is_an_error_not_marked_seen_and_fetched_again(portal, tmp_path, workers):
    data = tmp_path / "data"
    out = _child(portal, data, "fail", workers)
    tally = out["tally"]
    assert tally["new"] == 0 and tally["unchanged"] == 0 and tally["errors"] == 3
    assert "not stored" in tally["message"]
    assert _seen(portal, data) == set()
    # the next crawl (the real CLI) fetches and stores them
    config = write_config(tmp_path / "config", news_sources(portal.base))
    again = crawl_json(config, data)["news"]
    assert again["new"] == 3 and again["errors"] == 0
    store = open_store(load_settings(config), data)
    try:
        assert all(store.get_by_url(portal.base + p) is not None for p in ARTICLES)
    finally:
        store.close()


def test_a_page_that_kills_its_worker_costs_only_that_page(portal, tmp_path):
    """The batch is tried again one page at a time in fresh worker processes: the other
    pages are stored, the killer page is an error, not marked seen (tried next crawl)."""
    data = tmp_path / "data"
    out = _child(portal, data, "crash", 1)
    tally = out["tally"]
    assert tally["new"] == 2 and tally["errors"] == 1, tally
    assert "t20240306_1002.html: processing failed (its worker process died)" in tally["message"]
    assert _seen(portal, data) == {portal.base + ARTICLES[0], portal.base + ARTICLES[2]}


def test_a_worker_that_cannot_open_the_store_fails_its_batches_not_the_crawl(portal, tmp_path):
    data = tmp_path / "data"
    out = _child(portal, data, "noopen", 1)
    tally = out["tally"]
    assert tally["new"] == 0 and tally["errors"] == 3, tally
    assert "3 pages not processed (RuntimeError)" in tally["message"]
    assert _seen(portal, data) == set()
