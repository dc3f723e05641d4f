"""Column lists of Hanweb's portal CMS (大汉 JCMS, "jpaas"), read as the browser shows them.

Many provincial, city and county portals (Jiangsu, Zhejiang, Shandong, Beijing's
commissions, …) run this CMS. Its column page (``/col/col76841/index.html``) carries no
article link in its HTML: the first records sit as CDATA inside a ``<script
type="text/xml"><datastore>`` block, and ``jpage.js`` writes them into the page in the
browser. The records after those come from ``/module/web/jpage/dataproxy.jsp``, whose
address the datastore's ``<nextgroup>`` holds; it answers with a datastore document of its
own, whose ``<nextgroup>`` names the group after.

``expand`` puts in place of each such block what the browser would show: the records, in a
list, and a ``rel=next`` link to the next group. The listing heuristics then read a column
and its groups like any other listing, with no per-site settings, and a datastore inside a
sidebar stays inside the sidebar's box (and is skipped with it).

Hostile input: the records are HTML from the page itself, parsed by lxml like the rest of
it; nothing is executed, and the scan is linear in the page's size.
"""

from __future__ import annotations

import re

import lxml.etree
import lxml.html

_DATASTORE = re.compile(r"<datastore[\s>]", re.IGNORECASE)
#: a whole answer that is a datastore (dataproxy.jsp), after any XML declaration
_BARE = re.compile(r"^\s*(?:<\?xml[^>]*\?>\s*)?<datastore[\s>]", re.IGNORECASE)
_CDATA_OPEN = "<![CDATA["
_CDATA_CLOSE = "]]>"
_TABLE_ROW = re.compile(r"^\s*<tr[\s>]", re.IGNORECASE)
#: class of the box that stands for a datastore (the pager tells its next-group link by it)
BOX_CLASS = "jpage-records"


def is_datastore(text: str) -> bool:
    """Whether the whole text is a datastore document, as dataproxy.jsp answers."""
    return bool(_BARE.match(text[:512]))


def _cdata_in(text: str, tag: str) -> list[str]:
    """The CDATA content of every ``<tag>`` element, in order, by a linear scan."""
    out: list[str] = []
    lower = text.lower()
    opening = f"<{tag}>"
    at = 0
    while True:
        start = lower.find(opening, at)
        if start < 0:
            return out
        open_at = text.find(_CDATA_OPEN, start + len(opening))
        if open_at < 0:
            return out
        # the CDATA must open this element, not one further on
        if text[start + len(opening):open_at].strip():
            at = start + len(opening)
            continue
        close_at = text.find(_CDATA_CLOSE, open_at)
        if close_at < 0:
            return out
        out.append(text[open_at + len(_CDATA_OPEN):close_at])
        at = close_at + len(_CDATA_CLOSE)


def _next_group(text: str) -> str | None:
    for fragment in _cdata_in(text, "nextgroup")[:1]:
        if not fragment.strip():
            return None
        try:
            holder = lxml.html.fragment_fromstring(fragment, create_parent="div")
        except (ValueError, lxml.etree.ParserError):
            return None
        for a in holder.iter("a"):
            href = (a.get("href") or "").strip()
            if href:
                return href
    return None


def records_box(datastore: str):
    """A ``<div class="jpage-records">`` with the datastore's records and, when it names
    one, a ``rel=next`` link to the next group; None without records (a group past the
    end of the column, whatever next group it names)."""
    records = [r for r in _cdata_in(datastore, "record") if r.strip()]
    if not records:
        return None
    nxt = _next_group(datastore)
    box = lxml.html.Element("div", {"class": BOX_CLASS})
    joined = "".join(records)
    # rows of a table keep their table, or the parser would drop their tags
    wrapper = "table" if _TABLE_ROW.match(joined) else "div"
    try:
        box.append(lxml.html.fragment_fromstring(f"<{wrapper}>{joined}</{wrapper}>"))
    except (ValueError, lxml.etree.ParserError):
        return None
    if nxt:
        box.append(lxml.html.Element("a", {"rel": "next", "href": nxt}))
    return box


def expand(doc) -> None:
    """Replace, in place, each ``<script>`` holding a datastore with its records box."""
    for script in list(doc.iter("script")):
        text = script.text or ""
        if not _DATASTORE.search(text):
            continue
        box = records_box(text)
        parent = script.getparent()
        if parent is None:
            continue
        if box is None:
            parent.remove(script)
        else:
            box.tail = script.tail
            parent.replace(script, box)


def bare_document(text: str):
    """An HTML document holding a dataproxy answer's records box (maybe an empty body)."""
    doc = lxml.html.document_fromstring("<html><body></body></html>")
    box = records_box(text)
    if box is not None:
        doc.body.append(box)
    return doc
