"""config/sources.yaml loading: the shipped file, and one-line errors naming file, line, source, key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.paths import default_config_dir
from pipeline.sources import load_sources, parse_every, select_sources, source_for_url


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
    cjrb = next(s for s in sources if s.name == "cjrb")
    assert any(lst.method == "POST" and lst.page_field == "pageNo" for lst in cjrb.lists)
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
    assert (src.revisit, src.revisit_seconds) == (None, 0)


@pytest.mark.parametrize("value, seconds, gap", [("2d", 172800, 21600), ("off", 0, 21600), ("false", 0, 21600)])
def test_revisit_window_and_gap(tmp_path, value, seconds, gap):
    src = load_sources(write(tmp_path, f"sources:\n  - name: a\n    urls: [http://x/]\n    revisit: {value}\n"))[0]
    assert src.revisit_seconds == seconds and src.revisit_gap == gap
    daily = load_sources(write(tmp_path, "sources:\n  - name: a\n    urls: [http://x/]\n    every: 1d\n"
                                         "    revisit: 3d\n"))[0]
    assert daily.revisit_gap == 86400  # never more often than the source is crawled


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
    ("sources:\n  - name: a\n    urls: [http://x/]\n    revisit: 2\n", 4, "sources[0].revisit", "no unit"),
    ("sources:\n  - name: a\n    urls: [http://x/]\n    revisit: 100d\n", 4, "sources[0].revisit", "at most 90d"),
    ("sources:\n  - name: a\n    urls: [http://x/]\n    revisit: soon\n", 4, "sources[0].revisit", "or off"),
    # urls entries written as mappings (lists fetched with POST)
    ("sources:\n  - name: a\n    urls:\n      - url: http://x/\n        method: PUT\n", 5,
     "sources[0].urls[0].method", "expected GET or POST"),
    ("sources:\n  - name: a\n    urls:\n      - url: http://x/\n        method: POST\n        form: a=1\n", 6,
     "sources[0].urls[0].form", "mapping"),
    ("sources:\n  - name: a\n    urls:\n      - url: http://x/\n        form: {a: 1}\n", 5,
     "sources[0].urls[0].form", "method: POST"),
    ("sources:\n  - name: a\n    urls:\n      - url: http://x/\n        page_field: p\n", 5,
     "sources[0].urls[0].page_field", "method: POST"),
    ("sources:\n  - name: a\n    urls:\n      - url: http://x/\n        method: POST\n        form: {a: 1}\n"
     "        json_body: {b: 2}\n", 7, "sources[0].urls[0].json_body", "not both"),
    ("sources:\n  - name: a\n    urls:\n      - url: http://x/\n        method: POST\n        json_body: [1]\n", 6,
     "sources[0].urls[0].json_body", "mapping"),
    ("sources:\n  - name: a\n    urls:\n      - url: http://x/\n        method: POST\n        form:\n"
     "          a: [1, 2]\n", 7, "sources[0].urls[0].form.a", "string or a number"),
    ("sources:\n  - name: a\n    urls:\n      - url: http://x/\n        headers: {X-A: yes}\n", 5,
     "sources[0].urls[0].headers.X-A", "string or a number"),
    ("sources:\n  - name: a\n    urls:\n      - url: http://x/\n        first_page: -1\n", 5,
     "sources[0].urls[0].first_page", "0 or more"),
    ("sources:\n  - name: a\n    urls:\n      - url: http://x/\n        methd: POST\n", 5,
     "sources[0].urls[0].methd", "unknown key"),
    ("sources:\n  - name: a\n    urls:\n      - http://x/\n      - method: POST\n", 5,
     "sources[0].urls[1].url", "required"),
    ("sources:\n  - name: a\n    urls:\n      - url: http://x/\n        method: POST\n        kind: feed\n", 6,
     "sources[0].urls[0].kind", "json or html"),
    ("sources:\n  - name: a\n    urls:\n      - url: ftp://x/\n", 4, "sources[0].urls[0].url", "not an http"),
    ("sources:\n  - name: a\n    urls:\n      - url: http://x/\n        kind: feed\n        json: {items: x}\n", 6,
     "sources[0].urls[0].json.url", "required"),
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


def test_post_list_entries_are_parsed(tmp_path):
    src = load_sources(write(tmp_path, """\
sources:
  - name: a
    urls:
      - http://x/list/
      - url: http://x/api
        method: post
        form: {chnlId: 15886, size: 20}
        headers: {X-Requested-With: XMLHttpRequest}
        page_field: pageNo
        json: {items: rows, url: DOCPUBURL}
      - url: http://x/api2
        method: POST
        json_body: {channel: yw, filter: {year: 2024}}
        page_field: page
        first_page: 0
"""))[0]
    assert src.urls == ["http://x/list/", "http://x/api", "http://x/api2"]
    plain, form, body = src.lists
    assert plain.plain and plain.method == "GET" and plain.form is None
    assert (form.method, form.form, form.headers, form.page_field, form.first_page) == (
        "POST", {"chnlId": "15886", "size": "20"}, {"X-Requested-With": "XMLHttpRequest"}, "pageNo", 1)
    assert form.json.items == "rows" and form.json.url == "DOCPUBURL"
    assert form.form_for(3) == {"chnlId": "15886", "size": "20", "pageNo": "3"}
    assert body.json_for(0) == {"channel": "yw", "filter": {"year": 2024}, "page": 0}
    assert src.to_dict()["lists"][2]["json_body"] == {"channel": "yw", "filter": {"year": 2024}}


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


def test_a_page_is_credited_to_the_source_whose_sites_it_is_on(tmp_path):
    sources = load_sources(tmp_path)  # the shipped ones
    assert source_for_url(sources, "https://www.gov.cn/zhengce/content/202403/content_1.htm") == "gov_cn_policy"
    # www.gov.cn is a site of its own: a ministry's page is not 中國政府網's
    assert source_for_url(sources, "https://www.ndrc.gov.cn/xwdt/ztzl/xhyshj/202403/t20240305_1.html") == "ndrc_yshj"
    assert source_for_url(sources, "http://www.hanyang.gov.cn/zwgk_38/202403/t20240305_1.shtml") == "hanyang_gov"
    assert source_for_url(sources, "https://news.cjn.cn/sywh/202403/t1.htm") == "cjrb"
    assert source_for_url(sources, "https://www.example.com/a.html") is None
