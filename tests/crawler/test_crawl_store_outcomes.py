"""Store outcomes beyond new/updated/unchanged: "queued" (the Elasticsearch spool holds the
article while the cluster is away) and "rejected" (refused for its content) are counted
apart, not as unchanged, in the summary and in --json."""

from __future__ import annotations

import socket
from pathlib import Path

from crawl_helpers import crawl_json, newsmon, write_config

from crawler.tally import Tally
from pipeline.cli.crawl import _print_table


def _dead_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(portal, tmp_path: Path, workers: int = 0) -> Path:
    config = write_config(tmp_path / "config", f"""\
sources:
  - name: spooled
    urls: [{portal.base}/api/list.json]
    json: {{items: data.list, url: URL}}
""")
    settings = config / "settings.yaml"
    settings.write_text(
        settings.read_text(encoding="utf-8")
        + f"index:\n  backend: elasticsearch\n  url: http://127.0.0.1:{_dead_port()}\n"
          "  retries: 0\n  backoff: 0.01\n  retry_interval: 0\n"
        + (f"crawl:\n  workers: {workers}\n" if workers else ""),
        encoding="utf-8")
    return config


def test_articles_spooled_while_the_index_is_away_count_as_queued(portal, tmp_path: Path):
    config = _config(portal, tmp_path)
    result = crawl_json(config, tmp_path / "data")["spooled"]
    assert result["articles_fetched"] == 2
    assert result["queued"] == 2
    assert result["new"] == 0 and result["unchanged"] == 0 and result["rejected"] == 0

    # the human summary says so too (a fresh data dir: nothing seen yet)
    proc = newsmon(config, tmp_path / "data2", "crawl", "--no-progress")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "2 queued for the index" in proc.stdout
    assert "unchanged    0" in proc.stdout


def test_worker_processes_open_the_configured_index_and_spool_for_it(portal, tmp_path: Path):
    """With ``crawl.workers`` each worker opens the configured store itself: Elasticsearch
    here (away), so the articles land in the durable spool, as they do without workers."""
    config = _config(portal, tmp_path, workers=1)
    result = crawl_json(config, tmp_path / "data")["spooled"]
    assert result["articles_fetched"] == 2
    assert result["queued"] == 2 and result["new"] == 0 and result["errors"] == 0
    from pipeline.settings import load_settings
    from pipeline.store import open_store

    store = open_store(load_settings(config), tmp_path / "data")
    try:
        assert store.spool.pending() == 2
    finally:
        store.close()


def test_the_summary_names_refused_articles(capsys):
    t = Tally("src", pages=3, articles_fetched=3, new=1, rejected=2)
    _print_table([t])
    out = capsys.readouterr().out
    assert "2 refused by the index" in out and "unchanged    0" in out
    assert t.to_dict()["rejected"] == 2 and t.to_dict()["queued"] == 0
