"""Mend what the byte-shift repair left, from a clean copy of the same article.

Why: the damage comes from reposting chains (a county portal reposts a 長江日報 article and
its software mangles the bytes), so the clean original is often in the index as another
copy of the same story. Where the language model could not pin a run down (``unresolved``)
or pinned down all but its first character (a partial repair, ``?`` kept), the copy knows.
It is trusted only as far as the bytes allow: the copy's characters are damaged again with
the simulator's own reader (``damage.damage_at``) and must give back exactly the damaged
text that was received, and the copy must read the same for a stretch on both sides. Every
byte is so checked but the lost lead byte itself, which only the copy's word settles.

Beyond the runs the repair recorded, a copy is held against the text as received:

- a repair the model made is overruled where the copy checks out with other characters
  (both readings fit the bytes, but the copy is the sentence as it was published), and
  confirmed where it checks out with the same ones;
- a ``?`` no record covers (the repair's cheap first looks took it for a genuine one) and a
  left run whose damage reaches past its recorded extent (two pairs vanished) are checked
  from the ``?`` on, against the text as it stands, which there is the damage as received.

What a copy's own repair guessed is masked first (``evidence``): a guess is no evidence.

Plain functions over strings and repair-log entries (dicts, as ``Article.repair_log`` holds
them): the store step (``pipeline.storing``) finds the copies and calls ``mend``.
"""

from __future__ import annotations

import functools
from collections import Counter

from pipeline.chinese import simplify, to_traditional
from pipeline.damage import damage_at
from pipeline.repair.gbk import fold_width

#: characters of context that must read the same in the copy, before and after the run
CONTEXT = 6
#: how far past the damaged text the copy's characters may reach (vanished pairs, a
#: swallowed byte: the damage can read shorter than what it took)
SLACK = 4
#: how many of a copy's characters an unrecorded ``?`` is replayed over, shortest first: the
#: damage is back in step within a few characters (any trail byte below 0x80, or a byte no
#: pair starts with, brings the reader back), and a far character that GBK cannot encode
#: or that reads otherwise once damaged (a private-use one) must not spoil a near answer
WINDOWS = (24, 48, 120)


def checkable(entry: dict) -> bool:
    """A record a copy can settle: a run left (``unresolved``), or a repair the models made,
    whole or but for a kept ``?`` (a ``byte_shift`` not taken from a copy)."""
    kind = entry.get("kind")
    made = kind == "byte_shift" and "from_copy" not in entry
    return bool(entry.get("before")) and (kind == "unresolved" or made)


#: the punctuation a damaging chain folds to ASCII (``，`` → ``,``) that Chinese text writes
#: full-width: a copy that went through such a chain is replayed with it widened again
_WIDEN = str.maketrans({",": "，", "!": "！", "?": "？", ":": "：", ";": "；", "(": "（",
                        ")": "）"})


@functools.lru_cache(maxsize=64)
def forms(copy: str) -> tuple[tuple[str, str], ...]:
    """The copy as published and in each script, each also with its punctuation widened,
    each with its width folded (a repost is often converted, and a repost of the seeds'
    kind has ``，`` folded to ``,``, which reads otherwise when damaged; folding is one
    character for one, so offsets agree).

    Remembered: one save asks for the same article's forms once per field, per stored copy
    and per ``?`` it checks, and the conversion to traditional takes about 0.1 s for a long
    article.
    """
    scripts = dict.fromkeys((copy, to_traditional(copy), simplify(copy)))
    every = dict.fromkeys(f for form in scripts for f in (form, form.translate(_WIDEN)))
    return tuple((form, fold_width(form)) for form in every)


def from_copy(text: str, at: int, current: str, damaged: str, copy_forms) -> str | None:
    """The characters a copy (its ``forms``) holds for ``text[at:at + len(current)]``, or
    None where it holds none that check out, or more than one.

    ``current`` is what the text holds there now, ``damaged`` what was received there.
    """
    right = fold_width(text[at + len(current):at + len(current) + CONTEXT])
    return _reading(text, at, copy_forms, lambda form, start: _checked(form, start, damaged, right),
                    lambda got: got)


def _reading(text: str, at: int, copy_forms, check, chars):
    """The reading the copy's forms settle for ``text`` at ``at``: ``check(form, start)``
    at each place in a form that the context before ``at`` puts the spot (``_anchors``),
    then ``_settled`` (``chars`` gives a reading's characters)."""
    left = fold_width(text[max(0, at - CONTEXT):at])
    found = {got for form, folded in copy_forms for start in _anchors(folded, left)
             if (got := check(form, start)) is not None}
    return _settled(found, text, chars)


def _settled(found: set, text: str, chars):
    """The one reading a copy's forms give, or None. Where the copy's script forms read
    differently (the damage took all that told ``從`` from ``从``: its lead byte, and the
    trail byte swallowed with the next), the one whose differing characters the article
    itself holds elsewhere: its own script."""
    if len(found) == 1:
        return next(iter(found))
    if not found or len({simplify(chars(got)) for got in found}) != 1:
        return None
    shared = set.intersection(*(set(chars(got)) for got in found))
    fits = [got for got in found if set(chars(got)) - shared <= set(text)]
    return fits[0] if len(fits) == 1 else None


