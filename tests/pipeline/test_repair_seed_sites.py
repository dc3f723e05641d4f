"""Damage where the seeds' damage struck (``damage.seed_sites``), and the two rules that
made the repair read it: the article's open quotation, and ``?!`` as the mark of damage."""

from __future__ import annotations

import opencc
import pytest

from pipeline import damage
from pipeline.repair import byteshift, langmodel, repair_text
from tests.pipeline.repair_shared import cleaned_texts


def test_the_notes_example_is_a_seed_site_and_damaged_there_reads_as_the_seed():
    text = "真情服務。”江華縣優化營商環境"
    sites = damage.seed_sites(text)
    assert sites == [text.index("。")]
    assert damage.damage_at(text, sites[0]).text.startswith("真情服務?!苯A縣")
    # the seeds' other kind: the trail byte A3 of 保 and the lead byte BF of 科 read as ？
    assert damage.seed_sites("太保科技在漢陽") == [1]
    assert damage.damage_at("太保科技在漢陽", 1).text == "太??萍荚跐h陽"


def test_other_full_width_forms_out_of_step_are_no_seed_site():
    # 。常 is A1 A3 B3 A3: out of step A3 B3 reads as ３, which the damage never struck
    assert damage.seed_sites("工作。常態化") == []
    assert damage.seed_sites("保障") == []


@pytest.mark.parametrize("before,state", [
    ("他說", byteshift.NO_QUOTE),
    ("他說:“這是", byteshift.QUOTE_HERE),
    ("他說:“這是\n\n“那是", byteshift.QUOTE_HERE),
    ("他說:“這是\n那是", byteshift.QUOTE_EARLIER),
    ("“府院聯動”機制", byteshift.CLOSED_HERE),
    ("“府院聯動”機制\n依法", byteshift.NO_QUOTE),
])
def test_open_quote(before, state):
    assert byteshift.open_quote(before + "?!?", len(before)) == state


@pytest.mark.parametrize("state,middle,clashes", [
    (byteshift.NO_QUOTE, "。”", 1),
    (byteshift.NO_QUOTE, "。“", 0),
    (byteshift.QUOTE_HERE, "。“", 1),
    (byteshift.QUOTE_HERE, "。”", 0),
    (byteshift.QUOTE_EARLIER, "。“", 0),  # a quotation over paragraphs opens each
    (byteshift.CLOSED_HERE, "。”", 0),    # a term in quotes inside a speaker's words
    (byteshift.NO_QUOTE, "“”", 0),
    (byteshift.NO_QUOTE, "””", 2),
])
def test_quote_clashes(state, middle, clashes):
    assert byteshift._quote_clashes(state, middle) == clashes


@pytest.mark.parametrize("after,expected", [
    ("犬儒”之稱由此而來", "”"),
    ("他說:“好”", "“"),
    ("之稱由此而來。\n“下一段”", ""),   # the next paragraph's marks are another matter
    ("", ""),
])
def test_next_quote(after, expected):
    assert byteshift.next_quote("不惱。“" + after, 4) == expected


@pytest.mark.parametrize("state,middle,after,clashes", [
    (byteshift.CLOSED_HERE, "。”", "”", 1),   # ”…” with no “ between
    (byteshift.CLOSED_HERE, "。“", "”", 0),
    (byteshift.CLOSED_HERE, "。“", "“", 1),   # “…“
    (byteshift.QUOTE_HERE, "。”", "“", 0),
    (byteshift.NO_QUOTE, "。”\n", "”", 1),   # the mark after is another paragraph's
    (byteshift.NO_QUOTE, "。", "”", 0),       # no mark restored, nothing to clash
])
def test_a_restored_quote_clashes_with_the_same_mark_after_it(state, middle, after, clashes):
    assert byteshift._quote_clashes(state, middle, after) == clashes


def _site(snippet: str):
    """The article of cwced (traditional, as the bench damages it) holding ``snippet``,
    damaged at the seed site where ``snippet`` ends in ``。``."""
    for t in cleaned_texts():
        article = damage.gbk_safe(opencc.OpenCC("s2t").convert(t))
        k = article.find(snippet)
        if k >= 0:
            pos = k + len(snippet) - 1
            assert pos in damage.seed_sites(article)
            return article, damage.damage_at(article, pos)
    raise AssertionError(snippet)


def _verdict(article, hurt) -> str:
    return damage.classify(repair_text(hurt.text).text, hurt, article)


def test_a_closing_quote_at_a_paragraphs_end_is_told_by_the_open_quotation(monkeypatch):
    """``夢。”`` and a line end: the line end went with the trail byte of ``”``, so the
    models see ``夢?!?媒體`` and cannot tell ``。”`` from ``。“``; the paragraph opened a
    quotation, so it is ``”``."""
    article, hurt = _site("這些天最好的夢。")
    assert "?!?" in hurt.text
    assert _verdict(article, hurt) == "exact"
    monkeypatch.setattr(byteshift, "QUOTE_CLASH", 0.0)
    assert _verdict(article, hurt) == "left"


