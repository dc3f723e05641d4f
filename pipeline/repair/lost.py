"""Stage: count what no byte can bring back, and leave it visible.

A ``?`` between Chinese characters that no repair explained, a ``锟斤拷`` run (UTF-8's
replacement character read as GBK) and U+FFFD itself stand for text that is gone. They are
never guessed at: they stay in the text, and the count goes on the article.
"""

from __future__ import annotations

import re

from pipeline.repair.chain import Edit

_LOST = re.compile(r"(?:锟斤拷)+|(?:锟斤)|\ufffd+|(?<=[\u3400-\u9fff])\?+(?=[\u3400-\u9fff])")


def edits(text: str) -> list[Edit]:
    if "?" not in text and "锟" not in text and "\ufffd" not in text:
        return []
    return [Edit(m.start(), m.end(), m.group(0), "lost", 1.0, True) for m in _LOST.finditer(text)]
