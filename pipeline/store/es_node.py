"""A transport node that speaks plain ``application/json`` instead of Elastic's versioned
media type, for OpenSearch-compatible servers.

Why: the elasticsearch 8 client sends ``Accept``/``Content-Type:
application/vnd.elasticsearch+json; compatible-with=8``, which Elasticsearch 8 needs and
OpenSearch-compatible servers (the in-memory ``osmem-server`` the test suite runs on)
refuse with 406. Selected with ``index: {plain_json: true}``; never needed for a real
Elasticsearch 8 cluster.
"""

from __future__ import annotations

import re

from elastic_transport import HttpHeaders, Urllib3HttpNode

_COMPAT = re.compile(r"application/vnd\.elasticsearch\+([\w.-]+)(\s*;\s*compatible-with=\d+)?")


def plain_media_type(value: str) -> str:
    """``application/vnd.elasticsearch+x-ndjson; compatible-with=8`` → ``application/x-ndjson``."""
    return _COMPAT.sub(lambda m: f"application/{m.group(1)}", value)


class PlainJsonNode(Urllib3HttpNode):
    def perform_request(self, method, target, body=None, headers=None, **kwargs):
        if headers:
            fixed = HttpHeaders()
            for key, value in headers.items():
                fixed[key] = plain_media_type(value) if key.lower() in ("accept", "content-type") else value
            headers = fixed
        return super().perform_request(method, target, body=body, headers=headers, **kwargs)
