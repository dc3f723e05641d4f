"""A search as an Atom feed (``/search.atom?…``), so an editor can follow it in a feed reader.

The alert rules push a match to a channel an operator configured; a feed lets any editor
follow any search of their own without touching ``alerts.yaml``: swap ``/search`` for
``/search.atom`` in a link. The feed takes the search's filters and always lists the newest
stories first, one entry per story. An entry's id comes from the story, not from the copy
shown, so a repost of a story already in the feed updates its entry instead of arriving
as news again.

Crawled text is hostile here too: lxml escapes every string, and characters that XML 1.0
cannot hold (control characters a page may carry) are dropped first, because lxml refuses
them and one bad title must not take the whole feed down. (feedgen 1.0 was tried and not
taken: it drops every entry link's ``rel``, python-feedgen issue #135, so the link to the
original would read as a second link to the article.)
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

from lxml import etree
from lxml.builder import ElementMaker

from pipeline.snippet import snippet_text
from pipeline.timeutil import iso, parse_iso
from pipeline.urls import article_page
from pipeline.web.display import display_title
from pipeline.web.safety import safe_link
from pipeline.web.searching import SearchPage, SearchParams

#: stories in one feed: a reader polls often, so it needs only the latest
FEED_SIZE = 50

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
ATOM = ElementMaker(namespace="http://www.w3.org/2005/Atom",
                    nsmap={None: "http://www.w3.org/2005/Atom"})


def xml_text(value: str | None) -> str:
    """``value`` without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", value or "")


def feed_params(params: SearchParams) -> SearchParams:
    """The search a feed runs: its filters, newest first, the first page only."""
    return SearchParams(params.q, params.sources, params.tags, params.since, params.until,
                        "newest", 1)


def feed_url(params: SearchParams) -> str:
    """The feed of the search ``params`` hold, as a link from its page."""
    query = feed_params(params).query_string(sort="")
    return "/search.atom" + (f"?{query}" if query else "")


def feed_title(params: SearchParams) -> str:
    parts = [params.q] if params.q else []
    parts += [f"source:{s}" for s in params.sources] + [f"tag:{t}" for t in params.tags]
    if params.since or params.until:
        parts.append(f"{params.since or '…'}–{params.until or '…'}")
    return "newsmon: " + (" ".join(parts) if parts else "latest articles")


def _uuid(kind: str, key: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"newsmon:{kind}:{key}").urn


def _when(*values: str | None) -> datetime | None:
    """The first of ``values`` that is a time (``parse_iso``: never a naive one)."""
    return next((dt for dt in map(parse_iso, values) if dt is not None), None)


def atom_feed(page: SearchPage, base_url: str) -> bytes:
    """The page's stories as an Atom document; ``base_url`` is this server's root URL."""
    base = base_url.rstrip("/")
    params = page.params
    self_link = feed_url(params)
    html_link = self_link.replace("/search.atom", "/search", 1)
    html_link += ("&" if "?" in html_link else "?") + "sort=newest"
    entries = [_entry(sh, base) for sh in page.hits]
    newest = max((u for _, u in entries), default=datetime.now(timezone.utc))
    feed = ATOM.feed(
        ATOM.id(_uuid("search", self_link)),
        ATOM.title(xml_text(feed_title(params))),
        ATOM.updated(iso(newest)),
        ATOM.link(href=base + self_link, rel="self"),
        ATOM.link(href=base + html_link, rel="alternate", type="text/html"),
        ATOM.generator("newsmon"),
        *(e for e, _ in entries),
    )
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _entry(sh, base: str):
    """(the entry element, its updated time) for one story of the search."""
    a = sh.hit.article
    published = _when(a.published_at)
    stored = _when(a.ingested_at, a.fetched_at, a.published_at) or datetime.now(timezone.utc)
    updated = max(stored, published) if published else stored
    summary = xml_text(snippet_text(sh.hit.snippet))
    if sh.also_on:
        summary += f" (also on {', '.join(sh.also_on)})"
    entry = ATOM.entry(
        ATOM.id(_uuid("story", a.story_id) if a.story_id else _uuid("article", a.id)),
        ATOM.title(xml_text(display_title(a).text)),
        ATOM.updated(iso(updated)),
        ATOM.link(href=article_page(base, a.id), rel="alternate",
                  type="text/html"),
    )
    original = safe_link(a.url)
    if original:
        entry.append(ATOM.link(href=original, rel="via"))
    # the files the page attaches, as feed readers list them (a notice's plan is often one)
    for f in a.attachments or []:
        href = safe_link(f.get("url"))
        if href:
            entry.append(ATOM.link(href=href, rel="enclosure", title=xml_text(f.get("title") or "")))
    if published:
        entry.append(ATOM.published(iso(published)))
    entry.append(ATOM.author(ATOM.name(xml_text(a.author or a.origin or a.source))))
    entry.append(ATOM.summary(summary))
    entry.extend(ATOM.category(term=xml_text(t)) for t in a.tags or [])
    # alert rules the story matched: a reader can filter a feed on its reform announcements
    entry.extend(ATOM.category(term=f, scheme=f"{base}/monitor#rules", label=f"flagged by alert rule {f}")
                 for f in sh.flags)
    return entry, updated


