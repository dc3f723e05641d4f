"""The `crawl:` section of config/settings.yaml, checked, with the defaults that make newsmon a
polite client out of the box.

Tests and the bench turn politeness off (`crawl.polite: false` or `newsmon crawl --no-polite`)
to crawl a loopback server at full speed; robots.txt is obeyed either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.config import config_error

#: keys read from `crawl:` (anything else there is an error, to catch typos)
KEYS = {
    "contact": "URL (or mailto:) put in the User-Agent so site owners can reach you",
    "polite": "true: AutoThrottle, delay, at most 2 requests per site at once",
    "download_timeout": "seconds before a request is given up (then retried)",
    "retries": "retries after a 5xx answer or a timeout",
    "retry_backoff": "seconds before the first retry; doubles on each further retry",
    "download_delay": "seconds between requests to one site when polite",
    "concurrency_per_domain": "requests at once per site (at most 2 when polite)",
    "workers": "processes decoding/extracting pages beside the crawler (0: in the crawler process)",
    "user_agent": "full User-Agent string, overriding the default 'newsmon/<version> (+<contact>)'",
    "attachments": "files attached to stored articles read per crawl for search (0: none)",
}


@dataclass
class CrawlOptions:
    contact: str = "https://github.com/newsmon/newsmon"
    polite: bool = True
    download_timeout: float = 30.0
    retries: int = 2
    retry_backoff: float = 2.0
    download_delay: float = 1.0
    concurrency_per_domain: int = 2
    workers: int = 0
    user_agent: str | None = None
    attachments: int = 20


def crawl_options(settings: dict) -> CrawlOptions:
    """Read ``settings['crawl']`` (from ``pipeline.settings.load_settings``)."""
    path = Path(settings.get("_path", "settings.yaml"))
    raw = settings.get("_raw") or {}
    section = raw.get("crawl") if isinstance(raw, dict) else None
    values = settings.get("crawl") or {}
    opts = CrawlOptions()

    def err(key: str, problem: str):
        return config_error(path, section if section is not None else raw, key, f"crawl.{key}", problem)

    for key, value in values.items():
        if key not in KEYS:
            raise err(key, "unknown key (known: " + ", ".join(sorted(KEYS)) + ")")
        if key in ("contact", "user_agent"):
            if not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n"):
                raise err(key, "expected a one-line string")
            if key == "contact" and urlsplit(value).scheme not in ("http", "https", "mailto"):
                raise err(key, f"{value!r}: expected an http(s) or mailto: URL")
            setattr(opts, key, value.strip())
        elif key == "polite":
            if not isinstance(value, bool):
                raise err(key, f"{value!r}: expected true or false")
            opts.polite = value
        elif key in ("download_timeout", "retry_backoff", "download_delay"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (
                key == "download_timeout" and value <= 0
            ):
                raise err(key, f"{value!r}: expected a number of seconds" + (" above 0" if key == "download_timeout" else ""))
            setattr(opts, key, float(value))
        else:  # retries, concurrency_per_domain, workers, attachments
            low = 1 if key == "concurrency_per_domain" else 0
            high = 10000 if key == "attachments" else 64
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise err(key, f"{value!r}: expected a whole number from {low} to {high}")
            setattr(opts, key, value)
    return opts
