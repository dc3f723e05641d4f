"""The seed baseline: the two seed articles every fresh index starts with.

Loaded once per index (a marker in the store's meta records the version); idempotent
upserts by id make a second load harmless anyway.
"""

from __future__ import annotations

import logging

from pipeline.paths import seeds_dir
from pipeline.ingest import article_from_file
from pipeline.storing import save

log = logging.getLogger(__name__)

#: bump to reload the baseline after the seeds or the chain that cleans them change
BASELINE_VERSION = "1"


def seed_articles(lexicon=None):
    """The seeds through the same chain as `newsmon ingest --source seed FILE`."""
    for path in sorted(seeds_dir().glob("*.txt")):
        yield article_from_file(path, "seed", lexicon)


def ensure_baseline(store, lexicon=None) -> int:
    """Load the seeds unless this index already has this baseline; returns how many were new."""
    if store.get_meta("baseline") == BASELINE_VERSION:
        return 0
    outcomes = save(store, seed_articles(lexicon))
    store.set_meta("baseline", BASELINE_VERSION)
    log.info("baseline loaded: %s", outcomes)
    return outcomes.count("new")
