"""Stage: drop inline pinyin annotations (``漢(hàn)陽(yáng)`` → ``漢陽``).

An annotation whose ``(`` a bad GBK pair swallowed shows as ``?wù)``; when the byte-shift
stage could not restore the character, its syllable still goes (no pinyin is left in the
text) and the ``?`` stays, counted as lost: we know its sound, not which character it was.
"""

from __future__ import annotations

import re

from pipeline.repair import pinyin as py
from pipeline.repair.chain import Edit

_Q_TAIL = re.compile(r"\?(?=[" + py._SYL_CHARS + r"]{1,7}\))")


def edits(text: str) -> list[Edit]:
    if "(" not in text and ")" not in text:
        return []
    out = []
    for start, end, syl in py.annotations(text):
        prev = text[start - 1]
        conf = 1.0 if prev == "?" or syl in py.readings(prev) else 0.9
        out.append(Edit(start, end, "", "pinyin", conf))
    for m in _Q_TAIL.finditer(text):
        t = py.TAIL_RE.match(text, m.end())
        if t is None or not py.is_syllable(t.group(1)):
            continue
        out.append(Edit(m.start(), m.start() + 1, "?", "lost", 1.0, note_only=True))
        out.append(Edit(m.end(), t.end(), "", "pinyin", 0.9))
    return out
