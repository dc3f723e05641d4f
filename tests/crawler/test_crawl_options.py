"""crawl: settings and the Scrapy settings they become: polite unless told otherwise."""

from __future__ import annotations

import pytest

from crawler.options import CrawlOptions, crawl_options
from crawler.settings import build_settings
from pipeline.errors import ConfigError
from pipeline.settings import load_settings


def test_polite_by_default():
    s = build_settings(CrawlOptions(contact="https://example.org/contact"), polite=True)
    assert s["ROBOTSTXT_OBEY"] is True
    assert s["AUTOTHROTTLE_ENABLED"] is True
    assert s["CONCURRENT_REQUESTS_PER_DOMAIN"] <= 2
    assert s["DOWNLOAD_DELAY"] > 0
    assert "https://example.org/contact" in s["USER_AGENT"] and s["USER_AGENT"].startswith("newsmon/")
    assert s["RETRY_TIMES"] == 2 and 500 in s["RETRY_HTTP_CODES"]
    # even a config asking for more stays at 2 per site when polite
    assert build_settings(CrawlOptions(concurrency_per_domain=8), polite=True)["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2


def test_impolite_for_local_benchmarks_still_obeys_robots():
    s = build_settings(CrawlOptions(), polite=False)
    assert s["AUTOTHROTTLE_ENABLED"] is False and s["DOWNLOAD_DELAY"] == 0
    assert s["CONCURRENT_REQUESTS_PER_DOMAIN"] >= 16 and s["ROBOTSTXT_OBEY"] is True


def test_options_from_settings_yaml(tmp_path):
    (tmp_path / "settings.yaml").write_text(
        "crawl:\n  contact: mailto:ops@example.org\n  polite: false\n  download_timeout: 5\n  retries: 0\n",
        encoding="utf-8")
    opts = crawl_options(load_settings(tmp_path))
    assert (opts.contact, opts.polite, opts.download_timeout, opts.retries) == ("mailto:ops@example.org", False, 5.0, 0)
    assert crawl_options(load_settings(tmp_path / "none")) == CrawlOptions()
    (tmp_path / "settings.yaml").write_text("crawl:\n  attachments: 0\n", encoding="utf-8")
    assert crawl_options(load_settings(tmp_path)).attachments == 0  # none read
    assert CrawlOptions().attachments == 20


@pytest.mark.parametrize("yaml, where", [
    ("crawl:\n  polite: maybe\n", "settings.yaml:2: crawl.polite"),
    ("crawl:\n  contact: ftp://x\n", "settings.yaml:2: crawl.contact"),
    ("crawl:\n  download_timeout: 0\n", "settings.yaml:2: crawl.download_timeout"),
    ("crawl:\n  x: 1\n", "settings.yaml:2: crawl.x"),
    ("crawl:\n  attachments: -1\n", "settings.yaml:2: crawl.attachments"),
    ("crawl:\n  attachments: lots\n", "settings.yaml:2: crawl.attachments"),
])
def test_bad_crawl_settings(tmp_path, yaml, where):
    (tmp_path / "settings.yaml").write_text(yaml, encoding="utf-8")
    with pytest.raises(ConfigError, match=where.replace(".", r"\.")):
        crawl_options(load_settings(tmp_path))
