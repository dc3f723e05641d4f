"""Canonical URLs: one article reachable under cosmetic variants gets one id."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

_TRACKING = ("utm_", "spm", "from", "share", "wxfrom", "timestamp", "isappinstalled")


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING)
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def article_page(base_url: str, article_id: str) -> str:
    """An article on the editors' page (``newsmon serve``) at ``base_url``: the address the
    feed, the CSV download and alert messages link."""
    return f"{base_url.rstrip('/')}/articles/{quote(article_id, safe='')}"


def is_http_url(url: str) -> bool:
    """An address a config file may name: http(s), a host, no whitespace."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in url)
