"""Runs the repair left, mended from a clean copy of the same story, checked byte for byte."""

import sys
from pathlib import Path

from pipeline import damage
from pipeline.chinese import to_traditional
from pipeline.errors import StoreError
from pipeline.model import Article
from pipeline.repair import gbk, reference
from pipeline.store.sqlite import SQLiteStore
from pipeline.storing import save

sys.path.insert(0, str(Path(__file__).parent))
from repair_shared import cleaned_texts  # noqa: E402
from repost_case import AT, RELEASE, REPOST, county_article, damaged_repost, left_run  # noqa: E402


def test_a_left_run_is_mended_from_the_original_in_the_other_script():
    text, run, clean = damaged_repost()
    assert run.startswith("?") and len(run) > 3
    later = {"kind": "pinyin", "offset": AT + 40, "before": "x(x)", "after": "x", "confidence": 1.0,
             "field": "text"}
    log = [left_run(run), later]
    mended = reference.mend(text, log, "text", [("city", RELEASE)])
    assert mended == clean
    assert log[0]["kind"] == "byte_shift" and log[0]["from_copy"] == "city"
    assert log[0]["after"] == clean[AT:AT + len(log[0]["after"])] and log[0]["confidence"] == 1.0
    # a record after the mended spot moves with it
    assert later["offset"] == AT + 40 + len(log[0]["after"]) - len(run)


def test_a_copy_that_reads_otherwise_there_mends_nothing():
    text, run, _ = damaged_repost()
    log = [left_run(run)]
    other = RELEASE.replace("企业开办时间", "项目审批时间")
    assert reference.mend(text, log, "text", [("x", other)]) == text
    assert log[0]["kind"] == "unresolved" and "from_copy" not in log[0]


def _twin(ch: str) -> str:
    """A Chinese character that differs from ``ch`` only in the lead byte the damage takes."""
    trail = gbk.char_bytes(ch)[1]
    return next(t for lead in range(0x81, 0xFF)
                if (t := gbk.pair_char(lead, trail)) and t != ch and "\u4e00" <= t <= "\u9fff")


def test_copies_that_give_different_answers_mend_nothing():
    # a copy whose first character differs only in the lead byte the damage took passes the
    # byte check too: two copies that disagree there leave the run
    text, run, clean = damaged_repost()
    rival = REPOST[:AT] + _twin("企") + REPOST[AT + 1:]
    log = [left_run(run)]
    assert reference.mend(text, log, "text", [("a", RELEASE), ("b", rival)]) == text
    # nor does one copy that holds the sentence twice, once each way
    assert reference.mend(text, log, "text", [("ab", RELEASE + "\n" + rival)]) == text
    assert reference.mend(text, log, "text", [("b", rival)]) != text  # alone, it is believed


def test_a_partial_repair_gets_its_first_character_and_the_counts_follow():
    text, run, clean = damaged_repost()
    # the partial repair read everything after the first character, kept as a counted '?'
    partial = clean[:AT] + "?" + clean[AT + 1:]
    log = [dict(left_run(run, kind="byte_shift"), after="?" + clean[AT + 1:clean.index("1個工作日")]),
           {"kind": "lost", "offset": AT, "before": "?", "after": "?", "confidence": 1.0,
            "field": "text"}]
    article = Article(id="county", text=partial, source="jh", repair_log=log,
                      repairs={"byte_shift": 1, "lost": 1})
    assert reference.mend_article(article, [Article(id="city", text=RELEASE, source="wuhan")]) == 1
    assert article.text == clean
    assert article.repairs == {"byte_shift": 1}
    assert [e["kind"] for e in article.repair_log] == ["byte_shift"]


def test_a_copy_with_a_private_use_character_in_the_run_settles_nothing():
    # its bytes make a pair that vanishes out of step: the damage reads the same with it
    text, run, clean = damaged_repost()
    odd = REPOST[:AT + 2] + "\ue000" + REPOST[AT + 2:]
    assert damage.damage_at(odd, AT).text == text
    log = [left_run(run)]
    assert reference.mend(text, log, "text", [("odd", odd)]) == text
    assert reference.mend(text, log, "text", [("odd", odd), ("city", RELEASE)]) == clean


def test_a_run_near_the_start_is_mended_only_from_a_copy_that_starts_the_same():
    text, run, clean = damaged_repost(at=2)
    assert reference.mend(text, [left_run(run, at=2)], "text", [("city", RELEASE)]) == clean
    lead = "导语：" + RELEASE  # the two characters before the run stand elsewhere in it
    assert reference.mend(text, [left_run(run, at=2)], "text", [("c", lead)]) == text


