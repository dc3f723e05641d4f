"""Ranking a slot's pool of characters: the shortcut must give exactly the full ranking."""

from __future__ import annotations

import pytest

from pipeline.repair import langmodel, readings
from tests.pipeline.repair_shared import cleaned_texts


def _full_ranking(doc, pool, k):
    return sorted(pool, key=lambda c: -doc.own_logp(c))[:k]


@pytest.mark.parametrize("trad", [False, True])
def test_the_top_of_a_pool_is_the_top_of_the_full_ranking(trad):
    import opencc

    lm = langmodel.load()
    texts = cleaned_texts()[:6]
    if trad:
        texts = [opencc.OpenCC("s2t").convert(t) for t in texts]
    # pools as byte-shift repair meets them: a known trail byte, and a vanished pair's
    # slot constrained on both bytes (thousands of characters)
    pools = [readings.slot_chars(frozenset(range(0x81, 0xFF)), t) for t in (0xA1, 0xD0, 0x41)]
    pools.append(readings.slot_chars(frozenset(range(0x81, 0xFF)), frozenset(range(0xA1, 0xFF))))
    assert min(len(p) for p in pools) > 50
    checked_used = 0
    for text in texts:
        doc = langmodel.DocModel(lm, text)
        for pool in pools:
            for k in (1, 5, 40):
                assert doc.top_of_pool(pool, k) == _full_ranking(doc, pool, k)
            checked_used += len(set(pool) & set(text))
    # the articles' own characters (scored differently from the shortcut's order) took part
    assert checked_used > 100
