"""Snippets from the server's highlights, cut from the original text.

Elasticsearch highlights the simplified copy (``text_s``), where the query's terms are
found whatever the script; since ``simplify`` keeps every character at its offset, the
marked spans are mapped back onto the original text, so editors see what the page said
(like SQLite's snippets) while the matching is the server's. The fragments come HTML-
encoded (encoder ``html``); the snippet is rebuilt from the original text, escaped, with
hits in ``<mark>``.
"""

from __future__ import annotations

import html
import re

from pipeline.chinese import simplify
from pipeline.snippet import WIDTH, merge_spans, snippet_from_spans

_TAG = re.compile(r"(</?mark>)")


def highlight_spec(fields: list[str]) -> dict:
    return {
        "type": "unified",
        "encoder": "html",
        "pre_tags": ["<mark>"],
        "post_tags": ["</mark>"],
        "fields": {f: {"fragment_size": WIDTH, "number_of_fragments": 3} for f in fields},
    }


def _fragment_spans(folded: str, fragment: str) -> list[tuple[int, int]]:
    """Absolute (start, end) of the marked parts of one fragment within ``folded``."""
    plain: list[str] = []
    marks: list[tuple[int, int]] = []
    pos = 0
    inside = False
    start = 0
    for part in _TAG.split(fragment):
        if part == "<mark>":
            inside, start = True, pos
        elif part == "</mark>":
            if inside:
                marks.append((start, pos))
            inside = False
        else:
            text = html.unescape(part)
            plain.append(text)
            pos += len(text)
    where = folded.find("".join(plain))
    if where < 0:
        return []
    return [(where + s, where + e) for s, e in marks if e > s]


def spans_from_highlight(text: str, fragments: list[str]) -> list[tuple[int, int]]:
    folded = simplify(text)
    return merge_spans(s for frag in fragments for s in _fragment_spans(folded, frag))


def snippet_from_hit(text: str | None, highlight: dict | None, also=()) -> str:
    """``also``: more spans to mark (damage a guessed reading of which matched)."""
    fragments = [f for frags in (highlight or {}).values() for f in frags]
    spans = spans_from_highlight(text or "", fragments) if fragments else []
    return snippet_from_spans(text, merge_spans([*spans, *also]))
