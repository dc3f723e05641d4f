"""Index backends behind one interface (``pipeline.store.base.Store``)."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.store.base import Hit, SearchRequest, SearchResult, Store

__all__ = ["Hit", "SearchRequest", "SearchResult", "Store", "open_store"]


def open_store(settings: dict, data_dir: Path) -> Store:
    """The configured backend: SQLite unless settings or NEWSMON_ES_URL name Elasticsearch."""
    index = dict(settings.get("index") or {})
    if os.environ.get("NEWSMON_ES_URL"):
        index["backend"] = "elasticsearch"
        index["url"] = os.environ["NEWSMON_ES_URL"]
    if index.get("backend", "sqlite") == "elasticsearch":
        from pipeline.store.elasticsearch import open_es_store

        return open_es_store(index, Path(data_dir), settings)
    from pipeline.store.sqlite import SQLiteStore

    return SQLiteStore(Path(data_dir) / "newsmon.db")
