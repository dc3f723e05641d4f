"""Readings the repair must consider, found on simulated damage of the hand-checked text.

Each case was left or repaired wrongly before the repair proposed the reading it needed;
each test also takes that proposal away again and sees the old outcome come back, so it
tells what the case depends on.
"""

from __future__ import annotations

import functools

import opencc
import pytest

from pipeline import damage
from pipeline.repair import byteshift, charlm, repair_text
from pipeline.repair.readings import readings
from tests.pipeline.repair_shared import cleaned_texts


@functools.lru_cache(maxsize=None)
def _article(index: int) -> str:
    return damage.gbk_safe(opencc.OpenCC("s2t").convert(cleaned_texts()[index]))


def _outcome(index: int, pos: int, expected: str) -> str:
    article = _article(index)
    hurt = damage.damage_at(article, pos)
    assert hurt.expected[pos:pos + len(expected)] == expected
    return damage.classify(repair_text(hurt.text).text, hurt, article)


def _left_readings(index: int, pos: int) -> tuple[str, ...] | None:
    """The readings kept on the record of the run left at ``pos``; None if none was left."""
    hurt = damage.damage_at(_article(index), pos)
    r = repair_text(hurt.text)
    assert r.text == hurt.text
    return next((x.readings for x in r.repairs if x.kind == "unresolved"), None)


@pytest.mark.parametrize(("index", "pos", "expected"), [
    (33, 76, "月?"),   # "2022年2??0日": 月's trail byte went with the "1"
    (6, 1089, "月?"),  # "2002年2??3日"
])
def test_a_slot_open_to_any_character_gets_what_the_character_model_expects(
        monkeypatch, own_models_only, index, pos, expected):
    """A swallowed ASCII byte takes a trail byte with it, and the slot may hold any of
    thousands of characters. The one that stood there often makes no dictionary word with
    its neighbours (``2`` + ``月``), so only the character model proposes it. No byte of
    it is left, so it is not written into the text (``byteshift._made_up``), but it is
    the run's first reading on the record, where search finds it."""
    assert _left_readings(index, pos)[:1] == (expected,)
    monkeypatch.setattr(byteshift, "FOLLOWERS", 0)
    assert not _left_readings(index, pos)


def test_a_line_end_tells_a_full_stop_from_a_comma(monkeypatch):
    """``一天。\\n``: the byte after the stop (a line end) was swallowed with the stop's
    trail byte, so the stop is one of the punctuation marks that share its lead byte.
    The character model reads a line end as the end of a paragraph, as its corpus has it."""
    assert _outcome(0, 95, "天。\n") == "exact"
    monkeypatch.setattr(charlm, "_LINE_ENDS", {})
    assert _outcome(0, 95, "天。\n") == "left"


@pytest.mark.parametrize(("index", "pos", "expected"), [
    (15, 2998, ",特許"),     # a lost comma, then a vanished pair
    (12, 3316, "指錯了"),    # no pair vanished, but a lost comma would read the same
])
def test_a_lost_comma_is_a_rival_not_dropped_without_a_doubt(monkeypatch, index, pos, expected):
    """A lost ``，`` whose trail byte started a vanished pair leaves the damage a lost lead
    byte of the next character leaves. The reading without the comma must meet the
    reading with it; they are close, so only what follows is repaired and the ``?`` stays
    for what the damage took."""
    assert _outcome(index, pos, expected) == "partial"
    monkeypatch.setattr(byteshift.Chooser, "_after_comma", lambda self, b, prev, nxt: [])
    assert _outcome(index, pos, expected) == "wrong"


def test_an_opening_quote_before_a_swallowed_byte_is_not_charged_for_opening_nothing(
        monkeypatch):
    """``箱体中。“25天``, the lead byte of ``体`` lost (simplified text): the run ends where
    a bad pair took the ``2``, so its last character is ``“`` or ``”`` by the models alone.
    The word model charged ``“`` for opening nothing, the ``?`` that stands for the lost
    byte being no character it opens; ``”`` won by a clear margin, wrongly."""
    article = next(damage.gbk_safe(t) for t in cleaned_texts() if "箱体中。“25天" in t)
    pos = article.index("箱体中。“25天") + 1
    hurt = damage.damage_at(article, pos)

    def outcome():
        return damage.classify(repair_text(hurt.text).text, hurt, article)

    assert outcome() != "wrong"
    from pipeline.repair import byteshift, langmodel

    monkeypatch.setattr(langmodel, "_opens", lambda ch: ch >= "\u3400" or ch.isalnum())
    # (the article's open quotation now tells it too: no quote is open there)
    monkeypatch.setattr(byteshift, "QUOTE_CLASH", 0.0)
    assert outcome() == "wrong"


def test_the_last_unknown_slot_is_chosen_with_what_follows_the_run():
    """``擺脫不了束手無策``, the lead byte of ``不`` lost and the pair between ``束`` and
    ``手`` vanished: ``不`` and the pair are unknown and are chosen one after the other.
    Chosen without the ``策`` after the run, ``十分無`` read better than ``束手無``, and
    the repair dropped ``束`` (``不了手無策``)."""
    for t in cleaned_texts():
        article = damage.gbk_safe(opencc.OpenCC("s2t").convert(t))
        k = article.find("擺脫不了束手無策")
        if k >= 0:
            break
    hurt = damage.damage_at(article, k + 2)
    assert hurt.vanished == 1
    assert damage.classify(repair_text(hurt.text).text, hurt, article) == "exact"


def test_a_vanished_pair_is_chosen_beside_the_known_characters_next_to_it(monkeypatch):
    """The characters before a pair that vanished: those right before it, not the run's
    left context across an unknown slot (``擺脫`` was taken for the neighbour of ``束手``
    in ``擺脫?了束手無策``, where ``了`` is)."""
    chooser = object.__new__(byteshift.Chooser)
    chooser.left, chooser._after = "擺脫", "策的"
    seen = []
    monkeypatch.setattr(byteshift.Chooser, "_pairs",
                        lambda self, a, b, prev, nxt: seen.append((prev, nxt)) or ["束手"])
    chooser._pair_up([["不", "一"], ["了"], ["束", "十"], ["手", "分"], ["無"]])
    chooser._pair_up([["不"], ["了"], ["束", "十"], ["手", "分"], ["無"]])
    chooser._pair_up([["束", "十"], ["手", "分"], ["無"]])
    assert seen == [("了", "無策"), ("不了", "無策"), ("擺脫", "無策")]


def test_a_reading_records_where_its_pairs_vanished():
    """``擺脫?涣耸譄o策`` (``擺脫不了束手無策``, the pair between ``束`` and ``手`` gone):
    three characters are read before the pair, and the readings with two pairs that share
    it are what a repair restoring it is held against (``byteshift._more_vanished``)."""
    text = damage.damage_at("始社會都擺脫不了束手無策的悲劇性", 6).text
    rs = readings(text, 6, 2)
    assert all(len(r.vanished_at) == r.vanish for r in rs)
    [right] = [r for r in rs if r.vanished_at == ((3, 0),)]
    assert right.slots[2][0] == 0xCA  # 束 = CA F8: its trail byte went with the pair
    sharing = [r for r in rs if r.vanish == 2 and (3, 0) in r.vanished_at]
    assert sharing and len(sharing) < sum(r.vanish == 2 for r in rs)
