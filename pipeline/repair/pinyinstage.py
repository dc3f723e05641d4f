"""Stage: drop inline pinyin annotations (``漢(hàn)陽(yáng)`` → ``漢陽``)."""

from __future__ import annotations

from pipeline.repair import pinyin as py
from pipeline.repair.chain import Edit


def edits(text: str) -> list[Edit]:
    if "(" not in text:
        return []
    out = []
    for start, end, syl in py.annotations(text):
        prev = text[start - 1]
        conf = 1.0 if prev == "?" or syl in py.readings(prev) else 0.9
        out.append(Edit(start, end, "", "pinyin", conf))
    return out
