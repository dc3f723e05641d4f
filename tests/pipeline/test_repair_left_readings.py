"""A run the repair leaves keeps its likeliest readings: shown as guesses, indexed for search."""

import sys
from pathlib import Path

from pipeline import damage
from pipeline.leftruns import guessed_readings, guessed_spans, search_text
from pipeline.model import Article
from pipeline.repair import gbk, reference, repair_text

sys.path.insert(0, str(Path(__file__).parent))
from repost_case import PARTIAL_AT, REPORT, REPORT_AT, damaged_repost, left_report  # noqa: E402


def test_a_left_run_keeps_its_readings_and_the_first_is_the_original():
    article = left_report()
    [entry] = article.repair_log
    assert entry["kind"] == "unresolved" and article.repairs == {"unresolved": 1}
    run = entry["before"]
    # the text is left as it arrived; the readings are written over the recorded run
    assert article.text == damage.damage_at(REPORT, REPORT_AT).text
    assert article.text[entry["offset"]:entry["offset"] + len(run)] == run == entry["after"]
    readings = entry["readings"]
    assert 1 < len(readings) <= 3 and len(set(readings)) == len(readings) and run not in readings
    at = entry["offset"]
    first = article.text[:at] + readings[0] + article.text[at + len(run):]
    assert first == gbk.fold_width(REPORT)
    assert all(article.text[:at] + r + article.text[at + len(run):] != first for r in readings[1:])


def test_the_question_mark_a_partial_repair_keeps_has_readings_too():
    article = left_report(PARTIAL_AT)
    assert sorted(e["kind"] for e in article.repair_log) == ["byte_shift", "lost"]
    lost = next(e for e in article.repair_log if e["kind"] == "lost")
    at = lost["offset"]
    assert at == PARTIAL_AT and article.text[at] == "?" and lost["before"] == "?"
    assert lost["readings"] == ["持", "手"]  # the original first, the other close reading next
    assert article.text[:at] + "持" + article.text[at + 1:] == gbk.fold_width(REPORT)
    assert search_text(article).split("\n") == ["江華瑤族自治縣持續優化營商環境,", "江華瑤族自治縣手續優化營商環境,"]
    # a copy settles it: the '?' and its guesses go
    mended = reference.mend(article.text, article.repair_log, "text", [("city", REPORT)])
    assert mended == gbk.fold_width(REPORT) and search_text(article) == ""


def test_repairs_made_and_losses_carry_no_readings():
    """Only damage left has guesses; every other record keeps the fields it always had (a
    byte a bad pair swallowed is gone: nothing to guess from)."""
    fields = {"kind", "offset", "before", "after", "confidence"}
    repaired = repair_text(damaged_repost()[0] + "锟斤拷")
    assert sorted(r.kind for r in repaired.repairs) == ["byte_shift", "lost"]
    assert all(set(r.to_dict()) == fields and r.readings == () for r in repaired.repairs)


def test_a_run_mended_from_a_copy_drops_its_guesses():
    article = left_report()
    mended = reference.mend(article.text, article.repair_log, "text", [("city", REPORT)])
    assert mended == gbk.fold_width(REPORT)
    [entry] = article.repair_log
    assert entry["kind"] == "byte_shift" and entry["from_copy"] == "city"
    assert "readings" not in entry and search_text(article) == ""


def test_search_text_is_each_reading_in_its_context():
    article = left_report()
    lines = search_text(article).split("\n")
    assert len(lines) == len(article.repair_log[0]["readings"])
    assert lines[0] == "一網通辦”,企業開辦時間壓縮至一個"  # 8 characters each side
    assert all(line.startswith("一網通辦”,企業") and line.endswith("辦時間壓縮至一個") for line in lines)


def test_search_text_ignores_what_a_log_should_not_hold():
    """The log comes back from the index: a malformed entry is skipped, never an error."""
    text = "全縣新登記市場主體三千餘戶"
    good = {"kind": "unresolved", "field": "text", "offset": 5, "before": "市場", "after": "市場",
            "readings": ["巿場"]}
    bad = [
        {**good, "kind": "byte_shift"},                 # a repair made: nothing to guess
        {**good, "readings": "市場"},                    # not a list
        {**good, "field": "id"},                        # not a field the repair runs over
        {**good, "offset": "5", "readings": ["甲"]},     # an offset that is no number: found by text
        {**good, "before": "不在文中", "readings": ["乙"]},  # the run is not in the text
        {**good, "before": None},
        {**good, "readings": [3, None]},
    ]
    article = Article(id="x", text=text, source="t", repair_log=[good, *bad])
    assert search_text(article).split("\n") == ["全縣新登記巿場主體三千餘戶", "全縣新登記甲主體三千餘戶"]


def test_guessed_spans_are_the_damage_a_term_was_found_in():
    article = left_report()
    entry = article.repair_log[0]
    run = (entry["offset"], entry["offset"] + len(entry["before"]))
    assert guessed_spans(article, ["企业 开办"]) == [run]  # folded and spaced as search does
    assert guessed_spans(article, ["企業達辦", "縣政務"]) == [run]  # a later guess; a term the text holds
    assert guessed_spans(article, ["縣政務", "營業"]) == [] and guessed_spans(article, []) == []


def test_a_term_the_context_alone_holds_is_no_guess():
    """``辦時間`` follows the run in the text: every reading's window holds it, but no
    guess found it. ``企業開辦`` stands over the first reading only."""
    article = left_report()
    assert guessed_readings(article, ["辦時間"]) == [] and guessed_spans(article, ["辦時間"]) == []
    assert guessed_readings(article, ["企業開辦"]) == ["一網通辦”,企業開辦時間壓縮至一個"]
    assert len(guessed_readings(article, ["開辦時間"])) == 2  # 開 and ,開: each reads so
