"""The Article: the one record every stage hands on and every store keeps.

The JSON field names of ``CONTRACT_FIELDS`` are a contract other tools rely on; they are
never renamed. Fields after them are newsmon's own extensions. Absent values stay ``None``:
a stage that cannot tell a value leaves it empty rather than guess.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from typing import Any

CONTRACT_FIELDS = (
    "id",
    "url",
    "title",
    "text",
    "source",
    "published_at",
    "fetched_at",
    "author",
    "origin",
    "tags",
    "encoding",
    "repairs",
)


@dataclass
class Article:
    id: str
    url: str | None = None
    title: str | None = None
    text: str = ""
    source: str = "seed"
    published_at: str | None = None
    fetched_at: str | None = None
    author: str | None = None
    origin: str | None = None
    tags: list[str] = field(default_factory=list)
    encoding: str | None = None
    repairs: dict[str, int] = field(default_factory=dict)
    # --- extensions (not part of the contract, free to grow) ---
    #: whether a declared charset (header or <meta>) disagreed with the bytes
    encoding_lied: bool | None = None
    #: each repair made: {field, kind, offset, before, after, confidence}
    repair_log: list[dict[str, Any]] = field(default_factory=list)
    #: document numbers such as 湘政办发〔2023〕12号
    doc_numbers: list[str] = field(default_factory=list)
    #: files the page attaches (附件), [{"url", "title"}]: often the policy itself; once
    #: newsmon tried to read a file, its ``text`` or why not (``unread``). None: not looked
    #: for (a text file, or a page stored before newsmon read attachments)
    attachments: list[dict[str, str]] | None = None
    #: topic-lexicon score; None when no lexicon was applied
    relevance: float | None = None
    #: near-duplicate group; the article's own id when it starts a story
    story_id: str | None = None
    #: when the store first / last accepted this version (set by the store)
    ingested_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Article":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def content_key(self) -> tuple:
        """What makes two versions of one article 'the same' for idempotent upserts.

        Bookkeeping fields (fetched_at, ingested_at) change on every fetch and must not
        make an unchanged page look updated.
        """
        d = self.to_dict()
        for volatile in ("fetched_at", "ingested_at", "story_id"):
            d.pop(volatile, None)
        # a page stored before attachments were read, read again without any, is unchanged
        d["attachments"] = d.get("attachments") or []
        return tuple(sorted((k, repr(v)) for k, v in d.items()))


def id_for_url(canonical_url: str) -> str:
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:16]


def id_for_content(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]