def _anchors(folded: str, left: str):
    """Where a copy's characters for a spot may start: after each place the six characters
    before the spot stand in the copy; for a spot fewer characters into its field (a
    title), only as far into the copy's field, which must begin with the same ones."""
    if len(left) < CONTEXT:
        if folded.startswith(left):
            yield len(left)
        return
    start = folded.find(left)
    while start >= 0:
        yield start + len(left)
        start = folded.find(left, start + 1)


def _checked(form: str, at: int, damaged: str, right: str) -> str | None:
    """``form``'s characters from ``at`` if damaging them gives ``damaged`` and ``right``
    follows them."""
    window = form[at:at + len(damaged) + SLACK + len(right)]
    try:
        hurt = damage_at(window, 0)
    except ValueError:  # not a double-byte character there, or not GBK at all
        return None
    if not hurt.text.startswith(fold_width(damaged)):
        return None
    # past the run the reader is back in step: the rest of the window reads unchanged
    rest = hurt.text[len(damaged):]
    size = len(window) - len(rest)
    if size < 1 or fold_width(window[size:]) != rest or not rest.startswith(right):
        return None
    if not right and rest:  # the text ends with the run: so must the copy
        return None
    got = fold_width(window[:size])
    return None if _private_use(got) else got


def _private_use(chars: str) -> bool:
    """Whether a copy's reading holds a private-use character: no text an editor can read,
    and its bytes may be a pair that vanishes when read out of step, so a copy holding one
    and a copy without it pass the byte check alike. Such a copy settles nothing."""
    return any("\ue000" <= ch <= "\uf8ff" for ch in chars)


def mend(text: str, log: list[dict], field: str, copies: list[tuple[str, str]]) -> str:
    """``text`` with what a copy (``(article id, text)``) settles mended.

    The field's checkable records in ``log`` that a copy settles become ``byte_shift``
    records with confidence 1.0 and ``from_copy`` naming the copy (a model's repair the
    copy agrees with is so confirmed); a partial repair's ``lost`` note goes. Then each
    ``?`` no record accounts for is held against the copies (``from_received``); a run it
    mends gets a new record. Records after a mended spot move with it. A run that the
    copies settle differently stays.
    """
    todo = [e for e in log if e.get("field") == field and checkable(e)]
    if not todo and "?" not in text:
        return text
    copies = [(copy_id, forms(copy)) for copy_id, copy in copies if copy]
    if not copies:
        return text
    for entry in todo:
        current = entry["after"]
        at = _find(text, current, entry.get("offset", 0))
        if at < 0:
            continue
        answer = _agreed(from_copy(text, at, current, entry["before"], f) for _, f in copies)
        if answer is None:
            continue
        clean, index = answer
        partial = entry["kind"] == "byte_shift" and current.startswith("?")
        text = text[:at] + clean + text[at + len(current):]
        _rewrite(log, field, entry, at, current, clean, copies[index][0], partial)
    return _mend_received(text, log, field, copies)


def _agreed(answers) -> tuple[str, int] | None:
    """The one answer the copies that give one agree on, with the first copy giving it."""
    found: dict = {}
    for index, got in enumerate(answers):
        if got is not None:
            found.setdefault(got, index)
    return next(iter(found.items())) if len(found) == 1 else None


def _mend_received(text: str, log: list[dict], field: str, copies) -> str:
    """Each ``?`` that no record accounts for, or that stands in a run left, checked from
    the ``?`` on against the copies; a left run so mended is recorded from that ``?``."""
    at = text.find("?")
    while at >= 0:
        entry = _covering(log, field, at)
        # (a left run's record may begin at a genuine '?' before the damage's own)
        if entry is None or entry["kind"] == "unresolved":
            answer = _agreed(from_received(text, at, f) for _, f in copies)
            if answer is not None:
                (clean, size), index = answer
                damaged = text[at:at + size]
                inside = [e for e in log if e is not entry and e.get("field") == field
                          and at <= e.get("offset", 0) < at + size]
                if not inside:  # a record within the damage: not a spot to rewrite blind
                    if entry is None:  # the repair saw nothing here: the record is new
                        entry = {"field": field}
                        log.append(entry)
                    entry["before"] = damaged
                    text = text[:at] + clean + text[at + size:]
                    _rewrite(log, field, entry, at, damaged, clean, copies[index][0], False)
                    at += len(clean) - 1
        at = text.find("?", at + 1)
    return text


def _covering(log: list[dict], field: str, at: int) -> dict | None:
    """The record of ``field`` whose text (as it stands) holds position ``at``."""
    for e in log:
        start = e.get("offset", 0)
        if e.get("field") == field and start <= at < start + max(1, len(e.get("after", ""))):
            return e
    return None


