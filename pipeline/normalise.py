"""Normalise stage: tidy whitespace and tag the article with its topics.

Characters are never changed here (that is the repair stage's job, which records what it
did); only layout: paragraphs separated by one blank line, no indentation or stray spaces.
"""

from __future__ import annotations

import re

from pipeline.model import Article

_BLANKS = re.compile(r"\n\s*\n+")
_SPACES = re.compile(r"[ \t\u3000\u00a0]+")


def tidy_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = []
    for para in _BLANKS.split(text):
        lines = [_SPACES.sub(" ", ln).strip() for ln in para.split("\n")]
        joined = "\n".join(ln for ln in lines if ln)
        if joined:
            paragraphs.append(joined)
    return "\n\n".join(paragraphs)


def tidy_line(value: str | None) -> str | None:
    if value is None:
        return None
    value = _SPACES.sub(" ", value.replace("\n", " ")).strip()
    return value or None


def normalise(article: Article, lexicon=None) -> Article:
    article.text = tidy_text(article.text or "")
    article.title = tidy_line(article.title)
    article.origin = tidy_line(article.origin)
    article.author = tidy_line(article.author)
    if lexicon is not None:
        from pipeline.topics import tag_article

        tag_article(article, lexicon)
    return article
