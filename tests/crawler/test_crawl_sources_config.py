"""config/sources.yaml loading: the shipped file, and one-line errors naming file, line, source, key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.paths import default_config_dir
from pipeline.sources import load_sources, parse_every, select_sources


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "sources.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_shipped_sources_cover_the_issue_list_and_are_unverified(tmp_path):
    sources = load_sources(tmp_path)  # no user file: the shipped default
    titles = " ".join(s.title for s in sources)
    for name in ("長江日報", "湖北省人民政府", "湖南省人民政府", "漢陽區", "江華瑤族自治縣", "中國政府網", "國家發展改革委"):
        assert name in titles
    assert all(s.verified is False for s in sources)
    assert all(s.every_seconds > 0 and s.urls for s in sources)
    gov = next(s for s in sources if s.name == "gov_cn_policy")
    assert gov.json is not None and gov.json.url == "URL"
    assert load_sources(default_config_dir()) == sources


def test_defaults_and_parsed_values(tmp_path):
    src = load_sources(write(tmp_path, """\
sources:
  - name: cjrb
    title: 長江日報
    urls: https://news.cjn.cn/sywh/
    every: 30m
    article_urls: '/t\\d+\\.htm$'
"""))[0]
    assert (src.name, src.title, src.urls, src.every, src.every_seconds) == (
        "cjrb", "長江日報", ["https://news.cjn.cn/sywh/"], "30m", 1800)
    assert src.article_urls.search("/202403/t123.htm")
    assert (src.max_pages, src.keep, src.verified, src.enabled, src.kind, src.json) == (3, "all", False, True, "auto", None)
    assert src.to_dict()["article_urls"] == "/t\\d+\\.htm$"


@pytest.mark.parametrize("text, line, key, words", [
    ("sources:\n  - name: a\n    urls: [http://x/]\n    every: 30x\n", 4, "sources[0].every", "30x"),
    ("sources:\n  - name: a\n    urls: [http://x/]\n    every: 30\n", 4, "sources[0].every", "no unit"),
    ("sources:\n  - name: Bad Name\n    urls: [http://x/]\n", 2, "sources[0].name", "lower-case"),
    ("sources:\n  - name: a\n    urls: [ftp://x/]\n", 3, "sources[0].urls[0]", "not an http"),
    ("sources:\n  - name: a\n", 2, "sources[0].urls", "required"),
    ("sources:\n  - name: a\n    urls: [http://x/]\n    article_urls: '(['\n", 4, "sources[0].article_urls", "regular expression"),
    ("sources:\n  - name: a\n    urls: [http://x/]\n    keep: some\n", 4, "sources[0].keep", "'all' or 'relevant'"),
    ("sources:\n  - name: a\n    urls: [http://x/]\n    max_pages: 0\n", 4, "sources[0].max_pages", "1 to 1000"),
    ("sources:\n  - name: a\n    urls: [http://x/]\n    verified: yes please\n", 4, "sources[0].verified", "true or false"),
    ("sources:\n  - name: a\n    urls: [http://x/]\n    max_page: 2\n", 4, "sources[0].max_page", "unknown key"),
    ("sources:\n  - name: a\n    urls: [http://x/]\n    json: {items: x}\n", 4, "sources[0].json.url", "required"),
    ("sources:\n  - name: a\n    urls: [http://x/]\n    kind: json\n", 4, "sources[0].kind", "json:"),
    ("sources:\n  - name: a\n    urls: [http://x/]\n  - name: a\n    urls: [http://y/]\n", 4, "sources[1].name", "duplicate"),
    ("srcs: []\n", 1, "srcs", "unknown key"),
])
def test_mistakes_are_one_line_with_file_line_source_and_key(tmp_path, text, line, key, words):
    with pytest.raises(ConfigError) as exc:
        load_sources(write(tmp_path, text))
    msg = str(exc.value)
    assert "\n" not in msg
    assert re.match(rf".*sources\.yaml:{line}: {re.escape(key)}: ", msg), msg
    assert words in msg
    if key.startswith("sources[0]") and "name" not in key:
        assert "source 'a'" in msg


def test_invalid_yaml_and_empty_file(tmp_path):
    with pytest.raises(ConfigError, match=r"sources\.yaml:2: invalid YAML"):
        load_sources(write(tmp_path, "sources:\n  - name: a: b\n    urls: []\n"))
    with pytest.raises(ConfigError, match="empty file"):
        load_sources(write(tmp_path, ""))


def test_parse_every():
    assert [parse_every(x) for x in ("45s", "30m", "2h", "1d", " 5 m ")] == [45, 1800, 7200, 86400, 300]
    for bad in ("0m", "m", "1w", True, None, 1.5):
        with pytest.raises(ValueError):
            parse_every(bad)


def test_select_sources(tmp_path):
    sources = load_sources(write(tmp_path, """\
sources:
  - {name: a, urls: [http://x/]}
  - {name: b, urls: [http://x/], enabled: false}
  - {name: c, urls: [http://x/]}
"""))
    assert [s.name for s in select_sources(sources, None)] == ["a", "c"]
    assert [s.name for s in select_sources(sources, ["b", "a", "b"])] == ["b", "a"]
    with pytest.raises(ConfigError, match="unknown source 'z'.*a, b, c"):
        select_sources(sources, ["z"])
