"""The store step of the chain: the one place a finished article enters the index.

Crawls, `newsmon ingest` and the baseline all call ``save``, so whatever must happen on the
way in (story grouping, later anything else) happens for every article alike.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable

from pipeline.model import Article

log = logging.getLogger("newsmon.storing")


def _data_dir_of(store) -> Path | None:
    """The data folder beside an SQLite index, for callers that did not name one."""
    path = getattr(store, "path", None)
    return Path(path).parent if path is not None else getattr(store, "data_dir", None)


def save(store, articles: Iterable[Article], *, data_dir=None, stories=None, sketches=None,
         mend: bool = True) -> list[str]:
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
        # `newsmon import` brings articles an earlier store step already mended from their
        # copies (``mend=False``): doing it again cost 0.1 s an article on the web bench's corpus
        stored_mended = _mend_from_copies(store, articles) if mend else []
    else:
        stored_mended = []
    outcomes = store.upsert_many(articles)
    for article, outcome in zip(articles, outcomes):
        if outcome == "unchanged" and article.story_id:
            store.set_story(article.id, article.story_id)
    if stored_mended:
        store.upsert_many(stored_mended)
    return outcomes


def _assign(stories, store, articles, sketches) -> None:
    # sketches left from before an upgrade are brought up to date a chunk per save
    stories.resketch_stale(store)
    stories.assign(articles, sketches)


#: copies of a story asked for when one of them has a repair a copy could settle
COPIES = 10


def _mend_from_copies(store, articles: list[Article]) -> list[Article]:
    """What the repair left or guessed, settled from another copy of the story
    (``pipeline.repair.reference``): in these articles, from a copy in this batch or in the
    index; and in copies the index holds, from these articles. Returns the stored copies
    it mended.

    The index is asked only for an article with a byte-shift repair or a run left, or one
    that joined an earlier story (a repost, or the original found after its repost, where
    a ``?`` the repair took for genuine may be damage the copy explains): not once per
    article.
    """
    from pipeline.errors import StoreError
    from pipeline.repair import reference
    from pipeline.store.base import SearchRequest

    ours = {a.id for a in articles}
    mended: dict[str, Article] = {}
    for article in articles:
        if not article.story_id:
            continue
        settle = any(map(reference.checkable, article.repair_log))
        if not settle and article.story_id == article.id:
            continue
        batch = [a for a in articles if a is not article and a.story_id == article.story_id]
        try:
            found = store.search(SearchRequest(story_id=article.story_id, limit=COPIES))
        except StoreError as exc:  # an index that cannot answer now must not stop the save
            log.warning("copies of story %s not looked up: %s", article.story_id, exc)
            stored = []
        else:
            stored = [mended.get(h.article.id, h.article) for h in found.hits
                      if h.article.id not in ours]
        reference.mend_article(article, batch + stored)
        for copy in stored:  # (a copy with nothing to settle returns at once)
            if reference.mend_article(copy, [article] + batch):
                mended[copy.id] = copy
    return list(mended.values())