def test_a_title_damaged_near_its_start_or_up_to_its_end_is_mended_from_the_copys_title():
    title = "市政府印发优化营商环境三年行动方案"
    trad = to_traditional(title)
    for at, otherwise in ((1, "导语：" + title), (12, title + "（全文）")):
        hurt = damage.damage_at(trad, at).text
        assert hurt[at] == "?" and hurt != trad
        log = []
        assert reference.mend(hurt, log, "title", [("city", title)]) == trad
        assert log[0]["from_copy"] == "city" and log[0]["offset"] == at
        # a copy whose title begins or ends otherwise cannot vouch for the edge
        assert reference.mend(hurt, [], "title", [("c", otherwise)]) == hurt
    assert damage.damage_at(trad, 12).text.endswith("?")  # damaged up to the very end


def test_a_question_mark_no_record_covers_is_checked_against_the_copy():
    # the repair's cheap looks took the run's '?' for a genuine one: nothing recorded
    text, run, clean = damaged_repost()
    log = []
    assert reference.mend(text, log, "text", [("city", RELEASE)]) == clean
    entry, = log
    assert entry["kind"] == "byte_shift" and entry["from_copy"] == "city"
    assert entry["offset"] == AT and entry["before"] == text[AT:AT + len(entry["before"])]
    assert text[AT:].startswith(entry["before"]) and entry["before"].startswith("?")
    assert clean[AT:].startswith(entry["after"]) and entry["after"].startswith("企")


def test_a_left_run_whose_damage_reaches_past_its_record_is_mended_whole():
    # two pairs vanished: the recorded run is shorter than the damage
    text, run, clean = damaged_repost()
    log = [left_run(run[:2])]
    assert reference.mend(text, log, "text", [("city", RELEASE)]) == clean
    assert log[0]["kind"] == "byte_shift" and log[0]["from_copy"] == "city"
    assert len(log[0]["before"]) > 2 and len(log) == 1


def test_a_left_run_recorded_from_a_genuine_question_mark_is_mended_from_the_damage_on():
    asked = RELEASE.replace("2025年，企业", "2025年呢?企业")
    text = damage.damage_at(to_traditional(asked), AT + 1).text
    clean = gbk.fold_width(to_traditional(asked))
    assert text[AT:AT + 2] == "??"
    log = [left_run(text[AT:AT + 6], at=AT)]  # the run as the repair saw it: from the first '?'
    assert reference.mend(text, log, "text", [("city", asked)]) == clean
    assert log[0]["offset"] == AT + 1 and log[0]["from_copy"] == "city"


def test_where_the_damage_took_what_tells_the_scripts_apart_the_article_keeps_its_own():
    # the lead byte of 從/从 is lost and its trail byte swallowed with the "2" after it:
    # the copy in either script checks out, and the article's own script decides
    # (the six characters before it read the same in both scripts)
    simplified = "市政府在五月十日表示，从2019年1月1日起施行，鼓励从事相关业务的企业参与。"
    traditional = to_traditional(simplified)
    for article in (traditional, simplified):
        text = damage.damage_at(article, article.index("2019") - 1).text
        assert "??019" in text
        for copy in (traditional, simplified):
            assert reference.mend(text, [], "text", [("c", copy)]) == gbk.fold_width(article)
    # an article that holds both elsewhere settles nothing
    mixed = simplified + "（從）"
    text = damage.damage_at(mixed, mixed.index("2019") - 1).text
    assert reference.mend(text, [], "text", [("c", simplified)]) == text


def test_a_repost_with_its_punctuation_folded_to_ascii_is_evidence_too():
    # another repost of the seeds' kind: '，' became ',', whose single byte would read
    # otherwise when damaged; the copy is replayed with its punctuation widened again
    folded = gbk.fold_width(REPOST)
    assert "，" not in folded
    for at in (AT - 1, REPOST.index("方案》") + 1):  # runs over '，' and over '》，'
        text = damage.damage_at(REPOST, at).text
        assert reference.mend(text, [], "text", [("repost", folded)]) == folded


def test_a_far_character_gbk_cannot_encode_does_not_spoil_a_near_answer():
    text, _, clean = damaged_repost()
    far = AT + 40  # past where the damage is back in step, before the copy's end
    copy = RELEASE[:far] + "\U0001F600" + RELEASE[far:]
    assert reference.mend(text, [], "text", [("c", copy)]) == clean


def test_a_genuine_question_mark_stays_whatever_the_copy_holds():
    ask = "漢陽區營商環境怎么做到的?記者走訪了企業。"
    for copy in (ask, ask.replace("?", "？"), "汉阳区营商环境怎么做到的？记者走访了企业。"):
        log = []
        assert reference.mend(ask, log, "text", [("c", copy)]) == ask and log == []


