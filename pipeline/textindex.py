"""How Chinese text becomes searchable tokens, for documents and queries alike.

Chinese has no spaces, so the index holds overlapping character bigrams of the simplified
form (營商環境 → 营商 商环 环境 境), plus words for Latin letters and digits. A term in a
query becomes the phrase of its own bigrams, so `營商` matches wherever the two characters
stand together, in either script, and a single character (a one-character name) becomes a
prefix match on the bigrams it starts. The trailing single character of each run lets a
one-character term at the end of a sentence match as well.

The same functions serve the SQLite index and, for highlighting, every store.
"""

from __future__ import annotations

import re

from pipeline.chinese import simplify

#: bump when the token layout changes: stores rebuild their index on a mismatch
INDEX_VERSION = 2  # 2: the attachments' text in a column of its own

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W{_CJK}_]+)")


def _runs(folded: str):
    for m in _RUN.finditer(folded):
        yield ("cjk" if m.lastgroup == "cjk" else "word"), m.group()


def _cjk_tokens(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def document_tokens(text: str | None) -> str:
    """Space-separated index tokens of a document field (already folded to simplified)."""
    if not text:
        return ""
    out: list[str] = []
    for kind, run in _runs(simplify(text)):
        if kind == "cjk":
            out.extend(_cjk_tokens(run))
        else:
            out.append(run)
    return " ".join(out)


def query_tokens(term: str) -> tuple[list[str], bool]:
    """Tokens of one query term, and whether the last one is a prefix.

    A term may stop in the middle of a document's run of characters, so the trailing single
    character that documents carry is left off at the term's end; a term that ends in a lone
    character matches it as a prefix of the document's bigram.
    """
    runs = list(_runs(simplify(term)))
    tokens: list[str] = []
    prefix = False
    for i, (kind, run) in enumerate(runs):
        last = i == len(runs) - 1
        if kind != "cjk":
            tokens.append(run)
        elif not last:
            tokens.extend(_cjk_tokens(run))
        elif len(run) == 1:
            tokens.append(run)
            prefix = True
        else:
            tokens.extend(run[j : j + 2] for j in range(len(run) - 1))
    return tokens, prefix


def field_token(name: str, value: str) -> str:
    """One opaque token for an exact field value (source, tag, story) in the index."""
    return name[0] + simplify(value).encode("utf-8").hex()
