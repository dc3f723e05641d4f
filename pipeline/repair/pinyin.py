"""Inline pinyin annotations: ``漢(hàn)陽(yáng)區(qū)`` → ``漢陽區``, and what they tell us.

Why so strict: parentheses are common in news text (``(武漢)``, ``(TXT)``, ``(2022)``,
``(a)``), so an annotation is removed only when it holds exactly one real pinyin syllable
with a tone mark and follows a CJK character (or a ``?`` standing for one). The syllable
list is every toned reading pypinyin knows, so the rule needs no hand-kept table.

The annotation is also evidence: it tells the sound of the character before it, which is
how a byte-shift repair picks a lost character (``?wù)`` → ``務``).
"""

from __future__ import annotations

import functools
import re
import unicodedata

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_SYL_CHARS = "a-zü" + _TONED
#: one candidate syllable in parentheses (validated against the syllable set afterwards)
ANNOT_RE = re.compile(r"\(([" + _SYL_CHARS + r"]{1,7})\)")
#: the tail of an annotation whose ``(`` was swallowed by a bad GBK pair
TAIL_RE = re.compile(r"([" + _SYL_CHARS + r"]{1,7})\)")


def is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF \
        or 0x20000 <= cp <= 0x3134F


@functools.lru_cache(maxsize=1)
def syllables() -> frozenset[str]:
    """Every toned syllable pypinyin can give a character."""
    from pypinyin.constants import PINYIN_DICT

    out = set()
    for value in PINYIN_DICT.values():
        for syl in value.split(","):
            syl = unicodedata.normalize("NFC", syl.strip())
            if syl and any(c in _TONED for c in syl):
                out.add(syl)
    return frozenset(out)


def is_syllable(s: str) -> bool:
    s = unicodedata.normalize("NFC", s)
    return any(c in _TONED for c in s) and s in syllables()


@functools.lru_cache(maxsize=65536)
def readings(ch: str) -> frozenset[str]:
    """Toned readings of one character (all heteronyms)."""
    from pypinyin.constants import PINYIN_DICT

    value = PINYIN_DICT.get(ord(ch))
    if not value:
        return frozenset()
    return frozenset(unicodedata.normalize("NFC", s) for s in value.split(","))


def has_annotation(text: str) -> bool:
    return "(" in text and ANNOT_RE.search(text) is not None


def annotations(text: str) -> list[tuple[int, int, str]]:
    """(start, end, syllable) of each removable annotation in ``text``."""
    if "(" not in text:  # the common case, asked for every reading the repair scores
        return []
    out = []
    for m in ANNOT_RE.finditer(text):
        start = m.start()
        if start == 0:
            continue
        prev = text[start - 1]
        if not (is_cjk(prev) or prev == "?"):
            continue
        if is_syllable(m.group(1)):
            out.append((start, m.end(), m.group(1)))
    return out


def strip(text: str) -> str:
    """Text with removable annotations dropped (for language-model scoring)."""
    spans = annotations(text)
    if not spans:
        return text
    parts, last = [], 0
    for s, e, _ in spans:
        parts.append(text[last:s])
        last = e
    parts.append(text[last:])
    return "".join(parts)


def agreement(text: str) -> tuple[int, int]:
    """(matching, contradicting) annotations: does each syllable fit the char before it?"""
    good = bad = 0
    for s, _, syl in annotations(text):
        prev = text[s - 1]
        if prev == "?":
            continue
        if syl in readings(prev):
            good += 1
        else:
            bad += 1
    return good, bad


@functools.lru_cache(maxsize=1)
def _by_reading() -> dict[str, list[str]]:
    from pypinyin.constants import PINYIN_DICT

    out: dict[str, list[str]] = {}
    for cp, value in PINYIN_DICT.items():
        for syl in value.split(","):
            out.setdefault(unicodedata.normalize("NFC", syl), []).append(chr(cp))
    return out


def chars_for(syl: str) -> list[str]:
    """Characters that can be read ``syl``."""
    return _by_reading().get(unicodedata.normalize("NFC", syl), [])
