"""Inline pinyin annotations go; parentheses that hold text stay."""

from __future__ import annotations

import pytest

from pipeline.repair import repair_text


def test_annotations_after_chinese_are_removed_and_recorded():
    r = repair_text("漢(hàn)陽(yáng)區(qū)政府")
    assert r.text == "漢陽區政府"
    assert [x.kind for x in r.repairs] == ["pinyin"] * 3
    assert r.repairs[0].before == "(hàn)" and r.repairs[0].after == ""


@pytest.mark.parametrize("kept", [
    "公司(武漢)有限", "下載(TXT)版", "年度(2022)報告", "條款(a)項", "英文(Beijing)名",
    "輕聲(de)不標", "(hàn)在行首",
])
def test_parentheses_that_are_text_stay(kept):
    assert repair_text(kept).text == kept


def test_mixed_line_keeps_text_parentheses():
    line = "漢陽(yáng)區(qū)(武漢)(TXT)(2022)"
    assert repair_text(line).text == "漢陽區(武漢)(TXT)(2022)"


def test_annotation_whose_paren_was_swallowed_leaves_no_pinyin():
    # "?" + syllable + ")" : the character is gone but its sound is not pinyin to keep
    r = repair_text("中國?wù)太平洋")
    assert "wù" not in r.text and "?" in r.text
    assert any(x.kind == "lost" for x in r.repairs)
