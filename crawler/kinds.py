"""What a start URL answered with (HTML listing, RSS/Atom feed, sitemap, JSON list) and the
article URLs each kind names.

Sources list their URLs without saying what they are, because portals move between kinds
(a listing today, a JSON list tomorrow); the response itself tells. XML is parsed with
entity resolution and network access off: feeds are hostile input like any page.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.etree

from pipeline.decode import decode_bytes

_XML_ROOT = re.compile(rb"<(?:[\w-]+:)?(rss|feed|RDF|urlset|sitemapindex)[\s>]", re.IGNORECASE)
_MAX_GUNZIP = 50 * 1024 * 1024


@dataclass(frozen=True)
class Entry:
    """One article a feed, sitemap or JSON list names."""

    url: str
    title: str | None = None
    date: str | None = None


@dataclass
class Listing:
    kind: str  # html | feed | sitemap | sitemapindex | json
    entries: list[Entry]


class KindError(ValueError):
    """The response could not be read as the kind it claims or was configured as."""


def maybe_gunzip(body: bytes) -> bytes:
    """Sitemaps are often served as .xml.gz with no Content-Encoding."""
    if body[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as f:
                data = f.read(_MAX_GUNZIP + 1)
        except (OSError, EOFError) as exc:
            raise KindError(f"broken gzip data ({exc.__class__.__name__})") from None
        if len(data) > _MAX_GUNZIP:
            raise KindError("gzip data larger than 50 MB")
        return data
    return body


def detect_kind(body: bytes, content_type: str | None) -> str:
    """html | feed | sitemap | json, from the bytes first and the Content-Type second."""
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    ctype = (content_type or "").lower()
    if head[:1] in (b"{", b"[") or "json" in ctype:
        return "json"
    m = _XML_ROOT.search(head)
    if m and (head.startswith(b"<?xml") or m.start() == 0 or "xml" in ctype
              or not re.search(rb"<html", head, re.IGNORECASE)):
        root = m.group(1).lower()
        return "sitemap" if root in (b"urlset", b"sitemapindex") else "feed"
    return "html"


def _xml_root(body: bytes):
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False,
                                  remove_comments=True, remove_pis=True)
    try:
        root = lxml.etree.fromstring(body, parser=parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise KindError(f"unreadable XML ({exc.__class__.__name__})") from None
    if root is None:
        raise KindError("empty XML document")
    return root


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(el, *names: str) -> str | None:
    for child in el:
        if _local(child.tag) in names and child.text and child.text.strip():
            return child.text.strip()
    return None


def feed_entries(body: bytes, base_url: str) -> list[Entry]:
    """Items of an RSS 2.0, RSS 1.0 (RDF) or Atom feed."""
    root = _xml_root(body)
    out: list[Entry] = []
    for el in root.iter():
        name = _local(el.tag)
        if name == "item":  # RSS 2.0 and RDF
            url = _child_text(el, "link")
            if not url:
                guid = next((c for c in el if _local(c.tag) == "guid"), None)
                if guid is not None and (guid.get("isPermaLink", "true") != "false") and guid.text:
                    url = guid.text.strip()
            if not url:
                url = el.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
            if url:
                out.append(Entry(urljoin(base_url, url), _child_text(el, "title"),
                                 _child_text(el, "pubdate", "date", "published", "updated")))
        elif name == "entry":  # Atom
            href = None
            for link in el:
                if _local(link.tag) == "link" and link.get("href") and link.get("rel", "alternate") == "alternate":
                    href = link.get("href")
                    break
            if href:
                out.append(Entry(urljoin(base_url, href.strip()), _child_text(el, "title"),
                                 _child_text(el, "published", "updated")))
    return out


def sitemap_entries(body: bytes, base_url: str) -> tuple[str, list[Entry]]:
    """("sitemapindex", child sitemaps) or ("sitemap", pages); news sitemaps give titles and dates."""
    root = _xml_root(body)
    kind = "sitemapindex" if _local(root.tag) == "sitemapindex" else "sitemap"
    out: list[Entry] = []
    for el in root:
        if _local(el.tag) not in ("url", "sitemap"):
            continue
        loc = _child_text(el, "loc")
        if not loc:
            continue
        title = date = None
        for child in el.iter():
            n = _local(child.tag)
            if n == "title" and child.text:
                title = child.text.strip()
            elif n in ("publication_date", "lastmod") and child.text and date is None:
                date = child.text.strip()
        out.append(Entry(urljoin(base_url, loc), title, date))
    return kind, out


def _walk(value, path: str, where: str):
    if not path:
        return value
    for part in path.split("."):
        if isinstance(value, list) and part.lstrip("-").isdigit():
            try:
                value = value[int(part)]
            except IndexError:
                raise KindError(f"JSON path {where!r}: no item {part}") from None
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise KindError(f"JSON path {where!r}: no key {part!r}")
    return value


def _field(item, path: str | None) -> str | None:
    if not path:
        return None
    try:
        value = _walk(item, path, path)
    except KindError:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value).strip() or None
    return None


_URLISH = re.compile(r"^(https?://|/)[^\s]+$")


def _guess_items(data, url_key: str | None = None):
    """Without a configured path: the longest list of objects that hold a URL-looking string
    (under ``url_key`` when given)."""
    best = None
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            dicts = [v for v in value if isinstance(v, dict)]
            if dicts and (isinstance(_field(dicts[0], url_key), str) if url_key else
                          any(isinstance(x, str) and _URLISH.match(x) for x in dicts[0].values())):
                if best is None or len(dicts) > len(best):
                    best = dicts
            stack.extend(value)
    return best


def json_entries(body: bytes, base_url: str, spec=None) -> list[Entry]:
    """Items of a JSON list; ``spec`` is the source's ``JsonList`` (paths), or None to guess."""
    text = decode_bytes(body, None).text.lstrip("\ufeff")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise KindError(f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if spec is not None:
        items = _walk(data, spec.items, spec.items)
        if not spec.items and not isinstance(items, list):
            # "the document is the list" but it is an object: look for the list inside
            items = _guess_items(data, spec.url)
            if items is None:
                raise KindError(f"no list of items with a {spec.url!r} field found; set json.items")
        url_path, title_path, date_path = spec.url, spec.title, spec.date
    else:
        items = _guess_items(data)
        if items is None:
            raise KindError("no list of items with URLs found; configure json: {items, url}")
        url_path = next((k for k, v in items[0].items() if isinstance(v, str) and _URLISH.match(v)), None)
        title_path = next((k for k in items[0] if k.lower() in ("title", "name", "headline")), None)
        date_path = next((k for k in items[0] if "time" in k.lower() or "date" in k.lower()), None)
    if not isinstance(items, list):
        raise KindError(f"JSON path {spec.items if spec else ''!r} is not a list")
    out = []
    for item in items:
        url = _field(item, url_path)
        if url:
            out.append(Entry(urljoin(base_url, url), _field(item, title_path), _field(item, date_path)))
    return out
