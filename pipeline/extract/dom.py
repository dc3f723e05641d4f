"""HTML → an lxml tree the extractors can trust, and the page's visible text as lines.

Why a pruning pass of our own before trafilatura and readability: both score blocks by
text and link density, and Chinese portals put share bars, "为你推荐" lists and
breadcrumbs in boxes dense enough to win. Those boxes announce themselves by class/id
(``share``, ``bdshare``, ``tuijian``, ``xgxw``…); removing them first is cheaper and
more reliable than cleaning the text afterwards.
"""

from __future__ import annotations

import copy
import re

import lxml.html
from lxml import etree

#: crawl-corpus wrapper: ``<text id=URL title=... encoding=...>…</text>`` around a page
_WRAP_OPEN = re.compile(r"^\s*(?:\ufeff)?<text\s[^>]*>", re.I)
_WRAP_CLOSE = re.compile(r"</text>\s*$", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)

#: class/id tokens of boxes that never hold the article body
_JUNK_TOKEN = re.compile(
    r"(?:^|[-_\s])("
    r"share|bdshare|bdsharebuttonbox|jiathis|fenxiang|social|"
    r"recommend\w*|tuijian|related|relate|xgxw|xgwz|xgyd|hot-?news|"
    r"comments?|pinglun|reply|"
    r"nav|navbar|menu|breadcrumbs?|crumbs?|location|position|weizhi|"
    r"footer|foot|copyright|banquan|"
    r"sidebar|side|aside|"
    r"ad|ads|advert\w*|guanggao|"
    r"toolbar|tools|print|dayin|fontsize|font-size|zihao|"
    r"qrcode|ewm|erweima|login|search|pagination|pager"
    r")(?:$|[-_\s\d])",
    re.I,
)
_JUNK_TAGS = ("script", "style", "noscript", "template", "iframe", "select", "button", "textarea",
              "input", "object", "embed", "svg")
#: tags that are chrome unless they hold most of the page (ASP.NET wraps pages in a <form>)
_CHROME_TAGS = frozenset(("nav", "footer", "aside", "form", "menu"))

#: a pruned box may hold at most this share of the page's text (guards against a page
#: whose whole content sits in <div id="main-nav-wrapper">)
_MAX_PRUNED_SHARE = 0.35

BLOCK_TAGS = frozenset(
    "address article blockquote body dd div dl dt figcaption figure h1 h2 h3 h4 h5 h6 header "
    "hr li main ol p pre section table tbody thead tfoot td th tr ul center font-block".split()
)


def strip_wrappers(html: str) -> str:
    """Remove a crawl-corpus ``<text …>`` wrapper and an XML declaration lxml refuses."""
    html = _CONTROL.sub("", html)  # lxml refuses NUL and other C0 controls
    m = _WRAP_OPEN.match(html)
    if m:
        html = _WRAP_CLOSE.sub("", html[m.end():])
    return _XML_DECL.sub("", html, count=1)


def parse(html: str):
    """Lenient parse; never raises on junk input (returns an empty <html> instead)."""
    html = strip_wrappers(html)
    if not html.strip():
        return lxml.html.fromstring("<html><body></body></html>")
    try:
        doc = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        doc = lxml.html.fromstring("<html><body></body></html>")
    return doc


def _text_len(el) -> int:
    return len("".join("".join(el.itertext()).split()))


def prune(doc) -> None:
    """Drop scripts, forms and class/id-named boilerplate boxes in place."""
    for bad in doc.xpath("//comment() | //processing-instruction()"):
        if bad.getparent() is not None:
            bad.drop_tree()
    for el in list(doc.iter(*_JUNK_TAGS)):
        if el.getparent() is not None:
            el.drop_tree()
    body = doc.find("body")
    total = _text_len(body if body is not None else doc) or 1
    for el in list(doc.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        if el.tag in ("html", "body", "head"):
            continue
        names = " ".join(filter(None, (el.get("class"), el.get("id"))))
        if el.tag not in _CHROME_TAGS and not (names and _JUNK_TOKEN.search(names)):
            continue
        if _text_len(el) <= _MAX_PRUNED_SHARE * total:
            el.drop_tree()


def copy_tree(doc):
    """An independent copy of a parsed page, for a stage that changes the tree it gets."""
    return copy.deepcopy(doc)


def to_html(doc) -> str:
    return lxml.html.tostring(doc, encoding="unicode")


def visible_lines(doc) -> list[str]:
    """The page's text in reading order, one line per block, blank lines dropped.

    Works on a copy: line breaks are written into tails, which would otherwise change
    what the body extractors see.
    """
    if doc is None:
        return []
    doc = copy.deepcopy(doc)
    for el in list(doc.iter("head", "title", "script", "style", "noscript", "template")):
        if el.getparent() is not None:
            el.drop_tree()
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == "br" or el.tag in BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
            if el.tag != "br":
                el.text = "\n" + (el.text or "")
    text = doc.text_content()
    lines = []
    for line in text.split("\n"):
        line = " ".join(line.replace("\u3000", " ").replace("\xa0", " ").split())
        if line:
            lines.append(line)
    return lines
