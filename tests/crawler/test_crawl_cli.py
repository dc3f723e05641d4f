"""`newsmon crawl` as a process: config errors, source selection, graceful SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest
from crawl_helpers import NEWSMON, REPO, news_sources, newsmon, write_config
from crawl_portal import HANGING

from pipeline.crawlstate import last_runs, open_crawlstate
from pipeline.settings import load_settings
from pipeline.store import open_store


def test_bad_sources_yaml_is_one_line_naming_file_line_source_and_key(tmp_path):
    config = write_config(tmp_path / "config", """\
sources:
  - name: good
    urls: [http://127.0.0.1:9/]
  - name: cjrb
    urls: [http://127.0.0.1:9/]
    every: 30x
""")
    proc = newsmon(config, tmp_path / "data", "crawl")
    assert proc.returncode == 2
    err = proc.stderr.strip()
    assert "\n" not in err and "Traceback" not in err
    assert "sources.yaml:6:" in err and "sources[1].every" in err and "cjrb" in err


def test_unknown_source_and_bad_crawl_setting_are_user_errors(tmp_path):
    config = write_config(tmp_path / "config", "sources:\n  - name: only\n    urls: [http://127.0.0.1:9/]\n")
    proc = newsmon(config, tmp_path / "data", "crawl", "--source", "nope")
    assert proc.returncode == 2 and "unknown source 'nope'" in proc.stderr and "only" in proc.stderr
    (config / "settings.yaml").write_text("crawl:\n  retries: many\n", encoding="utf-8")
    proc = newsmon(config, tmp_path / "data", "crawl")
    assert proc.returncode == 2 and "settings.yaml:2: crawl.retries" in proc.stderr


def test_unreachable_source_is_an_error_in_the_summary_not_a_crash(tmp_path):
    config = write_config(tmp_path / "config", "sources:\n  - name: nobody\n    urls: [http://127.0.0.1:9/news/]\n")
    proc = newsmon(config, tmp_path / "data", "crawl", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)["sources"][0]
    assert result["errors"] == 1 and result["pages"] == 0 and not result["blocked"]
    conn = open_crawlstate(tmp_path / "data")
    try:
        assert last_runs(conn)["nobody"]["errors"] == 1
    finally:
        conn.close()


def test_human_summary_lists_each_source(portal, tmp_path):
    config = write_config(tmp_path / "config", f"""\
sources:
  - name: feed
    urls: [{portal.base}/atom.xml]
  - name: wall
    urls: [{portal.base}/blocked/]
""")
    proc = newsmon(config, tmp_path / "data", "crawl")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    feed = next(line for line in lines if line.startswith("feed"))
    assert "new    2" in feed and "errors   0" in feed
    wall = next(line for line in lines if line.startswith("wall"))
    assert "BLOCKED" in wall


@pytest.mark.parametrize("workers,group_sigint", [(0, False), (1, False), (1, True)])
def test_sigterm_finishes_pages_in_hand_stores_and_exits_quickly(portal, tmp_path, workers, group_sigint):
    """SIGTERM to the crawl, or Ctrl-C at a terminal (SIGINT to the whole process group,
    worker processes included: they ignore it and finish their batches)."""
    # a long download timeout: only the shutdown path can end the hanging request quickly
    config = write_config(tmp_path / "config", f"sources:\n  - name: portal_html\n    urls: [{portal.base}/news/]\n",
                          timeout=60)
    if workers:  # batches in worker processes: they finish what they hold, then the crawl exits
        with (config / "settings.yaml").open("a", encoding="utf-8") as f:
            f.write(f"  workers: {workers}\n")
    data = tmp_path / "data"
    portal.hang_seconds = 90
    portal.clear_log()
    proc = subprocess.Popen([str(NEWSMON), "--config", str(config), "--data-dir", str(data), "crawl", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(REPO),
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while HANGING not in portal.paths() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert HANGING in portal.paths(), "crawl never reached the hanging page"
        time.sleep(1.0)
        sent = time.monotonic()
        if group_sigint:
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        portal.hang_seconds = 20
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err[-2000:]
    assert took < 12, f"took {took:.1f}s to stop"
    summary = json.loads(out)
    assert summary["interrupted"] is True
    html = summary["sources"][0]
    assert html["interrupted"] is True and html["new"] >= 5
    store = open_store(load_settings(config), data)
    try:
        assert store.get_by_url(portal.base + "/news/202403/t20240305_1001.html") is not None
    finally:
        store.close()
    conn = open_crawlstate(data)
    try:
        run = last_runs(conn)["portal_html"]["last_run"]
        assert run["new"] == html["new"] and "interrupted" in run["message"]
    finally:
        conn.close()


def test_max_articles_defers_the_rest_to_the_next_crawl(portal, tmp_path):
    config = write_config(tmp_path / "config", f"""\
sources:
  - name: capped
    urls: [{portal.base}/api/list.json]
    json: {{items: data.list, url: URL}}
    max_articles: 1
""")
    data = tmp_path / "data"
    first = json.loads(newsmon(config, data, "crawl", "--json").stdout)["sources"][0]
    assert first["new"] == 1 and first["deferred"] == 1
    # validators were not saved (an article was left behind), so the list is read again
    second = json.loads(newsmon(config, data, "crawl", "--json").stdout)["sources"][0]
    assert second["not_modified"] == 0 and second["new"] == 1 and second["unchanged"] == 1
    third = json.loads(newsmon(config, data, "crawl", "--json").stdout)["sources"][0]
    assert third["not_modified"] == 1 and third["pages"] == 1


def test_polite_crawl_keeps_to_two_requests_per_site(portal, tmp_path):
    sources = f"sources:\n  - name: news\n    urls: [{portal.base}/news/]\n    max_pages: 1\n"
    config = write_config(tmp_path / "config", sources)
    (config / "settings.yaml").write_text(
        "crawl:\n  contact: https://example.org/polite\n  download_delay: 0.1\n  concurrency_per_domain: 8\n"
        "  download_timeout: 3\n  retries: 0\n",
        encoding="utf-8")  # polite (the default), asking for more concurrency than it may have
    portal.slow_seconds = 0.3
    try:
        observed = {}
        for label, args in (("polite", ()), ("impolite", ("--no-polite",))):
            portal.clear_log()
            portal.max_in_flight = 0
            proc = newsmon(config, tmp_path / f"data-{label}", "crawl", "--json", *args)
            assert proc.returncode == 0, proc.stderr
            summary = json.loads(proc.stdout)["sources"][0]
            assert summary["new"] >= 5, (label, summary["problems"], summary["new"], summary["unchanged"])
            observed[label] = portal.max_in_flight
            uas = [h["User-Agent"] for h in portal.headers_of("/news/")]
            assert uas and all("https://example.org/polite" in ua for ua in uas)
    finally:
        portal.slow_seconds = 0.0
    assert 1 <= observed["polite"] <= 2
    assert observed["impolite"] > 2  # the same crawl without politeness does go wider


def test_a_gone_article_does_not_stop_conditional_get_but_a_failing_one_does(portal, tmp_path):
    from crawl_portal import GONE

    def listing(paths):
        return "".join(f'<li><a href="{p}">一篇足够长的文章标题用于测试</a></li>' for p in paths)

    config = write_config(tmp_path / "config", f"sources:\n  - name: lst\n    urls: [{portal.base}/custom/]\n")
    data = tmp_path / "data"
    good = "/news/202403/t20240306_1002.html"
    portal.custom = listing([good, GONE]).encode()
    first = json.loads(newsmon(config, data, "crawl", "--json").stdout)["sources"][0]
    assert first["new"] == 1 and first["errors"] == 1
    second = json.loads(newsmon(config, data, "crawl", "--json").stdout)["sources"][0]
    assert second["not_modified"] == 1 and second["pages"] == 1  # the 404 alone kept it clean
    from crawl_portal import FAILING

    portal.custom = listing([good, FAILING]).encode()
    third = json.loads(newsmon(config, data, "crawl", "--json").stdout)["sources"][0]
    assert third["errors"] == 1 and third["not_modified"] == 0
    fourth = json.loads(newsmon(config, data, "crawl", "--json").stdout)["sources"][0]
    assert fourth["not_modified"] == 0  # the 500 is worth retrying: the listing is read again
    assert portal.paths().count(FAILING) >= 4  # first try + retry, in both crawls


def test_polite_crawl_honours_robots_crawl_delay(portal, tmp_path):
    config = write_config(tmp_path / "config", f"sources:\n  - name: atom\n    urls: [{portal.base}/atom.xml]\n")
    (config / "settings.yaml").write_text("crawl:\n  download_delay: 0.1\n", encoding="utf-8")  # polite
    portal.clear_log()
    portal.robots_extra = b"Crawl-delay: 1.6\n"
    try:
        proc = newsmon(config, tmp_path / "data", "crawl", "--json")
    finally:
        portal.robots_extra = b""
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["sources"][0]["new"] == 2
    times = sorted(t for p in ("/atom.xml", "/feeds/202403/t20240322_2003.html", "/feeds/202403/t20240321_2002.html")
                   for t in portal.times(p))
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(gaps) == 2 and min(gaps) >= 1.5, gaps


def test_worker_processes_give_the_same_articles(portal, tmp_path):
    config = write_config(tmp_path / "config", news_sources(portal.base))
    (config / "settings.yaml").write_text("crawl:\n  polite: false\n  workers: 1\n", encoding="utf-8")
    proc = newsmon(config, tmp_path / "data", "crawl", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)["sources"][0]
    assert result["new"] == 3 and result["errors"] == 0
    store = open_store(load_settings(config), tmp_path / "data")
    try:
        big5 = store.get_by_url(portal.base + "/news/202403/t20240307_1003.html")
        assert big5.title == "湖南省優化營商環境條例正式施行" and "條例明確政務服務" in big5.text
    finally:
        store.close()
