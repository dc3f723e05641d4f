"""Plain-text articles like the seeds: an optional title line, an optional date/source line,
then the body. Finds what is there and invents nothing that is not."""

from __future__ import annotations

import re

from pipeline.extract import Extracted
from pipeline.extract.dates import DATE_RE as _DATE
from pipeline.extract.dates import parse_date

_ORIGIN = re.compile(r"(?:信息)?[來来]\s*源\s*[:：]\s*(?P<origin>[^\s|｜]+(?:\s[^\s|｜:：]+)?)")
_AUTHOR = re.compile(
    r"(?:作者|[記记]者)\s*[:：]?\s*(?P<names>[\u4e00-\u9fff·]{2,4}(?:[ 、,，][\u4e00-\u9fff·]{2,4})*)"
)
_STOP_NAMES = re.compile(r"通[訊讯][員员]|攝影|摄影|[編编][輯辑]")
_SENTENCE_END = "。！？!?；;，,"
_TRAILER = re.compile(r"^\s*[•·●▪■◆-]\s*\S{0,12}\s*$")


def _is_meta_line(line: str) -> bool:
    return len(line) <= 120 and (_DATE.search(line) is not None or _ORIGIN.search(line) is not None) and (
        _ORIGIN.search(line) is not None or len(_DATE.sub("", line).strip()) <= 20
    )


def _strip_trailer(lines: list[str]) -> list[str]:
    """Drop a page's closing navigation (bullets, 熱點推薦, short link labels)."""
    end = len(lines)
    while end > 0:
        line = lines[end - 1].strip()
        if not line or _TRAILER.match(line) or (len(line) <= 8 and not any(c in line for c in _SENTENCE_END)):
            end -= 1
            continue
        break
    return lines[:end]


def _author(body: str) -> str | None:
    m = _AUTHOR.search(body)
    if not m:
        return None
    names = _STOP_NAMES.split(m["names"])[0]
    parts = [p for p in re.split(r"[ 、,，]", names) if p]
    return " ".join(parts) or None


def parse_text_article(text: str) -> Extracted:
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    title = published = origin = None
    body_start = 0
    head = [i for i, ln in enumerate(lines[:6]) if ln.strip()][:3]
    meta_at = next((i for i in head if _is_meta_line(lines[i].strip())), None)
    if meta_at is not None:
        meta = lines[meta_at].strip()
        published = parse_date(meta)
        m = _ORIGIN.search(meta)
        origin = m["origin"].strip() if m else None
        before = [lines[i].strip() for i in head if i < meta_at]
        if len(before) == 1 and len(before[0]) <= 80:
            title = before[0]
        body_start = meta_at + 1
    elif lines:
        first = lines[0].strip()
        rest = [ln for ln in lines[1:] if ln.strip()]
        if len(first) <= 50 and first[-1:] not in _SENTENCE_END and len(rest) >= 2:
            title = first
            body_start = 1
    body_lines = _strip_trailer(lines[body_start:])
    paragraphs = [ln.strip() for ln in body_lines if ln.strip()]
    body = "\n\n".join(paragraphs)
    return Extracted(title=title, text=body, published_at=published, author=_author(body), origin=origin)