def revisions_feed(revised: list[tuple], withdrawn: list[tuple], base_url: str, days: int) -> bytes:
    """What the portals changed, as a feed: one entry per revision (the monitor's "revised
    on the portals"; its id names the article and the time it was replaced) and one per page
    withdrawn (gone twice in a row; its id names the article and when it went), so a reader
    shows each once, newest first."""
    base = base_url.rstrip("/")
    entries = []
    for a, rev in revised:
        fields = "; ".join(f"{f['name']}: {f['before'] or '(none)'} → {f['after'] or '(none)'}"
                           for f in rev.get("fields") or [])
        summary = " · ".join(x for x in (f"changed: {', '.join(rev.get('changed') or [])}", fields,
                                         rev.get("excerpt") or "") if x)
        entries.append(_change_entry(a, base, "revised", f"{a.id}:{rev.get('replaced_at')}", rev.get("replaced_at"),
                                     summary, "#history"))
    for a, g in withdrawn:
        summary = (f"the portal answers HTTP {g['status']} at this address since {g['gone_at']}"
                   f" (last checked {g['checked_at']}); newsmon keeps the text as stored")
        entries.append(_change_entry(a, base, "withdrawn", f"{a.id}:{g['gone_at']}", g["gone_at"], summary, ""))
    entries.sort(key=lambda e: e[1], reverse=True)
    feed = ATOM.feed(
        ATOM.id(_uuid("revisions", "all")),
        ATOM.title(f"newsmon: revised or withdrawn on the portals (last {days} days)"),
        ATOM.updated(iso(max((u for _, u in entries), default=datetime.now(timezone.utc)))),
        ATOM.link(href=base + "/revised.atom", rel="self"),
        ATOM.link(href=base + "/monitor#revised", rel="alternate", type="text/html"),
        ATOM.generator("newsmon"),
        *(e for e, _ in entries),
    )
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _change_entry(a, base: str, what: str, key: str, when: str | None, summary: str, anchor: str):
    """(entry, updated) for one revision or withdrawal of article ``a``."""
    updated = _when(when) or datetime.now(timezone.utc)
    entry = ATOM.entry(
        ATOM.id(_uuid(what, key)),
        ATOM.title(xml_text(f"{what}: " + display_title(a).text)),
        ATOM.updated(iso(updated)),
        ATOM.link(href=article_page(base, a.id) + anchor, rel="alternate", type="text/html"),
    )
    original = safe_link(a.url)
    if original:
        entry.append(ATOM.link(href=original, rel="via"))
    entry.append(ATOM.author(ATOM.name(xml_text(a.author or a.origin or a.source))))
    entry.append(ATOM.summary(xml_text(summary)))
    return entry, updated
