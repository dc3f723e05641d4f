"""Search results as CSV, for the spreadsheet an editor builds a weekly report in.

One row per hit with the fields a report cites (when, what, where from, the link), never
the body. Crawled text ends up in a spreadsheet here, so a cell that a spreadsheet would
run as a formula (one starting with ``=``, ``+``, ``-``, ``@`` or a tab or carriage
return, the OWASP list) gets a leading ``'`` and stays text, and control characters
(terminal escape sequences, when the CSV is printed) are dropped.
"""

from __future__ import annotations

import csv
import re
from typing import Callable, Iterable, Iterator, TextIO

from pipeline.attached import named
from pipeline.timeutil import beijing_time
from pipeline.urls import article_page

COLUMNS = ("id", "published_beijing", "title", "source", "origin", "author", "url", "tags",
           "story_size", "newsmon_url", "flags", "attachments")
#: hits whose alert flags are asked for at once
FLAG_BATCH = 500

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def cell(value) -> str:
    """``value`` as a CSV cell that a spreadsheet shows as text, never evaluates."""
    text = _CONTROL.sub("", "" if value is None else str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def row(hit, base_url: str | None = None, flags: list[str] | None = None) -> list[str]:
    a = hit.article
    link = article_page(base_url, a.id) if base_url else ""
    values = (a.id, beijing_time(a.published_at), " ".join((a.title or "").split()), a.source,
              a.origin, a.author, a.url, "; ".join(a.tags or []), hit.story_size, link,
              "; ".join(flags or []),
              # the files the page attaches, one per line within the cell: TITLE URL
              "\n".join(named(f) for f in a.attachments or []))
    return [cell(v) for v in values]


def write_csv(hits: Iterable, out: TextIO, base_url: str | None = None,
              flags_of: Callable[[list], dict[str, list[str]]] | None = None) -> int:
    """Write a header and one row per hit to ``out``; the number of rows written.
    ``newsmon_url`` (the article page) is filled only when ``base_url`` is given, ``flags``
    (the alert rules the story matched) only with ``flags_of`` (articles → {id: rules}),
    asked a batch at a time so a long export streams."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    n = 0
    for batch in _batches(hits, FLAG_BATCH):
        flags = flags_of([h.article for h in batch]) if flags_of else {}
        for hit in batch:
            writer.writerow(row(hit, base_url, flags.get(hit.article.id)))
            n += 1
    return n


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
