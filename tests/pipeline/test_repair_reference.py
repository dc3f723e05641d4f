"""Runs the repair left, mended from a clean copy of the same story, checked byte for byte."""

import sys
from pathlib import Path

from pipeline import damage
from pipeline.errors import StoreError
from pipeline.model import Article
from pipeline.repair import gbk, reference
from pipeline.store.sqlite import SQLiteStore
from pipeline.storing import save

sys.path.insert(0, str(Path(__file__).parent))
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


def test_copies_that_give_different_answers_mend_nothing():
    # a copy whose first character differs only in the lead byte the damage took passes the
    # byte check too: two copies that disagree there leave the run
    text, run, clean = damaged_repost()
    trail = gbk.char_bytes("企")[1]
    twin = next(ch for lead in range(0x81, 0xFF)
                if (ch := gbk.pair_char(lead, trail)) and ch != "企" and "\u4e00" <= ch <= "\u9fff")
    rival = REPOST[:AT] + twin + REPOST[AT + 1:]
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


def test_a_run_with_too_little_context_is_not_looked_for():
    text, run, _ = damaged_repost(at=2)
    log = [left_run(run, at=2)]
    assert reference.mend(text, log, "text", [("city", RELEASE)]) == text


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
