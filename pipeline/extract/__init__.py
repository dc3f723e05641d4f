"""Extract stage: decoded HTML → title, clean body and the Chinese metadata lines.

The stage is split by job: ``dom`` (parse, unwrap, prune boilerplate boxes), ``body``
(trafilatura + readability and the choice between them), ``boilerplate`` (line-level
chrome: share bars, font controls, "为你推荐" lists), ``metadata`` (title, origin,
author, document numbers), ``dates`` (Chinese date lines → ISO 8601) and ``attachments``
(the files a notice attaches).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.extract import attachments, boilerplate, dates, dom, metadata
from pipeline.extract.body import extract_body


@dataclass
class Extracted:
    title: str | None = None
    #: clean body, paragraphs separated by one blank line
    text: str = ""
    #: ISO 8601 with offset (+08:00 when the page names no zone)
    published_at: str | None = None
    author: str | None = None
    origin: str | None = None
    doc_numbers: list[str] = field(default_factory=list)
    #: files the page attaches: [{"url", "title"}], absolute URLs (``extract.attachments``);
    #: None where there is no markup to read them from (a text file)
    attachments: list[dict[str, str]] | None = None
    #: which body extractor won ("readability", "trafilatura", "none"), for diagnosis
    method: str | None = None


def extract_html(html: str, url: str | None = None) -> Extracted:
    # one parse: the stages below get copies of this tree (a deep copy costs a fraction of
    # a parse, and every extractor used to parse the page again from text)
    doc = dom.parse(html)
    lines = dom.visible_lines(doc)

    pruned = dom.copy_tree(doc)
    dom.prune(pruned)
    method, body = extract_body(pruned, url)
    body_start = metadata.find_line(lines, body[0]) if body else None
    title, title_idx = metadata.choose_title(doc, lines, body_start)
    body = _drop_header_lines(body, title)
    if body:  # where the prose starts, once the headline and byline are out of the body
        body_start = metadata.find_line(lines, body[0])
    # read before cleaning: the "来源：…" and "作者：…" lines are cleaned out of the body
    head, tail = body[:3], body[-4:]
    body = boilerplate.clean_lines(body)

    published = metadata.find_published(doc, lines, title_idx, url, body_start)
    origin = metadata.find_origin(lines, title_idx, tail)
    # the body's own last lines too: a raw tail can be footer the cleaning drops, and the
    # credit that closes the article, （记者 胡晓蓉）, sits just above it
    author = metadata.find_author(lines, title_idx, head, tail + [ln for ln in body[-3:] if ln not in tail])
    text = "\n\n".join(body)
    return Extracted(
        title=title,
        text=text,
        published_at=published,
        author=author,
        origin=origin,
        doc_numbers=metadata.find_doc_numbers(title or "", text, "\n".join(lines[: (title_idx or 0) + 15])),
        attachments=attachments.find_attachments(pruned, url),
        method=method,
    )


def _drop_header_lines(body: list[str], title: str | None) -> list[str]:
    """The headline and the byline (date/source line) belong in fields, not the body.

    Only the first few lines are looked at: a date deep in the text is prose.
    """
    sq_title = "".join((title or "").split())
    out = []
    for i, line in enumerate(body):
        sq = "".join(line.split())
        if i < 6:
            if sq_title and (sq == sq_title or (sq.startswith(sq_title) and len(sq) <= len(sq_title) + 6)
                             or (sq_title.startswith(sq) and len(sq) >= 0.6 * len(sq_title))):
                continue
            if len(sq) <= 80 and _is_byline(line):
                continue
        out.append(line)
    return out


_LABELS = re.compile(r"(?:作者|记者|記者|编辑|編輯|责任编辑|責任編輯|点击|點擊|浏览|瀏覽|阅读|閱讀|字号|字號)\s*[:：]?\s*\S{0,12}")
_FILLER = re.compile(r"[\s|｜丨:：【】\[\]()（）/\-·]+")
_SENTENCE = re.compile(r"[，。！？；]")


def _is_byline(line: str) -> bool:
    """A short line made of a date, a source and the like: nothing else of substance.

    "2024年3月1日，全县召开大会。" is prose: what is left after the date reads as a sentence.
    """
    found = dates.find_dates(line)
    has_label = bool(metadata._ORIGIN_RE.search(line) or dates.PUBLISH_LABEL.search(line)
                     or metadata._AUTHOR_RE.search(line))
    if metadata._REPORTER_RE.fullmatch(line.strip()):
        return True  # 本报记者 王燕平 方云凤
    if not found and not has_label:
        return False
    rest = dates.DATE_RE.sub("", line)
    rest = metadata._ORIGIN_RE.sub("", rest)
    rest = dates.PUBLISH_LABEL.sub("", rest)
    rest = _LABELS.sub("", rest)
    if _SENTENCE.search(rest):
        return False
    return len(_FILLER.sub("", rest)) <= 12
