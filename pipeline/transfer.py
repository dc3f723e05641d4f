"""Articles in and out of an index as JSON lines: `newsmon export` and `newsmon import`.

Why: a newsroom starts on the embedded SQLite index and grows into Elasticsearch (or takes a
copy of a source to a laptop), and the articles must move with everything newsmon learnt
about them: the repaired text with its repair log, the encoding and whether a header lied,
tags, document numbers, stories. One JSON object per line (``Article.to_dict()``, every
field) is what both backends can write and read, and what other tools can too.

An import line is checked field by field before it goes near the index; a bad line is
named (file:line: what is wrong) and skipped, never half-stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterable, Iterator, TextIO

from pipeline.model import Article
from pipeline.timeutil import parse_iso

_TEXT = ("url", "title", "author", "origin", "encoding", "story_id", "ingested_at")
_TIMES = ("published_at", "fetched_at")
_LISTS = ("tags", "doc_numbers")


#: the key an exported article's earlier versions travel under (``export --history``)
HISTORY_KEY = "_history"


def write_articles(articles: Iterable[Article], out: TextIO, history_of=None) -> int:
    """One line per article; returns how many were written. With ``history_of`` (a store's
    ``history``), each line also carries the article's earlier versions under
    ``HISTORY_KEY``: ``[{version, replaced_at, article}, …]``, oldest first."""
    n = 0
    for a in articles:
        line = a.to_dict()
        if history_of is not None:
            versions = history_of(a.id)
            if versions:
                line[HISTORY_KEY] = [{"version": v["version"], "replaced_at": v["replaced_at"],
                                      "article": v["article"].to_dict()} for v in versions]
        out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
        n += 1
    return n


class BadLine(ValueError):
    """One line that is not an article; the message says why."""


def parse_line(line: str) -> tuple[Article, list[dict]]:
    """An article from one line of an export, and its earlier versions if the line carries
    them (``{version, replaced_at, article: Article}``, oldest first); or BadLine."""
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise BadLine(f"not JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise BadLine("not a JSON object")
    versions = data.pop(HISTORY_KEY, None)
    article = _article(data)
    return article, _history(versions, article.id)


def _history(value, article_id) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadLine(f"{HISTORY_KEY}: expected a list of earlier versions")
    out = []
    for i, v in enumerate(value):
        where = f"{HISTORY_KEY}[{i}]"
        if not isinstance(v, dict) or not isinstance(v.get("article"), dict):
            raise BadLine(f"{where}: expected {{version, replaced_at, article}}")
        version = v.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise BadLine(f"{where}.version: expected a whole number of at least 1")
        if not isinstance(v.get("replaced_at"), str) or parse_iso(v["replaced_at"]) is None:
            raise BadLine(f"{where}.replaced_at: expected an ISO 8601 time")
        try:
            article = _article(dict(v["article"]))
        except BadLine as exc:
            raise BadLine(f"{where}.article.{exc}") from None
        if article.id != article_id:
            raise BadLine(f"{where}.article.id: {article.id!r} is not the article's own id")
        out.append({"version": version, "replaced_at": v["replaced_at"], "article": article})
    return out


def _article(data: dict) -> Article:
    """The fields of one exported article, checked; BadLine names the first wrong one."""
    for key in ("id", "source"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise BadLine(f"{key}: required, a non-empty string")
    if not isinstance(data.get("text", ""), str):
        raise BadLine("text: expected a string")
    for key in _TEXT + _TIMES:
        if data.get(key) is not None and not isinstance(data[key], str):
            raise BadLine(f"{key}: expected a string or null")
    for key in _TIMES:
        if data.get(key) and parse_iso(data[key]) is None:
            raise BadLine(f"{key}: {data[key]!r} is not an ISO 8601 time")
    for key in _LISTS:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BadLine(f"{key}: expected a list of strings")
    repairs = data.get("repairs") or {}
    if not isinstance(repairs, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in repairs.items()):
        raise BadLine("repairs: expected a mapping of repair kind to count")
    log = data.get("repair_log") or []
    if not isinstance(log, list) or not all(isinstance(r, dict) for r in log):
        raise BadLine("repair_log: expected a list of objects")
    files = data.get("attachments")
    if files is not None:
        if not isinstance(files, list) or not all(
                isinstance(f, dict) and isinstance(f.get("url"), str)
                and all(isinstance(f.get(k, ""), str) for k in ("title", "text", "unread"))
                for f in files):
            raise BadLine("attachments: expected a list of {url, title, text?, unread?} objects, or null")
        data["attachments"] = [{"url": f["url"], "title": f.get("title") or "",
                                **{k: f[k] for k in ("text", "unread") if k in f}} for f in files]
    if data.get("encoding_lied") is not None and not isinstance(data["encoding_lied"], bool):
        raise BadLine("encoding_lied: expected true, false or null")
    relevance = data.get("relevance")
    if relevance is not None and (isinstance(relevance, bool) or not isinstance(relevance, (int, float))):
        raise BadLine("relevance: expected a number or null")
    for key in _LISTS + ("repair_log",):
        data[key] = data.get(key) or []
    data["repairs"] = repairs
    data["text"] = data.get("text") or ""
    return Article.from_dict(data)


@dataclass
class Line:
    number: int
    article: Article | None = None
    error: str | None = None
    #: earlier versions the line carried (``export --history``)
    history: list[dict] = field(default_factory=list)


def read_articles(lines: Iterable[str | None]) -> Iterator[Line]:
    """Each non-blank line as an article or an error; line numbers count from 1. A line
    given as None could not be decoded."""
    for number, line in enumerate(lines, 1):
        if line is None:
            yield Line(number, error="not UTF-8 text")
            continue
        if not line.strip():
            continue
        try:
            article, history = parse_line(line)
            yield Line(number, article=article, history=history)
        except BadLine as exc:
            yield Line(number, error=str(exc))
