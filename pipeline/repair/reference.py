"""Mend what the byte-shift repair left, from a clean copy of the same article.

Why: the damage comes from reposting chains (a county portal reposts a 長江日報 article and
its software mangles the bytes), so the clean original is often in the index as another
copy of the same story. Where the language model could not pin a run down (``unresolved``)
or pinned down all but its first character (a partial repair, ``?`` kept), the copy knows.
It is trusted only as far as the bytes allow: the copy's characters are damaged again with
the simulator's own reader (``damage.damage_at``) and must give back exactly the damaged
text that was received, and the copy must read the same for a stretch on both sides. Every
byte is so checked but the lost lead byte itself, which only the copy's word settles.

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


def mendable(entry: dict) -> bool:
    """A record of a run the byte-shift repair left, or repaired but for a kept ``?``."""
    if entry.get("kind") == "unresolved":
        return bool(entry.get("before"))
    return entry.get("kind") == "byte_shift" and str(entry.get("after", "")).startswith("?")


@functools.lru_cache(maxsize=64)
def forms(copy: str) -> tuple[str, ...]:
    """The copy as published and in each script: a repost is often converted as well.

    Remembered: one save asks for the same article's forms once per field and per stored
    copy it mends, and the conversion to traditional takes about 0.1 s for a long article.
    """
    return tuple(dict.fromkeys((copy, to_traditional(copy), simplify(copy))))


def from_copy(text: str, at: int, current: str, damaged: str, copy_forms) -> str | None:
    """The characters a copy (its ``forms``) holds for ``text[at:at + len(current)]``, or
    None where it holds none that check out, or more than one.

    ``current`` is what the text holds there now, ``damaged`` what was received there.
    """
    left = fold_width(text[max(0, at - CONTEXT):at])
    right = fold_width(text[at + len(current):at + len(current) + CONTEXT])
    if len(left) < CONTEXT or not right:
        return None  # too little context to be sure it is the same sentence
    found = set()
    for form in copy_forms:
        folded = fold_width(form)  # one character for one: offsets stay the same
        start = folded.find(left)
        while start >= 0:
            got = _checked(form, start + len(left), damaged, right)
            if got is not None:
                found.add(got)
            start = folded.find(left, start + 1)
    return found.pop() if len(found) == 1 else None


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
    got = fold_width(window[:size])
    # a private-use character is no text an editor can read, and its bytes may be a pair
    # that vanishes when read out of step, so a copy holding one and a copy without it
    # pass the check alike: such a copy settles nothing
    if any("\ue000" <= ch <= "\uf8ff" for ch in got):
        return None
    return got


def mend(text: str, log: list[dict], field: str, copies: list[tuple[str, str]]) -> str:
    """``text`` with every left run that a copy (``(article id, text)``) settles mended.

    The field's mendable records in ``log`` become ``byte_shift`` records with confidence
    1.0 and ``from_copy`` naming the copy; a partial repair's ``lost`` note goes. Records
    after a mended spot move with it. A run that the copies settle differently stays.
    """
    todo = [e for e in log if e.get("field") == field and mendable(e)]
    if not todo:
        return text
    copies = [(copy_id, forms(copy)) for copy_id, copy in copies if copy]
    for entry in todo:
        current = entry["after"]
        at = _find(text, current, entry.get("offset", 0))
        if at < 0:
            continue
        answers = {}
        for copy_id, copy_forms in copies:
            got = from_copy(text, at, current, entry["before"], copy_forms)
            if got is not None:
                answers.setdefault(got, copy_id)
        if len(answers) != 1:
            continue
        (clean, copy_id), = answers.items()
        text = text[:at] + clean + text[at + len(current):]
        _rewrite(log, field, entry, at, current, clean, copy_id)
    return text


def _find(text: str, piece: str, near: int) -> int:
    """Where ``piece`` stands in ``text``: at the recorded offset if it is there, else its
    first occurrence (the offsets of a text file's records count its header lines too)."""
    if text.startswith(piece, near):
        return near
    return text.find(piece)


def _rewrite(log, field, entry, at, current, clean, copy_id) -> None:
    was_partial = entry["kind"] == "byte_shift"
    entry.update(kind="byte_shift", offset=at, after=clean, confidence=1.0, from_copy=copy_id)
    if was_partial:  # the kept '?' is no longer lost
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


def mend_article(article, copies) -> int:
    """Mend ``article``'s fields from ``copies`` (other articles of its story), keeping its
    ``repairs`` counts in step with its log; returns how many runs it mended."""
    kinds = Counter(e.get("kind") for e in article.repair_log)
    had = sum(1 for e in article.repair_log if "from_copy" in e)
    for name in MENDED_FIELDS:
        value = getattr(article, name)
        if not value:
            continue
        texts = [(c.id, getattr(c, name) or "") for c in copies]
        setattr(article, name, mend(value, article.repair_log, name, texts))
    now = Counter(e.get("kind") for e in article.repair_log)
    for kind in kinds | now:
        count = article.repairs.get(kind, 0) + now[kind] - kinds[kind]
        if count > 0:
            article.repairs[kind] = count
        else:
            article.repairs.pop(kind, None)
    return sum(1 for e in article.repair_log if "from_copy" in e) - had
