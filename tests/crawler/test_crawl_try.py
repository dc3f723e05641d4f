"""`newsmon crawl --try`: a few articles per source, shown, never stored, no crawl state left."""

from __future__ import annotations

import json

from crawl_helpers import crawl_json, newsmon, relevant_only_config, write_config


def test_a_try_shows_what_newsmon_reads_and_leaves_no_trace(portal, tmp_path):
    config = write_config(tmp_path / "config", f"""\
sources:
  - name: news
    urls: [{portal.base}/news/]
    max_pages: 1
    article_urls: 't2024030[5-7]_'
""")
    data = tmp_path / "data"
    proc = newsmon(config, data, "crawl", "--try")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "news: 4 pages fetched, 3 articles read"
    # each article with title, Beijing date, size, encoding, URL and its first words
    at = lines.index("  1. 湖南省優化營商環境條例正式施行")  # newest first, by publication
    assert lines[at + 1] == ("     2024-03-07 08:00 · 116 chars · big5hkscs (the page's declared charset lied)"
                             " · tags: 营商环境, 优化营商环境, 审批, 市场主体, 政务服务")
    assert lines[at + 2:at + 4] == ["     湖南日報", f"     {portal.base}/news/202403/t20240307_1003.html"]
    assert lines[at + 4].startswith("     湖南省優化營商環境條例自三月一日起正式施行") and lines[at + 4].endswith("…")
    assert lines[-1].startswith("(a try: nothing was stored")
    # no index, no crawl state, not even the data folder
    assert not data.exists()
    # --limit: fewer article pages, and how many links were left
    limited = newsmon(config, data, "crawl", "--try", "--limit", "2")
    assert limited.stdout.startswith("news: 3 pages fetched, 2 articles read, 1 more article links found"
                                     " (a try reads 2)\n")
    assert "  2. " in limited.stdout and "  3. " not in limited.stdout
    # so the real crawl afterwards fetches every article as new
    assert crawl_json(config, data)["news"]["new"] == 3


def test_a_try_in_json_marks_what_keep_relevant_would_skip(portal, tmp_path):
    config = relevant_only_config(tmp_path / "config", portal.base)  # only content_9001 is relevant
    proc = newsmon(config, tmp_path / "data", "crawl", "--try", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["tried"] is True
    [source] = out["sources"]
    keep = {a["url"].rsplit("/", 1)[1]: a["would_keep"] for a in source["articles"]}
    assert keep == {"content_9001.htm": True, "content_9002.htm": False}
    assert all(a["text_chars"] > 0 and a["text_start"] for a in source["articles"])
    assert not (tmp_path / "data").exists()
    human = newsmon(config, tmp_path / "data", "crawl", "--try")
    assert "not relevant: keep: relevant would skip it" in human.stdout


def test_a_try_says_when_a_listing_yields_no_article_links(portal, tmp_path):
    config = write_config(tmp_path / "config", f"""\
sources:
  - name: nothing
    urls: [{portal.base}/news/]
    max_pages: 1
    article_urls: 'no-such-article'
""")
    proc = newsmon(config, tmp_path / "data", "crawl", "--try")
    assert proc.returncode == 0, proc.stderr
    assert "nothing: 1 pages fetched, 0 articles read" in proc.stdout
    assert "no article links found: check urls, article_urls and kind in sources.yaml" in proc.stdout


def test_a_try_limit_below_one_is_a_usage_error(tmp_path):
    config = write_config(tmp_path / "config", "sources:\n  - name: a\n    urls: [http://127.0.0.1:9/]\n")
    proc = newsmon(config, tmp_path / "data", "crawl", "--try", "--limit", "0")
    assert proc.returncode == 2 and proc.stderr.strip() == "newsmon: error: --limit 0: expected at least 1 article page per source"
