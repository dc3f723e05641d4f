"""Telling an anti-bot wall from an ordinary error.

湖北省人民政府 answers plain HTTP clients with 412 and a JavaScript challenge (瑞数-style
``$_ts``); other portals use 521 (加速乐 ``__jsl_clearance``), Aliyun's ``acw_sc__v2`` or a
Cloudflare page. A crawl can do nothing about these without a browser, so the source is
reported as *blocked* rather than as a pile of unexplained errors.
"""

from __future__ import annotations

import re

CHALLENGE_MARKERS = re.compile(
    rb"(\$_ts\s*=|\$_ts\[|acw_sc__v2|__jsl_clearance|var\s+arg1\s*=|challenge-platform|"
    rb"cf-browser-verification|cf_chl_|_cf_chl|window\.location\.reload\(|document\.cookie\s*=)",
    re.IGNORECASE,
)
#: statuses that mean "a challenge, not an error" on their own
CHALLENGE_STATUSES = {412, 521}


def blocked_reason(status: int, body: bytes) -> str | None:
    """A short reason when this response is an anti-bot challenge, else None."""
    if status in CHALLENGE_STATUSES:
        return f"HTTP {status} (anti-bot challenge)"
    head = body[:30000]
    if status in (403, 429, 503) and CHALLENGE_MARKERS.search(head):
        return f"HTTP {status} with a JavaScript challenge"
    # a page with links is content: checked first, as the pattern costs ~0.1 ms per page
    if status == 200 and len(body) < 30000 and b"<a " not in head.lower() and CHALLENGE_MARKERS.search(head):
        return "a JavaScript challenge page instead of content"
    return None
