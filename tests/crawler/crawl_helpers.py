"""Helpers for crawler tests: config files and `newsmon crawl` run as a subprocess.

Twisted's reactor cannot restart, so every crawl runs in its own process, as in production.
(A module of its own, not conftest.py: other test folders have a conftest module too.)
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NEWSMON = REPO / ".venv" / "bin" / "newsmon"

FAST_SETTINGS = """\
crawl:
  polite: false
  contact: https://example.org/newsmon-test-contact
  download_timeout: {timeout}
  retries: 1
  retry_backoff: 0.3
"""


def news_sources(base: str) -> str:
    """One source reading the portal's news list for its three articles of 5–7 March."""
    return f"""\
sources:
  - name: news
    urls: [{base}/news/]
    max_pages: 1
    article_urls: 't2024030[5-7]_'
"""


def portal_sources(base: str) -> str:
    return f"""\
sources:
  - name: portal_html
    title: 示例省政府要闻
    urls: [{base}/news/]
    max_pages: 3
  - name: portal_rss
    urls: [{base}/feed.xml]
  - name: portal_atom
    urls: [{base}/atom.xml]
  - name: portal_sitemap
    urls: [{base}/sitemap_index.xml]
  - name: portal_json
    urls: [{base}/api/list.json]
    json: {{items: data.list, url: URL, title: TITLE, date: DOCRELPUBTIME}}
  - name: portal_blocked
    urls: [{base}/blocked/]
"""


def relevant_only_config(config_dir: Path, base: str) -> Path:
    """The portal's JSON list kept with `keep: relevant`, under a lexicon that only
    content_9001 passes: content_9002 (a 行政许可 decision) mentions 营商环境 in its stock
    paragraphs, so the threshold is one only the 营商环境 headline of content_9001 reaches."""
    config = write_config(config_dir, f"""\
sources:
  - name: relevant_only
    urls: [{base}/api/list.json]
    json: {{items: data.list, url: URL}}
    keep: relevant
""")
    (config / "topics.yaml").write_text(
        "threshold: 10\ntitle_factor: 5\ncap: 1\ntopics:\n  - tag: 营商环境\n    weight: 2\n    terms: [营商环境]\n",
        encoding="utf-8")
    return config


def write_config(config_dir: Path, sources_yaml: str, *, timeout: float = 1.5) -> Path:
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "sources.yaml").write_text(sources_yaml, encoding="utf-8")
    (config_dir / "settings.yaml").write_text(FAST_SETTINGS.format(timeout=timeout), encoding="utf-8")
    return config_dir


def newsmon(config_dir: Path, data_dir: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(NEWSMON), "--config", str(config_dir), "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, timeout=timeout, cwd=str(REPO),
    )


def crawl_json(config_dir: Path, data_dir: Path, *args: str) -> dict:
    proc = newsmon(config_dir, data_dir, "crawl", "--json", *args)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    return {s["source"]: s for s in out["sources"]} | {"_interrupted": out["interrupted"], "_stderr": proc.stderr}
