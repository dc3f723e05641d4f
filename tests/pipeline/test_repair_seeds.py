"""The seed articles: every damaged span repaired, genuine ? and ! kept, no pinyin left."""

from __future__ import annotations

import re

import pytest

from pipeline.repair import repair_text
from pipeline.repair import pinyin as py
from tests.pipeline.repair_shared import seed_text

# the five worked examples of shared/notes/mojibake.md, with enough article around them
NOTE_EXAMPLES = [
    ("000", "真情服務?!苯A縣", "真情服務。”江華縣"),
    ("000", "僅用150天?!敖A速度”", "僅用150天。“江華速度”"),
    ("004", "的用腳投票?!比莅偌瘓F(tuán)", "的用腳投票。”容百集團"),
    ("004", "的一次招商?!斑@是自下而上", "的一次招商。“這是自下而上"),
    ("004", "太??萍荚跐h陽", "太保科技在漢陽"),
]


@pytest.fixture(scope="module")
def repaired():
    return {k: repair_text(seed_text(k)) for k in ("000", "004")}


@pytest.mark.parametrize("seed,damaged,original", NOTE_EXAMPLES)
def test_note_examples_come_out_exactly(repaired, seed, damaged, original):
    assert damaged in seed_text(seed)
    assert original in repaired[seed].text
    assert damaged not in repaired[seed].text


@pytest.mark.parametrize("fixed", [
    "來源: 長江日報",                     # phantom annotation of a shifted read
    "長江日報記者肖清清",
    "引入區內企業",
    "太保科技服務(武漢)有限公司",         # PUA U+E848 and a swallowed "(" of (wù)
    "太保科技充分發揮",
    "太保科技負責人",
    "太保科技計劃",
    "平臺。“才來一年",
    "合法權益。”</p>",                   # the "<" a bad pair took, restored
    "競爭力。”漢陽區主要負責人",
])
def test_seed_004_spans(repaired, fixed):
    assert fixed in repaired["004"].text


def test_genuine_question_and_exclamation_marks_stay(repaired):
    t4 = repaired["004"].text
    assert t4.startswith("考核全省第一!漢陽區怎么做到的?\n")
    assert "不等人!”" in t4
    assert "第一時間知道?漢陽區" in t4
    assert "“突圍”?答案" in repaired["000"].text


def test_no_damage_and_no_pinyin_left(repaired):
    for r in repaired.values():
        assert "\ue848" not in r.text
        assert not py.annotations(r.text)
        assert not re.search(r"\?[a-zü" + py._TONED + r"]{1,7}\)", r.text)
        kinds = {x.kind for x in r.repairs}
        assert "unresolved" not in kinds


def test_every_change_is_recorded_at_its_offset(repaired):
    r = repaired["000"]
    shifts = [x for x in r.repairs if x.kind == "byte_shift"]
    assert len(shifts) == 2
    for x in shifts:
        assert r.text[x.offset:x.offset + len(x.after)] == x.after
        assert x.before.startswith("?") and 0.5 < x.confidence <= 1.0


def test_process_text_stores_the_seed_repaired():
    from pipeline.process import process_text

    article = process_text(seed_text("000"))
    assert "江華縣優化營商環境" in article.text
    assert article.repairs.get("byte_shift") == 2
