"""Which links on a listing page are articles, and which one is the next page.

Chinese government and newspaper CMSs (TRS WCM, UCAP, …) are regular enough that a few
cues find articles without per-site code: article URLs carry a date or a document number
(``/202403/t20240305_1001.html``, ``content_123.htm``, a 32-hex id), article titles are long
while navigation labels are two to four characters, and the articles of a listing sit
together in one list while navigation, share bars and "為你推薦" boxes sit in containers whose
class or id says so. A source's ``article_urls`` regex overrides the URL cue.

Pagination follows the links people click (下一页, rel=next) and, because TRS writes its
pager with JavaScript (``createPageHTML(9, 0, "index", "shtml")``), the ``index_N`` file names
that pager would produce. Hanweb's column pages hide their records in a datastore and page
through ``dataproxy.jsp``; ``crawler.jpage`` turns both into what the browser shows first.

Pure functions over lxml: no Scrapy here, so the heuristics are testable on a string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import urljoin, urlsplit

import lxml.html

from crawler import jpage
from pipeline.extract.dom import strip_wrappers
from pipeline.urls import host_allowed, site_of  # noqa: F401 (the spider and tests take them from here)

#: URL shapes of article pages on Chinese CMSs
ARTICLE_URL = re.compile(
    r"""(
        /t20\d{6}_\d+\.s?html?$            # TRS: /202403/t20240305_1001.html
      | /t\d{5,}(_\d+)?\.s?html?$          # TRS short ids: t5012345.htm
      | content_\d+\.s?html?$              # gov.cn / e-papers: content_5372847.htm
      | /20\d{2}[-/]?[01]\d[-/]?[0-3]?\d?/[^/?#]+\.s?html?$   # date folder then a page
      | /20\d{2}[01]\d/[0-9a-f]{16,40}\.s?html?$              # UCAP: /202403/<32 hex>.shtml
      | /art_\d+_\d+\.html$                # Zhejiang-style art_1229_4567.html
      | /c_\d+\.htm$                       # Xinhua c_1123971164.htm
      | /\d{6,}\.s?html?$                  # a bare long numeric id
      | [?&](id|articleid|docid|contentid|newsid)=\d{3,}  # dynamic pages with a numeric id
    )""",
    re.IGNORECASE | re.VERBOSE,
)

#: container classes/ids that hold no listing articles
BOILERPLATE = re.compile(
    r"(^|[\s_-])(nav|navbar|menu|header|topbar|foot|footer|bottom|banner|crumb|breadcrumb|"
    r"share|bdshare|social|recommend|tuijian|related|xgwz|xgxw|hot|rank|paihang|copyright|"
    r"friend|links?|yqlj|sidebar|side|login|search|weather|ad|ads|advert)([\s_-]|\d|$)",
    re.IGNORECASE,
)
_BOILERPLATE_TAGS = {"nav", "header", "footer", "aside"}
_BOILERPLATE_TEXT = re.compile(r"(為你推薦|为你推荐|相關閱讀|相关阅读|猜你喜歡|猜你喜欢|熱點推薦|热点推荐|分享到)")

_NON_PAGE_EXT = re.compile(
    r"\.(pdf|docx?|xlsx?|pptx?|wps|zip|rar|7z|jpe?g|png|gif|bmp|webp|svg|mp4|mp3|avi|flv|apk|exe|css|js)$",
    re.IGNORECASE,
)
_PAGE_EXT = re.compile(r"\.(s?html?|jsp|php|aspx?)$|/[^./]+$", re.IGNORECASE)

NEXT_TEXT = re.compile(r"^\s*(下一页|下一頁|下页|下頁|后页|後頁|next|next\s*page|›|»|>|>>)\s*$", re.IGNORECASE)
_TRS_PAGER = re.compile(r"createPage(?:HTML|Html)\s*\(([^)]{0,200})\)")
_ARG = re.compile(r"""\s*(?:['"]([^'"]*)['"]|([\w.-]+))\s*(?:,|$)""")
_PAGED_NAME = re.compile(r"([\w-]+?)_(\d+)\.(s?html?)\b")

MIN_TITLE_CHARS = 6


@dataclass(frozen=True)
class Link:
    url: str
    text: str


def parse_html(text: str, base_url: str):
    """An lxml tree with absolute links (honouring <base href>), or None for an empty page.

    A Hanweb column's records, and a dataproxy.jsp answer, are read as the browser shows
    them (``crawler.jpage``); an XHTML page's XML declaration, which lxml refuses in a
    string, is dropped."""
    if not text or not text.strip():
        return None
    if jpage.is_datastore(text):
        doc = jpage.bare_document(text)
    else:
        text = strip_wrappers(text)
        if not text.strip():
            return None
        try:
            doc = lxml.html.document_fromstring(text)
        except (ValueError, lxml.etree.ParserError):
            return None
        jpage.expand(doc)
    base = doc.find(".//base[@href]")
    if base is not None:
        base_url = urljoin(base_url, base.get("href").strip())
    try:
        doc.make_links_absolute(base_url, resolve_base_href=False, handle_failures="discard")
    except ValueError:
        return None
    return doc


def _link_text(a) -> str:
    text = " ".join(a.text_content().split())
    if len(text) < MIN_TITLE_CHARS:
        title = " ".join((a.get("title") or "").split())
        if len(title) > len(text):
            text = title
    return text


def _in_boilerplate(a) -> bool:
    for el in a.iterancestors():
        if not isinstance(el.tag, str):
            continue
        if el.tag in _BOILERPLATE_TAGS:
            return True
        marks = f"{el.get('class') or ''} {el.get('id') or ''}"
        if marks.strip() and BOILERPLATE.search(marks):
            return True
        # a box headed "為你推薦" / "相关阅读": its heading is a preceding sibling or first child
        heading = el.getprevious()
        if heading is not None and isinstance(heading.tag, str) and heading.tag in ("h2", "h3", "h4", "div", "p", "span"):
            if _BOILERPLATE_TEXT.search(heading.text_content()[:40]):
                return True
        if el.tag in ("body", "html"):
            break
    return False


def _list_size(a) -> int:
    """How many siblings of this link's list item also hold a link: big lists are listings."""
    item = a
    for _ in range(3):
        parent = item.getparent()
        if parent is None:
            return 0
        if item.tag in ("li", "tr", "dd", "dt", "p") or parent.tag in ("ul", "ol", "tbody", "table", "dl"):
            break
        item = parent
    parent = item.getparent()
    if parent is None:
        return 0
    return sum(1 for sib in parent if isinstance(sib.tag, str) and sib.find(".//a[@href]") is not None)


def _usable(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    return not _NON_PAGE_EXT.search(parts.path)


def article_links(doc, page_url: str, *, sites: Iterable[str], pattern: re.Pattern | None = None) -> list[Link]:
    """Article links of a listing page, in page order, each once.

    With ``pattern`` a link is an article when its URL matches and it is not in navigation.
    Without, it needs an article-shaped URL and a title-length text, or a long text inside a
    list of several links.
    """
    if doc is None:
        return []
    sites = list(sites)
    page = page_url.split("#")[0]
    out: dict[str, Link] = {}
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href:
            continue
        url = href.split("#")[0]
        if url == page or url in out or not _usable(url) or not host_allowed(url, sites):
            continue
        text = _link_text(a)
        if pattern is not None:
            if pattern.search(url) and not _in_boilerplate(a):
                out[url] = Link(url, text)
            continue
        shaped = bool(ARTICLE_URL.search(url))
        if shaped and len(text) >= 4 and not _in_boilerplate(a):
            out[url] = Link(url, text)
        elif (not shaped and len(text) >= 10 and _PAGE_EXT.search(urlsplit(url).path)
              and _list_size(a) >= 4 and not _in_boilerplate(a)):
            out[url] = Link(url, text)
    return list(out.values())


def _sidebar_group(link) -> bool:
    """A Hanweb datastore's next group, in a box whose records the listing skips."""
    parent = link.getparent()
    return parent is not None and parent.get("class") == jpage.BOX_CLASS and _in_boilerplate(link)


def _trs_pager(raw_text: str) -> tuple[int, int, str, str] | None:
    """(total, current, name, suffix) from a TRS pager call, in its two common forms:
    ``createPageHTML(9, 0, "index", "shtml")`` and
    ``createPageHTML('page_div', 9, 1, 'index', 'shtml', 20)`` (the current page is 0-based in
    the first, 1-based in the second; either way page N+1 is ``index_N``)."""
    m = _TRS_PAGER.search(raw_text)
    if not m:
        return None
    args = [q or b for q, b in _ARG.findall(m.group(1))]
    numbers = [(i, int(a)) for i, a in enumerate(args) if a.isdigit()]
    suffixes = [i for i, a in enumerate(args) if re.fullmatch(r"s?html?", a or "")]
    if len(numbers) < 2 or not suffixes or suffixes[0] == 0:
        return None
    (i_total, total), (_, current) = numbers[0], numbers[1]
    name = args[suffixes[0] - 1]
    if not re.fullmatch(r"[\w-]+", name or ""):
        return None
    zero_based = i_total == 0  # the old form starts with the numbers
    index = current if zero_based else current - 1
    return total, index, name, args[suffixes[0]]


def _page_number(url: str) -> tuple[str, int, str] | None:
    """``…/index_3.html`` → ("index", 3, "html"); ``…/index.html`` or ``…/`` → ("index", 0, …)."""
    path = urlsplit(url).path
    name = path.rsplit("/", 1)[-1]
    m = re.fullmatch(r"([\w-]+?)_(\d+)\.(s?html?)", name)
    if m:
        return m.group(1), int(m.group(2)), m.group(3)
    m = re.fullmatch(r"([\w-]+)\.(s?html?)", name)
    if m:
        return m.group(1), 0, m.group(2)
    if name == "":
        return "index", 0, ""
    return None


def next_page(doc, raw_text: str, page_url: str, *, sites: Iterable[str]) -> str | None:
    """The URL of the following listing page, or None."""
    if doc is None:
        return None
    sites = list(sites)
    page = page_url.split("#")[0]
    # 1. what a reader would click
    for el in doc.iter("a", "link"):
        href = (el.get("href") or "").strip()
        if not href or href.split("#")[0] == page:
            continue
        rel = (el.get("rel") or "").lower().split()
        text = " ".join((el.text_content() if el.tag == "a" else "").split())
        if "next" in rel and _sidebar_group(el):
            continue
        if "next" in rel or (el.tag == "a" and (NEXT_TEXT.match(text) or NEXT_TEXT.match(el.get("title") or "-"))):
            if _usable(href) and host_allowed(href, sites):
                return href.split("#")[0]
    here = _page_number(page)
    if here is None:
        return None
    stem, number, ext = here
    # 2. TRS pager written by JavaScript: createPageHTML(total, current, "index", "shtml")
    pager = _trs_pager(raw_text)
    if pager:
        total, current, name, suffix = pager
        if current + 1 < total:
            return urljoin(page, f"{name}_{current + 1}.{suffix}")
        return None
    # 3. an index_N / list_N file name the page mentions, the smallest after this one
    best: tuple[int, str] | None = None
    for m in _PAGED_NAME.finditer(raw_text):
        name, n, suffix = m.group(1), int(m.group(2)), m.group(3)
        if not (name == stem or (number == 0 and name.startswith(stem))) or n <= number:
            continue
        if ext and suffix != ext and not (number == 0 and stem == "index"):
            continue
        if best is None or n < best[0]:
            best = (n, f"{name}_{n}.{suffix}")
    if best:
        return urljoin(page, best[1])
    return None
