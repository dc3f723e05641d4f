"""Highlighted snippets cut from the original text, whatever script the query used.

``simplify`` keeps every character at its offset, so hits are found in the folded text and
cut from the original one: editors always see what the page said, never a conversion.
The snippet is safe HTML: crawled text escaped, hits wrapped in ``<mark>``.
"""

from __future__ import annotations

import html
import re

from pipeline.chinese import simplify

WIDTH = 120


def _spans(folded: str, terms: list[str]) -> list[tuple[int, int]]:
    spans = []
    for term in terms:
        t = simplify(term).strip()
        if not t:
            continue
        # a phrase may span whitespace differently from the text: allow any spacing
        pattern = r"\s*".join(re.escape(ch) for ch in t if not ch.isspace())
        spans.extend((m.start(), m.end()) for m in re.finditer(pattern, folded))
    return merge_spans(spans)


def merge_spans(spans) -> list[tuple[int, int]]:
    """Sorted, with overlapping or touching spans joined (one <mark> each)."""
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def make_snippet(text: str | None, terms: list[str], width: int = WIDTH, also=()) -> str:
    """The window of ``text`` with the most hits, hits marked; its start when none. ``also``:
    more spans to mark (damage a guessed reading of which matched, ``pipeline.leftruns``)."""
    text = (text or "").replace("\n", " ")
    return snippet_from_spans(text, merge_spans([*_spans(simplify(text), terms), *also]), width)


def snippet_from_spans(text: str | None, spans: list[tuple[int, int]], width: int = WIDTH) -> str:
    """The window of ``text`` with the most marked spans, as safe HTML; its start when none.

    Shared by every backend: SQLite finds the spans itself, Elasticsearch's highlighter
    finds them on the server (``pipeline.store.es_highlight``).
    """
    text = (text or "").replace("\n", " ")
    if not spans:
        return html.escape(text[:width]) + ("…" if len(text) > width else "")
    best_start, best_count = spans[0][0], 0
    for s, _ in spans:
        count = sum(1 for s2, e2 in spans if s <= s2 and e2 <= s + width)
        if count > best_count:
            best_start, best_count = s, count
    start = max(0, best_start - width // 4)
    end = min(len(text), start + width)
    out = ["…" if start > 0 else ""]
    pos = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(html.escape(text[pos:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    out.append("…" if end < len(text) else "")
    return "".join(out)


_MARK = re.compile(r"</?mark>")


def snippet_text(snippet: str | None, on: str = "", off: str = "") -> str:
    """A snippet back as plain text, its ``<mark>``/``</mark>`` turned into ``on``/``off``
    (for a terminal, a feed, anything that is not HTML)."""
    return html.unescape(_MARK.sub(lambda m: off if m.group().startswith("</") else on,
                                   snippet or ""))