def test_clean_text_full_of_genuine_question_marks_is_left_alone_by_its_original():
    # cwced in the seeds' form (traditional, full-width folded: ？ became ?) against the
    # page as published, the copy that would check each '?' hardest
    marks = 0
    for published in cleaned_texts():
        seed_form = gbk.fold_width(to_traditional(published))
        log = []
        assert reference.mend(seed_form, log, "text", [("c", published)]) == seed_form
        assert log == []
        marks += seed_form.count("?")
    assert marks > 100


def test_a_copy_overrules_a_wrong_repair_and_confirms_a_right_one():
    text, run, clean = damaged_repost()
    end = clean.index("1個工作日")  # where the run, as repaired, ends
    wrong = clean[:AT] + _twin("企") + clean[AT + 1:]  # reads as well to the bytes
    log = [{"kind": "byte_shift", "offset": AT, "before": run, "after": wrong[AT:end],
            "confidence": 0.9, "field": "text"}]
    assert reference.mend(wrong, log, "text", [("city", RELEASE)]) == clean
    assert log[0]["after"] == clean[AT:end] and log[0]["from_copy"] == "city"
    right = [{"kind": "byte_shift", "offset": AT, "before": run, "after": clean[AT:end],
              "confidence": 0.9, "field": "text"}]
    assert reference.mend(clean, right, "text", [("city", RELEASE)]) == clean
    assert right[0]["confidence"] == 1.0 and right[0]["from_copy"] == "city"
    # a copy that reads otherwise there leaves the model's repair as it was
    other = RELEASE.replace("企业开办时间", "项目审批时间")
    kept = [dict(log[0], after=wrong[AT:end], confidence=0.9)]
    del kept[0]["from_copy"]
    assert reference.mend(wrong, kept, "text", [("x", other)]) == wrong
    assert kept[0]["confidence"] == 0.9 and "from_copy" not in kept[0]


def test_what_a_copy_guessed_itself_is_no_evidence():
    text, run, clean = damaged_repost()
    end = clean.index("1個工作日")
    for guess in (clean[:AT] + _twin("企") + clean[AT + 1:], clean):  # a wrong guess, a right one
        record = {"kind": "byte_shift", "offset": AT, "before": run, "after": guess[AT:end],
                  "confidence": 0.9, "field": "text"}
        other = Article(id="other", text=guess, source="x", repair_log=[record])
        article = county_article()
        assert reference.mend_article(article, [other]) == 0 and article.text == text
        # the same page twice in a batch confirms nothing either
        twin = Article(id="other", text=guess, source="x", repair_log=[dict(record)])
        assert reference.mend_article(twin, [other]) == 0 and "from_copy" not in twin.repair_log[0]
    # what a copy was mended with from a copy is evidence: bytes checked it
    checked = Article(id="other", text=clean, source="x",
                      repair_log=[dict(record, confidence=1.0, from_copy="city")])
    article = county_article()
    assert reference.mend_article(article, [checked]) == 1 and article.text == clean


def test_save_mends_from_a_copy_in_the_index_or_in_the_same_batch(tmp_path):
    # (the other way round, an original saved after its repost: the store suite)
    clean = damaged_repost()[2]
    store = SQLiteStore(tmp_path / "a" / "newsmon.db")
    try:
        save(store, [Article(id="city", text=RELEASE, source="wuhan")], data_dir=tmp_path / "a")
        save(store, [county_article()], data_dir=tmp_path / "a")
        stored = store.get("county")
        assert stored.story_id == "city" and stored.text == clean
        assert stored.repairs == {"byte_shift": 1} and stored.repair_log[0]["from_copy"] == "city"
    finally:
        store.close()
    store = SQLiteStore(tmp_path / "b" / "newsmon.db")
    try:
        save(store, [county_article(), Article(id="city", text=RELEASE, source="wuhan")],
             data_dir=tmp_path / "b")
        assert store.get("county").text == clean
    finally:
        store.close()
    # a repost whose '?' the repair took for a genuine one, joining the original's story
    store = SQLiteStore(tmp_path / "c" / "newsmon.db")
    try:
        save(store, [Article(id="city", text=RELEASE, source="wuhan")], data_dir=tmp_path / "c")
        unrecorded = county_article()
        unrecorded.repair_log, unrecorded.repairs = [], {}
        save(store, [unrecorded], data_dir=tmp_path / "c")
        stored = store.get("county")
        assert stored.text == clean and stored.repairs == {"byte_shift": 1}
    finally:
        store.close()


class _Unanswering(SQLiteStore):
    """An index that takes writes but cannot answer a search right now."""

    def search(self, req):
        raise StoreError("index unreachable")


def test_an_index_that_cannot_answer_still_gets_the_article(tmp_path):
    store = _Unanswering(tmp_path / "newsmon.db")
    try:
        assert save(store, [county_article()], data_dir=tmp_path) == ["new"]
        assert store.get("county").repairs == {"unresolved": 1}
    finally:
        store.close()
