"""What keeps hostile crawled text inert in the editors' browser.

Templates autoescape everything; these helpers cover the three places where that is not
enough: snippets arrive as HTML from a backend (SQLite's or Elasticsearch's highlighter),
links to originals carry a crawled URL, and the response headers are the last line of
defence should a template ever slip.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from markupsafe import Markup

#: no script at all, nothing from elsewhere; the page needs only its own stylesheet
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

_MARKER = re.compile(r"(<mark>|</mark>)")


def safe_snippet(snippet: str | None) -> Markup:
    """A backend's snippet as HTML that can hold nothing but text and ``<mark>``.

    The store promises escaped text with hits in ``<mark>``; rather than trust every
    backend's highlighter to keep that promise, the snippet is split at the exact tags
    ``<mark>`` and ``</mark>``, every other piece is unescaped to plain text and escaped
    again in full, and the marks are balanced. A crawled ``<script>`` stays text whatever
    the backend did with it (escaped it or not), and an unclosed ``<mark>`` cannot bleed
    into the rest of the page.
    """
    if not snippet:
        return Markup("")
    out: list[str] = []
    open_mark = False
    for piece in _MARKER.split(snippet):
        if piece == "<mark>":
            if not open_mark:
                out.append(piece)
                open_mark = True
        elif piece == "</mark>":
            if open_mark:
                out.append(piece)
                open_mark = False
        elif piece:
            out.append(html.escape(html.unescape(piece), quote=True))
    if open_mark:
        out.append("</mark>")
    return Markup("".join(out))


def safe_link(url: str | None) -> str | None:
    """A crawled URL fit for ``href``: http(s) only, so ``javascript:`` never gets a link."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    return url