def from_received(text: str, at: int, copy_forms) -> tuple[str, int] | None:
    """(the copy's characters, how many characters of ``text`` they stand for) where
    ``text`` from ``at`` (a ``?``) is exactly what a copy (its ``forms``) reads as once its
    character there lost its lead byte; None where no copy, or more than one reading, fits.
    """
    return _reading(text, at, copy_forms, lambda form, start: _replayed(form, start, text, at),
                    lambda got: got[0])


def _replayed(form: str, at: int, text: str, there: int) -> tuple[str, int] | None:
    """``form``'s characters from ``at`` and the length of ``text``'s damage from ``there``,
    if damaging them reads exactly as ``text`` does and the reader is back in step."""
    for reach in WINDOWS:
        window = form[at:at + reach]
        whole = at + reach >= len(form)  # the window runs to the copy's end
        try:
            hurt = damage_at(window, 0).text
        except ValueError:  # not a double-byte character there (a genuine '?'), or not GBK
            return None
        folded = fold_width(window)
        size = _back_in_step(folded, hurt, whole)
        if size is not None:
            break
        if whole:
            return None
    else:
        return None
    rest = folded[size:]
    # the text reads as that damage up to there, and as the copy for a stretch after it
    damaged = len(hurt) - len(rest)
    seen = damaged + min(CONTEXT, len(rest))
    if fold_width(text[there:there + seen]) != hurt[:seen]:
        return None
    if not rest and there + seen < len(text):  # damaged to the copy's end: so must the text be
        return None
    got = folded[:size]
    return None if _private_use(got) else (got, damaged)


def _back_in_step(folded: str, hurt: str, whole: bool) -> int | None:
    """How many of the window's characters the damage ran over: the shortest head after
    which the window and its damaged reading end the same (six characters at least, or to
    the copy's end); all of them where the copy ends while still out of step."""
    for size in range(1, len(folded) - (1 if whole else CONTEXT) + 1):
        if hurt.endswith(folded[size:]):
            return size
    return len(folded) if whole else None


def _find(text: str, piece: str, near: int) -> int:
    """Where ``piece`` stands in ``text``: at the recorded offset if it is there, else its
    first occurrence (the offsets of a text file's records count its header lines too)."""
    if text.startswith(piece, near):
        return near
    return text.find(piece)


def _rewrite(log, field, entry, at, current, clean, copy_id, partial) -> None:
    """``entry`` becomes the copy's repair of ``current`` at ``at``; later records move."""
    entry.update(kind="byte_shift", offset=at, after=clean, confidence=1.0, from_copy=copy_id)
    entry.pop("readings", None)  # a left run's guesses: the copy settled it
    if partial:  # the kept '?' is no longer lost
        for other in log:
            if (other is not entry and other.get("field") == field and other.get("kind") == "lost"
                    and other.get("offset") == at):
                log.remove(other)
                break
    delta = len(clean) - len(current)
    for other in log:
        if other is not entry and other.get("field") == field and other.get("offset", 0) > at:
            other["offset"] += delta


#: the fields a copy can mend (the repaired fields that run to more than a few words)
MENDED_FIELDS = ("title", "text")


#: stands in a copy for what its own repair guessed: no GBK character, so no replay over it
#: checks out (and it matches no article's context)
MASK = "\ufffd"


def evidence(copy, field: str) -> str:
    """``copy``'s field with what its own byte-shift repair guessed masked (``MASK``).

    Why: a guess is no evidence. A copy damaged and repaired the same way would otherwise
    confirm the article's guess, right or wrong, and a copy's guess would mend the run the
    article left. What a copy was itself mended with from a copy stays: bytes checked it.
    """
    text = getattr(copy, field) or ""
    for e in copy.repair_log:
        if e.get("field") == field and e.get("kind") == "byte_shift" and "from_copy" not in e:
            after = e.get("after") or ""
            at = _find(text, after, e.get("offset", 0))
            if after and at >= 0:
                text = text[:at] + MASK * len(after) + text[at + len(after):]
    return text


def mend_article(article, copies) -> int:
    """Mend ``article``'s fields from ``copies`` (other articles of its story), keeping its
    ``repairs`` counts in step with its log; returns how many records a copy newly settled
    (mended, or a model's repair confirmed: either way the record changed)."""
    kinds = Counter(e.get("kind") for e in article.repair_log)
    had = sum(1 for e in article.repair_log if "from_copy" in e)
    for name in MENDED_FIELDS:
        value = getattr(article, name)
        if not value:
            continue
        texts = [(c.id, evidence(c, name)) for c in copies]
        setattr(article, name, mend(value, article.repair_log, name, texts))
    now = Counter(e.get("kind") for e in article.repair_log)
    for kind in kinds | now:
        count = article.repairs.get(kind, 0) + now[kind] - kinds[kind]
        if count > 0:
            article.repairs[kind] = count
        else:
            article.repairs.pop(kind, None)
    return sum(1 for e in article.repair_log if "from_copy" in e) - had
