"""The store step of the chain: the one place a finished article enters the index.

Crawls, `newsmon ingest` and the baseline all call ``save``, so whatever must happen on the
way in (story grouping, later anything else) happens for every article alike.
"""

from __future__ import annotations

from typing import Iterable

from pipeline.model import Article


def save(store, articles: Iterable[Article], *, data_dir=None) -> list[str]:
    """Upsert ``articles``; returns one outcome per article ("new", "updated", "unchanged")."""
    return store.upsert_many(list(articles))
