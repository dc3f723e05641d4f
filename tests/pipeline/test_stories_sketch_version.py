"""Sketch versions: a state.db written with the old BLAKE2b sketches keeps working after the
switch to CRC-32 — old values are never compared with new ones, old articles get new
sketches from the stored text, and a repost of an old article still joins its story."""

import hashlib
import heapq
import subprocess
import sys
from pathlib import Path

from pipeline.chinese import to_traditional
from pipeline.model import Article
from pipeline.statedb import ensure_schema, open_state
from pipeline.store.sqlite import SQLiteStore
from pipeline.stories import (MIGRATIONS, SHINGLE, SKETCH_SIZE, SKETCH_VERSION, Stories, assign_stories, fold,
                              sketch_article, sketch_text, story_origin)
from pipeline.storing import save

from test_stories import OTHER, RELEASE


def _blake_sketch(text: str) -> list[int]:
    """Version 1, as the first release computed it."""
    folded = fold(text)
    shingles = {folded[i : i + SHINGLE] for i in range(len(folded) - SHINGLE + 1)}
    return heapq.nsmallest(SKETCH_SIZE, {
        int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "big", signed=True)
        for s in shingles})


def _old_data_dir(tmp_path, articles, indexed=True):
    """A data dir as version 1 left it: the index (unless not ``indexed``), and state.db at
    story schema 1."""
    store = SQLiteStore(tmp_path / "newsmon.db")
    conn = open_state(tmp_path)
    ensure_schema(conn, "stories", MIGRATIONS[:1])
    for a in articles:
        values = _blake_sketch(a.text)
        a.story_id = a.id
        conn.execute("INSERT INTO story_articles VALUES (?, ?, NULL, 1, ?, 0)",
                     (a.id, a.id, ",".join(map(str, values))))
        conn.executemany("INSERT INTO story_sketch VALUES (?, ?)", [(h, a.id) for h in values])
        conn.execute("INSERT INTO stories VALUES (?, ?, NULL, 1, 0)", (a.id, a.id))
        if indexed:
            store.upsert(a)
    conn.close()
    return store


def test_an_old_data_dir_is_migrated_and_reposts_of_old_articles_still_join(tmp_path):
    store = _old_data_dir(tmp_path, [Article(id="old", text=RELEASE, source="city"),
                                     Article(id="other", text=OTHER, source="city")])
    try:
        repost = Article(id="new", text=to_traditional(RELEASE) + "（湖北日報）", source="prov")
        save(store, [repost], data_dir=tmp_path)
        assert repost.story_id == "old"
        assert store.get("new").story_id == "old"
        assert story_origin(tmp_path, "old")["size"] == 2
        conn = open_state(tmp_path)
        try:
            rows = dict(conn.execute("SELECT article_id, sketch_version FROM story_articles"))
            assert rows == {"old": SKETCH_VERSION, "other": SKETCH_VERSION, "new": SKETCH_VERSION}
            old = conn.execute("SELECT sketch FROM story_articles WHERE article_id='old'").fetchone()[0]
            assert [int(x) for x in old.split(",")] == sketch_text(RELEASE).values
            # no version-1 value is left in the lookup table
            index = {h for (h,) in conn.execute("SELECT h FROM story_sketch WHERE article_id='old'")}
            assert index == set(sketch_text(RELEASE).values)
        finally:
            conn.close()
    finally:
        store.close()


def test_old_sketches_are_never_compared_with_new_ones(tmp_path):
    # the old article is not in the index (nothing to recompute from): it keeps its story but
    # is no candidate, so a repost starts a story of its own rather than being misjudged
    store = _old_data_dir(tmp_path, [Article(id="old", text=RELEASE, source="city")], indexed=False)
    try:
        repost = Article(id="new", text=RELEASE, source="prov")
        save(store, [repost], data_dir=tmp_path)
        assert repost.story_id == "new"
        assert story_origin(tmp_path, "old")["size"] == 1
    finally:
        store.close()


def test_sketches_computed_elsewhere_give_the_same_stories(tmp_path):
    a = Article(id="a", text=RELEASE, source="x")
    b = Article(id="b", text=to_traditional(RELEASE), source="y")
    c = Article(id="c", text=OTHER, source="z")
    with Stories(tmp_path / "one") as stories:
        stories.assign([a, b, c], [sketch_article(a), None, sketch_article(c)])
    fresh = [Article(id="a", text=RELEASE), Article(id="b", text=to_traditional(RELEASE)), Article(id="c", text=OTHER)]
    assign_stories(tmp_path / "two", fresh)
    assert [a.story_id, b.story_id, c.story_id] == [x.story_id for x in fresh] == ["a", "a", "c"]


def test_sketches_are_the_same_in_every_process():
    """A worker process, a later crawl and another Python all compute one sketch for one text
    (no per-process hash seed may leak in)."""
    here = sketch_text(RELEASE).values
    code = "from pipeline.stories import sketch_text; print(sketch_text(%r).values)" % RELEASE
    for seed in ("1", "12345"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
                             cwd=str(Path(__file__).resolve().parents[2]))
        assert out.stdout.strip() == str(here)


def test_an_index_that_cannot_answer_does_not_stop_saving(tmp_path):
    """Recomputing old sketches reads the index; if it cannot answer now (Elasticsearch away),
    the new articles are still grouped and stored, and the old sketches wait for a later save."""
    store = _old_data_dir(tmp_path, [Article(id="old", text=RELEASE, source="city")])

    class Away:
        def get(self, article_id):
            raise ConnectionError("index away")

    try:
        with Stories(tmp_path) as stories:
            assert stories.resketch_stale(Away()) == 0
            fresh = Article(id="new", text=OTHER, source="prov")
            stories.assign([fresh])
            assert fresh.story_id == "new"
            assert stories.resketch_stale(store) == 1
    finally:
        store.close()
