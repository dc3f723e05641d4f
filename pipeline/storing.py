"""The store step of the chain: the one place a finished article enters the index.

Crawls, `newsmon ingest` and the baseline all call ``save``, so whatever must happen on the
way in (story grouping, later anything else) happens for every article alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from pipeline.model import Article


def _data_dir_of(store) -> Path | None:
    """The data folder beside an SQLite index, for callers that did not name one."""
    path = getattr(store, "path", None)
    return Path(path).parent if path is not None else getattr(store, "data_dir", None)


def save(store, articles: Iterable[Article], *, data_dir=None) -> list[str]:
    """Upsert ``articles``; returns one outcome per article ("new", "updated", "unchanged").

    Each article first gets its story (``pipeline.stories``, state in <data-dir>/state.db),
    so the index never holds an article without one. An unchanged article stored before
    stories existed gets its story recorded without counting as an update.
    """
    articles = list(articles)
    data_dir = data_dir if data_dir is not None else _data_dir_of(store)
    if data_dir is not None and articles:
        from pipeline.stories import assign_stories

        assign_stories(Path(data_dir), articles)
    outcomes = store.upsert_many(articles)
    for article, outcome in zip(articles, outcomes):
        if outcome == "unchanged" and article.story_id:
            store.set_story(article.id, article.story_id)
    return outcomes
