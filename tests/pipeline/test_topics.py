"""The topic lexicon: script-blind tags, a weighted relevance score, `keep: relevant`."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.model import Article
from pipeline.topics import Lexicon, is_relevant, load_lexicon, parse_lexicon, score, tag_article

SMALL = """\
threshold: 2
title_factor: 3
cap: 2
topics:
  - tag: 营商环境
    weight: 3
    terms: [营商环境]
  - tag: 放管服
    weight: 1
    terms: [放管服, 簡政放權]
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "topics.yaml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture
def small(tmp_path) -> Lexicon:
    return load_lexicon(write(tmp_path, SMALL))


def test_shipped_lexicon_loads_and_covers_the_issue_terms():
    lex = load_lexicon(Path(__file__).resolve().parents[2] / "config")
    tags = {t.tag for t in lex.topics}
    assert {"营商环境", "优化营商环境", "放管服", "一网通办", "一件事一次办", "审批", "减税降费",
            "市场主体", "政务服务"} <= tags


def test_missing_user_file_falls_back_to_the_shipped_lexicon(tmp_path):
    lex = load_lexicon(tmp_path)
    assert lex is not None and len(lex.topics) >= 9


@pytest.mark.parametrize("text", ["持续优化营商环境", "持續優化營商環境", "持續优化營商环境"])
def test_matching_is_script_blind(small, text):
    assert score(text, small) == (["营商环境"], 3.0)


def test_terms_in_the_other_script_match_too(small):
    assert score("推进简政放权", small) == (["放管服"], 1.0)


def test_weights_title_factor_and_cap(small):
    art = Article(id="x", title="营商环境观察", text="营商环境 营商环境 营商环境 营商环境；放管服")
    tags, rel = score(art, small)
    assert tags == ["营商环境", "放管服"]
    # 营商环境: 3 * (3 * 1 title + min(4, cap 2)) = 15; 放管服: 1 * (0 + 1) = 1
    assert rel == 16.0


def test_no_match(small):
    assert score("今天天气很好", small) == ([], 0.0)
    assert score(Article(id="x"), small) == ([], 0.0)


def test_tag_article_keeps_existing_tags_without_duplicates(small):
    art = Article(id="x", title="放管服", text="營商環境", tags=["seed", "營商環境"])
    tag_article(art, small)
    assert art.tags == ["seed", "營商環境", "放管服"]
    assert art.relevance == 3.0 + 3.0
    tag_article(art, small)  # idempotent
    assert art.tags == ["seed", "營商環境", "放管服"]


def test_is_relevant_uses_the_threshold(small):
    assert is_relevant(Article(id="a", text="营商环境"), small)           # 3 >= 2
    assert not is_relevant(Article(id="b", text="放管服"), small)         # 1 <  2
    assert is_relevant(Article(id="c", text="放管服，放管服"), small)     # 2 >= 2
    scored = Article(id="d", text="营商环境", relevance=0.5)              # an existing score wins
    assert not is_relevant(scored, small)


@pytest.mark.parametrize("text, where", [
    ("topics: []\n", "topics.yaml:1: topics: expected a non-empty list"),
    ("topics:\n  - tag: a\n    weight: -1\n    terms: [x]\n", "topics.yaml:3: topics[0].weight: must not be negative"),
    ("topics:\n  - tag: a\n    weight: 0\n    terms: [x]\n", "topics.yaml:3: topics[0].weight: must be greater than 0"),
    ("topics:\n  - tag: a\n    weight: high\n    terms: [x]\n", "topics.yaml:3: topics[0].weight: expected a number"),
    ("topics:\n  - tag: a\n    terms: []\n", "topics.yaml:3: topics[0].terms: expected a non-empty list"),
    ("topics:\n  - tag: a\n    terms: [x]\n  - tag: A\n    terms: [y]\n", "topics.yaml:4: topics[1].tag: duplicate tag"),
    ("topics:\n  - tag: a\n    term: [x]\n", "topics.yaml:3: topics[0].term: unknown key"),
    ("threshold: lots\ntopics:\n  - tag: a\n    terms: [x]\n", "topics.yaml:1: threshold: expected a number"),
    ("topic:\n  - tag: a\n", "topics.yaml:1: topic: unknown key"),
    ("- just a list\n", "(top level): expected a mapping"),
    ("topics: [\n", "invalid YAML"),
])
def test_config_errors_name_file_line_and_key(tmp_path, text, where):
    with pytest.raises(ConfigError) as err:
        load_lexicon(write(tmp_path, text))
    assert where in str(err.value)


def test_parse_lexicon_defaults():
    lex = parse_lexicon({"topics": [{"tag": "t", "terms": ["词"]}]})
    assert (lex.threshold, lex.title_factor, lex.cap, lex.topics[0].weight) == (2.0, 3.0, 5, 1.0)