def test_a_run_that_begins_with_the_mark_of_damage_is_no_text_with_lost_marks(monkeypatch):
    """Read as a text whose ``?`` stand for lost marks, ``空話?!?史密斯`` is ``空話?!”史密斯``,
    which read almost as well as the repair ``空話。”`` (a swallowed line end): left."""
    article, hurt = _site("百姓聽的空話。")
    assert _verdict(article, hurt) == "exact"
    monkeypatch.setattr(byteshift, "_marks_damage", lambda run: False)
    assert _verdict(article, hurt) == "left"


def test_a_lead_byte_alone_at_the_texts_end_took_no_byte_with_it():
    """``了。”`` ends the text: the lead byte of ``”`` stands alone and reads as ``?``, with
    no ASCII byte after it to lose. The repair used to keep a ``?`` for one."""
    article, hurt = _site("就不愁資金了。")
    assert hurt.text.endswith("?!?")
    out = repair_text(hurt.text).text
    assert out.endswith("就不愁資金了。”")


def test_the_quotation_mark_after_a_run_tells_which_one_it_lost(monkeypatch):
    """``要好。“`` where a swallowed byte follows: the quotation before it closed in an
    earlier paragraph, and the models read ``。”`` 2.8 nats better than ``。“``, enough
    for a wrong repair. The next mark in the paragraph is ``”``, so ``”`` would make two
    in a row: the run is left."""
    article, hurt = _site("頭上說的要好。")
    assert "?!?" in hurt.text
    assert _verdict(article, hurt) == "left"
    monkeypatch.setattr(byteshift, "next_quote", lambda text, end: "")
    assert _verdict(article, hurt) == "wrong"


def test_a_word_in_its_simplified_form_is_charged_in_a_traditional_article(monkeypatch):
    """``政權。”好`` and a line end: the line end went with the trail byte of ``好``, so
    any character sharing its lead byte may stand there. ``后`` is a word of both scripts
    in its simplified form (``後`` in traditional text), and the dictionary counts it at
    its simplified frequency, which made ``政權。”后`` the repair. Charged, it is no
    longer clear of the rest: the run is left."""
    article, hurt = _site("承認這個政權。")
    assert "?!" in hurt.text
    assert _verdict(article, hurt) == "left"
    monkeypatch.setattr(langmodel, "SIMPLIFIED_FORM", 0.0)
    # the dictionary's scores are remembered per process (the blank models): new ones
    monkeypatch.setattr(langmodel.load(), "_blank", {})
    out = repair_text(hurt.text).text
    assert "政權。”后" in out
    assert damage.classify(out, hurt, article) == "wrong"


def test_the_charge_falls_on_simplified_forms_in_traditional_articles_only():
    lm = langmodel.load()
    assert {"后", "然后", "里面"} <= lm.simp_forms
    # a word of one script only is charged as such already; a word both scripts write
    # alike is no simplified form
    assert not {"国家", "皇后", "後", "然後"} & lm.simp_forms
    trad = langmodel.DocModel(lm, "這個政權的後來者" * 3)
    simp = langmodel.DocModel(lm, "这个政权的后来者" * 3)
    assert (trad.script, simp.script) == ("trad", "simp")
    assert trad.word_logp("然后") == pytest.approx(
        lm.words["然后"] + langmodel.SIMPLIFIED_FORM)
    assert simp.word_logp("然后") == pytest.approx(lm.words["然后"])
    assert trad.word_logp("然後") == pytest.approx(lm.words["然後"])


@pytest.mark.parametrize("snippet", ["甚至遭到迫害。", "《十面埋伏》。"])
def test_a_run_where_one_pair_vanished_is_repaired_when_no_reading_with_two_comes_close(
        monkeypatch, snippet):
    """``迫害??墒牵`` (``迫害。可是，``, the pair after ``是`` gone): the repair restores
    one vanished pair. What used to leave such runs was a guess at a second pair inside
    the repair, each restored character split in two by the character model alone. Now
    the readings with two pairs are scored in full, and none comes close."""
    article, hurt = _site(snippet)
    assert hurt.vanished == 1
    asked = []
    check = byteshift._second_pair_close

    def recording(group, top, key):
        at = group[0].scored[key][1].vanished_at
        more = group[0].more_vanished(at)
        asked.append((check(group, top, key), more, at))
        return asked[-1][0]

    monkeypatch.setattr(byteshift, "_second_pair_close", recording)
    assert _verdict(article, hurt) == "exact"
    [(close, more, [at])] = asked
    assert not close and more
    assert all(r.vanish == 2 and at in r.vanished_at for _, r, *_ in more.values())
