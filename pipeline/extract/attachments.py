"""The files a page attaches (附件): for a government notice, often the policy itself.

A notice such as 关于印发《优化营商环境三年行动方案》的通知 is usually a two-line cover
(现将……印发给你们，请认真贯彻执行) with the measures in an attached PDF, Word, WPS or OFD
file. The body extractors drop those links with the rest of the markup, so an editor saw the
cover and not where the reform is written down. This reads them from the pruned page (the
navigation, sidebars and footers already gone): every link to a document file, with the
name the page gives it.

Portals link files directly (TRS: ``./P020240306512345678901.pdf``) or through a download
script that names the file in its query (Hanweb:
``/module/download/downfile.jsp?classid=0&filename=2403061030.pdf``); both count.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

#: extensions of documents a notice attaches (WPS: .wps/.et/.dps; OFD: China's PDF-like format)
_DOCUMENT = re.compile(r"\.(pdf|docx?|wps|rtf|xlsx?|et|csv|pptx?|dps|ofd|zip|rar|7z)$", re.IGNORECASE)
#: more than this is a download page's list, not a notice's attachments
MAX_ATTACHMENTS = 30
_MAX_TITLE = 200
#: link texts that say nothing about the file
_GENERIC = re.compile(r"^(?:pdf|word|wps|ofd|excel|docx?)?\s*"
                      r"(附件\s*\d*|附件下载|附件下載|下载|下載|点击下载|點擊下載|download|查看|浏览|瀏覽)\s*[:：]?$",
                      re.IGNORECASE)


def document_name(url: str) -> str | None:
    """The file name a URL delivers when it is a document, else None."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    if _DOCUMENT.search(path):
        return path.rsplit("/", 1)[-1]
    for _, value in parse_qsl(parts.query):
        value = value.strip()
        if _DOCUMENT.search(value):
            return value.rsplit("/", 1)[-1]
    return None


def _title(a, name: str) -> str:
    text = " ".join(a.text_content().split())
    if not text or _GENERIC.match(text):
        text = " ".join((a.get("title") or "").split()) or text
    if not text:
        return name[:_MAX_TITLE]
    if _GENERIC.match(text):
        return f"{text} ({name})"[:_MAX_TITLE]
    return text[:_MAX_TITLE]


def find_attachments(doc, url: str | None) -> list[dict[str, str]]:
    """``[{"url", "title"}, …]`` in page order, each file once; absolute http(s) URLs only."""
    base = url or ""
    tag = doc.find(".//base[@href]")
    if tag is not None:
        base = urljoin(base, tag.get("href").strip())
    out: dict[str, dict[str, str]] = {}
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        try:
            target = urljoin(base, href).split("#")[0]
            parts = urlsplit(target)
        except ValueError:
            continue
        if parts.scheme not in ("http", "https") or not parts.hostname or target in out:
            continue
        name = document_name(target)
        if name is None:
            continue
        out[target] = {"url": target, "title": _title(a, name)}
        if len(out) >= MAX_ATTACHMENTS:
            break
    return list(out.values())
