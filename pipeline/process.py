"""The processing chain: decode → extract → repair → normalise, as plain functions.

A crawled page and ``newsmon ingest FILE`` go through the same functions here; only where
the bytes come from differs. Storing is the caller's step (``store.upsert``), so the chain
stays pure and testable one stage at a time.
"""

from __future__ import annotations

from datetime import datetime, timezone

from pipeline.decode import decode_bytes
from pipeline.extract import Extracted, extract_html
from pipeline.model import Article, id_for_content, id_for_url
from pipeline.normalise import normalise
from pipeline.repair import repair_text
from pipeline.textfile import parse_text_article
from pipeline.urls import canonical_url

#: Article fields the repair stage runs over, in this order.
REPAIRED_FIELDS = ("title", "text", "origin", "author")


def now_iso() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def process_html(
    body: bytes,
    *,
    url: str | None = None,
    source: str = "local",
    header_charset: str | None = None,
    fetched_at: str | None = None,
    lexicon=None,
) -> Article:
    """Raw page bytes (never Scrapy's ``response.text``) → a finished Article."""
    decoded = decode_bytes(body, header_charset)
    extracted = extract_html(decoded.text, url=url)
    article = _article_from(extracted, body, url=url, source=source, fetched_at=fetched_at)
    article.encoding = decoded.encoding
    article.encoding_lied = decoded.lied
    if decoded.replaced:
        article.repairs["undecodable"] = decoded.replaced
    repair_article(article)
    return normalise(article, lexicon)


def process_text(
    text: str,
    *,
    raw: bytes | None = None,
    url: str | None = None,
    source: str = "local",
    fetched_at: str | None = None,
    encoding: str | None = "utf-8",
    lexicon=None,
) -> Article:
    """A plain-text article like the seeds: title line, date/source line, body.

    Repair runs before the metadata lines are read, since those lines carry the same
    damage as the body (``來(lái)源: 長(zhǎng)江日?qǐng)?bào)``).
    """
    repaired = repair_text(text)
    extracted = parse_text_article(repaired.text)
    article = _article_from(
        extracted, raw if raw is not None else text.encode("utf-8"),
        url=url, source=source, fetched_at=fetched_at,
    )
    article.encoding = encoding
    _record(article, "text", repaired.repairs)
    return normalise(article, lexicon)


def repair_article(article: Article) -> Article:
    for name in REPAIRED_FIELDS:
        value = getattr(article, name)
        if not value:
            continue
        repaired = repair_text(value)
        setattr(article, name, repaired.text)
        _record(article, name, repaired.repairs)
    return article


def _record(article: Article, field_name: str, repairs) -> None:
    for r in repairs:
        entry = r.to_dict()
        entry["field"] = field_name
        article.repair_log.append(entry)
        article.repairs[r.kind] = article.repairs.get(r.kind, 0) + 1


def _article_from(
    ex: Extracted, raw: bytes, *, url: str | None, source: str, fetched_at: str | None
) -> Article:
    canon = canonical_url(url) if url else None
    return Article(
        id=id_for_url(canon) if canon else id_for_content(raw),
        url=canon,
        title=ex.title,
        text=ex.text,
        source=source,
        published_at=ex.published_at,
        fetched_at=fetched_at,
        author=ex.author,
        origin=ex.origin,
        doc_numbers=list(ex.doc_numbers),
        attachments=None if ex.attachments is None else [dict(f) for f in ex.attachments],
    )
