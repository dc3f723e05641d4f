"""Clean text must come out unchanged: every character of the hand-checked corpus."""

from __future__ import annotations

import opencc
import pytest

from pipeline.repair import repair_text
from pipeline.repair.gbk import fold_width
from tests.pipeline.repair_shared import cleaned_texts


@pytest.fixture(scope="module")
def corpus():
    return cleaned_texts()


def _assert_unchanged(texts):
    changed = []
    for t in texts:
        r = repair_text(t)
        if r.text != t:
            changed.extend(x for x in r.repairs if x.before != x.after)
    assert not changed, changed[:5]


def test_cwced_cleaned_as_published_is_left_alone(corpus):
    _assert_unchanged(corpus)


def test_cwced_cleaned_in_seed_form_is_left_alone(corpus):
    # traditional script and width-folded punctuation, as the seeds are: many genuine "?"
    cc = opencc.OpenCC("s2t")
    texts = [fold_width(cc.convert(t)) for t in corpus]
    assert sum(t.count("?") for t in texts) > 20
    _assert_unchanged(texts)
