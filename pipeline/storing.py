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


def save(store, articles: Iterable[Article], *, data_dir=None, stories=None, sketches=None) -> list[str]:
    """Upsert ``articles``; returns one outcome per article ("new", "updated", "unchanged").

    Each article first gets its story (``pipeline.stories``, state in <data-dir>/state.db),
    so the index never holds an article without one. An unchanged article stored before
    stories existed gets its story recorded without counting as an update.

    A caller saving many batches (a crawl) passes its own open ``stories``
    (``pipeline.stories.Stories``) and may pass ``sketches`` computed elsewhere (one per
    article, None for "compute it here"); otherwise state.db is opened for this call.
    """
    articles = list(articles)
    if articles:
        if stories is not None:
            _assign(stories, store, articles, sketches)
        else:
            data_dir = data_dir if data_dir is not None else _data_dir_of(store)
            if data_dir is not None:
                from pipeline.stories import Stories

                with Stories(Path(data_dir)) as opened:
                    _assign(opened, store, articles, sketches)
    outcomes = store.upsert_many(articles)
    for article, outcome in zip(articles, outcomes):
        if outcome == "unchanged" and article.story_id:
            store.set_story(article.id, article.story_id)
    return outcomes


def _assign(stories, store, articles, sketches) -> None:
    # sketches left from before an upgrade are brought up to date a chunk per save
    stories.resketch_stale(store)
    stories.assign(articles, sketches)
