"""Canonical URLs: one article reachable under cosmetic variants gets one id."""

from __future__ import annotations

import ipaddress
from typing import Iterable
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

_TRACKING = ("utm_", "spm", "from", "share", "wxfrom", "timestamp", "isappinstalled")
#: second-level labels under which a registrable domain has three labels (hubei.gov.cn)
_SLD = {"gov", "com", "edu", "org", "net", "ac", "co", "mil"}


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


def site_of(host: str) -> str:
    """The part of a host its own articles share: hubei.gov.cn, cjn.cn, www.gov.cn, 127.0.0.1."""
    host = (host or "").lower().rstrip(".")
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    labels = host.split(".")
    if len(labels) <= 2:
        return host
    if labels[-2] in _SLD and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def host_allowed(url: str, sites: Iterable[str]) -> bool:
    """Whether ``url`` is on one of ``sites`` (a site matches itself and its subdomains)."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == s or host.endswith("." + s) for s in sites)
