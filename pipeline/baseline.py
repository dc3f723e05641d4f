"""The seed baseline: the two seed articles every fresh index starts with.

Loaded once per index (a marker in the store's meta records the version); idempotent
upserts by id make a second load harmless anyway.
"""

from __future__ import annotations

import copy
import functools
import logging

from pipeline.ingest import article_from_file
from pipeline.paths import seeds_dir
from pipeline.storing import save

log = logging.getLogger(__name__)

#: bump to reload the baseline after the seeds or the chain that cleans them change
BASELINE_VERSION = "1"


@functools.lru_cache(maxsize=1)
def _cleaned_seeds() -> tuple:
    """The seeds repaired and extracted, once per process: they are immutable package data,
    and repairing them is the costliest step of opening a fresh index."""
    return tuple(article_from_file(path, "seed") for path in sorted(seeds_dir().glob("*.txt")))


def seed_articles(lexicon=None):
    """The seeds through the same chain as `newsmon ingest --source seed FILE`."""
    for cleaned in _cleaned_seeds():
        article = copy.deepcopy(cleaned)
        if lexicon is not None:
            from pipeline.topics import tag_article

            tag_article(article, lexicon)
        yield article


def baseline_loaded(store) -> bool:
    """Whether this index holds the current baseline. False while `newsmon run` loads it in
    its child process, which on a fresh machine first builds the repair's language models
    (about a minute): the editors' page says so instead of showing an unexplained empty index."""
    return store.get_meta("baseline") == BASELINE_VERSION


def ensure_baseline(store, lexicon=None) -> int:
    """Load the seeds unless this index already has this baseline; returns how many were new."""
    if baseline_loaded(store):
        return 0
    outcomes = save(store, seed_articles(lexicon))
    store.set_meta("baseline", BASELINE_VERSION)
    log.info("baseline loaded: %s", outcomes)
    return outcomes.count("new")
