"""Clean text must come out unchanged: every character of the hand-checked corpus."""

from __future__ import annotations

import opencc
import pytest

from pipeline.repair import repair_text
from pipeline.repair.gbk import fold_width
from tests.pipeline.repair_shared import cleaned_texts


@pytest.fixture(scope="module")
def corpus():
    return cleaned_texts()


def _assert_unchanged(texts):
    changed = []
    for t in texts:
        r = repair_text(t)
        if r.text != t:
            changed.extend(x for x in r.repairs if x.before != x.after)
    assert not changed, changed[:5]


def test_cwced_cleaned_as_published_is_left_alone(corpus):
    _assert_unchanged(corpus)


def test_cwced_cleaned_in_seed_form_is_left_alone(corpus):
    # traditional script and width-folded punctuation, as the seeds are: many genuine "?"
    cc = opencc.OpenCC("s2t")
    texts = [fold_width(cc.convert(t)) for t in corpus]
    assert sum(t.count("?") for t in texts) > 20
    _assert_unchanged(texts)


QUOTED_URL = "附件請見 http://www.hyqnsrmzf.gov.cn/back.php?p=1700\n《播客熱》帶來了什麼?"


def test_a_quoted_urls_query_string_is_not_taken_for_damage():
    r = repair_text(QUOTED_URL)
    assert r.text == QUOTED_URL
    assert r.repairs == []


def test_without_the_url_check_the_query_string_was_recorded_as_damage(monkeypatch):
    # the check above can fail: the same text, the URL check off, gets a record
    from pipeline.repair import readings

    monkeypatch.setattr(readings, "_starts_query", lambda text, i: False)
    kinds = [x.kind for x in repair_text(QUOTED_URL).repairs]
    assert kinds == ["unresolved"]


def test_damage_right_after_a_path_is_still_looked_at():
    # "?!" is no query string: the run after the URL is still read as damage
    text = "見 http://x.cn/a.html?!苯A縣"
    assert [x.kind for x in repair_text(text).repairs] in (["unresolved"], ["byte_shift"])


REPEATED = "問題?A答 " * 50
#: a table whose rows differ only in their number
ROWS = "".join(f"問題{i}?A答 " for i in range(30))


def test_a_line_or_row_repeated_is_no_more_evidence_than_once():
    # runs damaged alike are decided together, their scores averaged
    once = repair_text(REPEATED[:6])
    assert once.text == REPEATED[:6]
    for text in (REPEATED, ROWS):
        r = repair_text(text)
        assert r.text == text
        assert {x.kind for x in r.repairs} == {"unresolved"}


def test_summing_each_repeat_as_evidence_changed_the_text(monkeypatch):
    # the check above can fail: scores summed over the repeats (as before), text changes
    from pipeline.repair import byteshift

    monkeypatch.setattr(byteshift, "_pooled", sum)
    assert repair_text(REPEATED).text != REPEATED
    assert repair_text(ROWS).text != ROWS


#: a character an encoder could not write, replaced by "?" whole, right before a
#: character whose second GBK byte is ASCII (約 = 8C 73, "s"): read one byte out of step,
#: the pair looks like a lost lead byte and an "s" after it
LOST_BEFORE = ("大約5分鐘", "耗資200", "原則,規範", "補貼,減少", "喜歡,放在", "情結,播客")


def test_a_character_lost_whole_is_kept_not_traded_for_a_letter(corpus):
    cc = opencc.OpenCC("s2t")
    texts = [fold_width(cc.convert(t)) for t in corpus]
    for piece in LOST_BEFORE:
        text = next(t for t in texts if piece in t)
        at = text.index(piece)
        lost = text[:at] + "?" + text[at + 1:]
        assert repair_text(lost).text == lost, piece
