"""Script-blind text for search: one simplified, width-folded, lower-cased form of any text.

Why character-level and not OpenCC's phrase conversion: search needs the *same* folding on
documents and queries, fast (tens of thousands of articles), and position-for-position, so a
hit found in the folded form can be highlighted in the original text at the same offsets.
OpenCC's own character table (TSCharacters) gives exactly that through ``str.translate``.
OpenCC's full converter is kept for display-side conversion (``to_traditional``), which
never replaces the original text: t2s→s2t does not round-trip (考核 → 考覈).
"""

from __future__ import annotations

import functools
from pathlib import Path


@functools.lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[int, str] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 2 or len(parts[0]) != 1:
                continue
            target = parts[1].split(" ")[0]
            if len(target) == 1 and target != parts[0]:
                table[ord(parts[0])] = target
    # full-width ASCII variants fold to ASCII (！ → !, Ａ → A); the ideographic space to a space
    for cp in range(0xFF01, 0xFF5F):
        table[cp] = chr(cp - 0xFEE0)
    table[0x3000] = " "
    for cp in range(ord("A"), ord("Z") + 1):
        table[cp] = chr(cp + 32)
    for cp in range(0xFF21, 0xFF3B):  # full-width A-Z straight to a-z
        table[cp] = chr(cp - 0xFEE0 + 32)
    return table


def simplify(text: str) -> str:
    """Simplified script, ASCII width, ASCII lower case; always the same length as ``text``."""
    return text.translate(_t2s_table())


@functools.lru_cache(maxsize=1)
def _forms() -> dict[str, tuple[str, ...]]:
    forms: dict[str, list[str]] = {}
    for cp, target in _t2s_table().items():
        forms.setdefault(target, []).append(chr(cp))
    return {k: tuple(v) for k, v in forms.items()}


def forms_of(ch: str) -> tuple[str, ...]:
    """Every character ``simplify`` turns into ``ch``, ``ch`` itself first."""
    return (ch, *_forms().get(ch, ()))


@functools.lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    """Display-side conversion only; never stored in place of the original."""
    return _s2t().convert(text)


def is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2EBEF
        or 0xF900 <= cp <= 0xFAFF
        or 0x30000 <= cp <= 0x3134F
    )


def script_tag(text: str, sample: int = 2000) -> str:
    """``zh-Hant`` for text written in traditional characters, else ``zh-Hans``.

    Why a page needs it: many characters are shared by both scripts but drawn differently
    for each readership (骨, 直, 角), and a browser picks the glyphs from the element's
    language, not from the characters.
    """
    table, simplified = _t2s_table(), _forms()
    traditional = simple = 0
    for ch in text[:sample]:
        if not is_cjk(ch):
            continue
        if ord(ch) in table:
            traditional += 1
        elif ch in simplified:
            simple += 1
    return "zh-Hant" if traditional > simple else "zh-Hans"

