"""What the files an article attaches say, for search: indexed beside its text, never shown
as its text.

Why: a government notice announcing a reform is often a two-line cover
(现将《……实施方案》印发给你们) with the measures only in the attached PDF or Word file. A
search or an alert rule for the measures' words must find the notice, and must say that it
found them in the attachment, since the snippet, cut from the article's own text, cannot
show them. The text is read by ``pipeline.attachread`` and kept on each attachment entry
(``text``); ``unread`` says why a file was not read.
"""

from __future__ import annotations

import re

from pipeline.chinese import simplify

#: characters of the attachment shown on each side of a hit
CONTEXT = 16
#: a line break between two Chinese characters: a PDF's line wrapped inside a sentence
_WRAPPED = re.compile(r"(?<=[\u3400-\u9fff\uf900-\ufaff，、；：])\s*\n\s*(?=[\u3400-\u9fff\uf900-\ufaff])")


def texts(article) -> list[tuple[str, str]]:
    """(title, text) of each attachment whose text was read."""
    out = []
    for f in article.attachments or ():
        if isinstance(f, dict) and isinstance(f.get("text"), str) and f["text"].strip():
            out.append((str(f.get("title") or f.get("url") or ""), f["text"]))
    return out


def listed(article) -> list[dict]:
    """The attachments without their text (which can run to 200,000 characters each), for
    search results and messages: ``url``, ``title``, and ``chars`` (how much text was read)
    or ``unread`` (why not) once newsmon tried."""
    out = []
    for f in article.attachments or ():
        if not isinstance(f, dict):
            continue
        entry = {"url": f.get("url"), "title": f.get("title")}
        if isinstance(f.get("text"), str):
            entry["chars"] = len(f["text"])
        elif f.get("unread"):
            entry["unread"] = f["unread"]
        out.append(entry)
    return out


def named(entry: dict) -> str:
    """``TITLE URL``: one attachment as a message line or a CSV cell names it."""
    return f"{entry.get('title') or ''} {entry.get('url') or ''}".strip()


def search_text(article) -> str:
    """The text of every attachment read, one after another, with the lines a PDF wrapped
    inside a sentence joined again (a phrase search would not cross them); "" when none was."""
    return "\n".join(_WRAPPED.sub("", text) for _, text in texts(article))


def found_in(article, terms: list[str]) -> list[str]:
    """``TITLE: …context…`` for each attachment holding a query term that the article's own
    title and text do not hold: what a hit was found through. Terms are matched as search
    matches them (either script, any width, line breaks inside a phrase ignored)."""
    wanted = [t for t in ("".join(simplify(term).split()) for term in terms) if t]
    if not wanted:
        return []
    own, _ = _squeezed(f"{article.title or ''}\n{article.text or ''}")
    missing = [t for t in wanted if t not in own]
    out = []
    for title, text in texts(article):
        squeezed, where = _squeezed(text)
        spans = [(at, at + len(t)) for t in missing if (at := squeezed.find(t)) >= 0]
        if spans:
            start, end = min(spans)
            a, b = where[start], where[end - 1] + 1
            context = " ".join(text[max(0, a - CONTEXT):b + CONTEXT].split())
            lead = "…" if a > CONTEXT else ""
            tail = "…" if b + CONTEXT < len(text) else ""
            out.append(f"{title}: {lead}{context}{tail}")
    return out


def _squeezed(text: str) -> tuple[str, list[int]]:
    """``text`` folded as search folds it, without whitespace, and where each of its
    characters stands in ``text`` (``simplify`` keeps the length, so positions carry over)."""
    folded = simplify(text)
    where = [i for i, ch in enumerate(folded) if not ch.isspace()]
    return "".join(folded[i] for i in where), where
