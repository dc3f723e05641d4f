"""Stories: the same press release on county, city and provincial portals, grouped as one.

Why a bottom-k MinHash over character 5-grams of the *folded* text: reposts differ in script
(traditional vs simplified), punctuation width, line breaks and the boilerplate each portal
wraps around the body, but share long runs of characters. Folding with
``pipeline.chinese.simplify`` and dropping everything but letters and digits makes script and
punctuation vanish; 5-gram shingles make the comparison about wording, not vocabulary (two
different 營商環境 articles share many words but few 5-character runs). A bottom-k sketch
(the 64 smallest shingle hashes) estimates the Jaccard similarity of two shingle sets, and
the sketch values double as an index: candidates are found with one indexed SQL lookup on
shared values, so assignment costs the same with 100 or 100,000 stories.

The threshold (``THRESHOLD``) was picked on a corpus of reposts and of distinct articles
(tests/pipeline/stories_corpus.py); docs/daemon.md gives its measured precision and recall.

A story's id is the id of its first-*stored* copy and never changes (alerts remember stories
by id); its origin is the earliest-*published* copy, which may arrive later and is tracked
separately. Assignment runs inside one IMMEDIATE transaction of state.db, so two crawls
storing copies of one release at the same moment still end up in one story.

Why CRC-32 per shingle (sketch version 2): MinHash needs a hash that orders shingles in an
unrelated way, not a cryptographic one. ``zlib.crc32`` is C code, identical in every process
and Python version, and costs a fifth of BLAKE2b per article (bench/crawl.py: ~0.24 vs
~1.1 ms), which on a busy crawl was most of the store's CPU; on the threshold corpus it keeps
precision and recall at 1.000 (same-story pairs from 0.45 up, different at most 0.23).
Sketches of another version are not comparable: the migration drops their index rows, and
``Stories.resketch_stale`` recomputes them from the stored text, newest first.
"""

from __future__ import annotations

import heapq
import logging
import re
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from pipeline.chinese import simplify
from pipeline.model import Article
from pipeline.statedb import ensure_schema, open_state, transaction
from pipeline.timeutil import timestamp

log = logging.getLogger(__name__)

#: characters per shingle
SHINGLE = 5
#: hashes kept per article (bottom-k sketch)
SKETCH_SIZE = 64
#: estimated Jaccard similarity at or above which two articles are one story
THRESHOLD = 0.35
#: sketch values two articles must share before they are compared at all
MIN_SHARED = 4
#: folded characters below which an article is too short to group (captions, one-liners)
MIN_CHARS = 40
#: which hash made a sketch; sketches of another version are never compared (1: BLAKE2b-64,
#: 2: CRC-32)
SKETCH_VERSION = 2
#: stale sketches recomputed per save after an upgrade (newest first), so that no single
#: batch pays for the whole index
RESKETCH_CHUNK = 1000

MIGRATIONS = [
    [
        """CREATE TABLE story_articles (
            article_id TEXT PRIMARY KEY,
            story_id TEXT NOT NULL,
            published_ts REAL,
            shingles INTEGER NOT NULL,
            sketch TEXT NOT NULL,
            assigned_at REAL NOT NULL
        )""",
        "CREATE INDEX story_articles_story ON story_articles(story_id)",
        """CREATE TABLE story_sketch (
            h INTEGER NOT NULL,
            article_id TEXT NOT NULL
        )""",
        "CREATE INDEX story_sketch_h ON story_sketch(h)",
        """CREATE TABLE stories (
            story_id TEXT PRIMARY KEY,
            origin_id TEXT NOT NULL,
            origin_published_ts REAL,
            size INTEGER NOT NULL DEFAULT 1,
            created_at REAL NOT NULL
        )""",
    ],
    [
        # version-1 values (BLAKE2b) must not meet version-2 ones (CRC-32) in a lookup; the
        # articles keep their stories and get new sketches from Stories.resketch_stale
        "ALTER TABLE story_articles ADD COLUMN sketch_version INTEGER NOT NULL DEFAULT 1",
        "DELETE FROM story_sketch",
        "CREATE INDEX story_articles_version ON story_articles(sketch_version, assigned_at)",
    ],
]


#: what ``fold`` drops: everything but letters and digits (``\w`` is ``str.isalnum()`` plus "_")
_NOT_ALNUM = re.compile(r"[\W_]+")


def fold(text: str | None) -> str:
    """Script-, case- and punctuation-blind form: letters and digits only."""
    return _NOT_ALNUM.sub("", simplify(text or ""))


@dataclass
class Sketch:
    values: list[int]  # ascending, at most SKETCH_SIZE
    shingles: int

    @property
    def usable(self) -> bool:
        return bool(self.values)


def sketch_text(text: str | None, title: str | None = None) -> Sketch:
    folded = fold(text)
    if len(folded) < MIN_CHARS:
        # a short body is compared by title and body together, or not at all
        folded = fold(title) + folded
        if len(folded) < MIN_CHARS:
            return Sketch([], 0)
    # CRC-32 of each shingle's UTF-8: stable across processes, unlike hash() (module docstring)
    crc32 = zlib.crc32
    hashes = {crc32(folded[i : i + SHINGLE].encode("utf-8")) for i in range(len(folded) - SHINGLE + 1)}
    # distinct hashes stand for distinct shingles: a collision among an article's few
    # thousand shingles (about one article in a thousand) changes only this count
    return Sketch(heapq.nsmallest(SKETCH_SIZE, hashes), len(hashes))


def similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of two bottom-k sketches."""
    if not a or not b:
        return 0.0
    k = min(len(a), len(b))
    union = heapq.nsmallest(k, set(a) | set(b))
    sa, sb = set(a), set(b)
    return sum(1 for h in union if h in sa and h in sb) / len(union)


def sketch_article(article: Article) -> Sketch:
    return sketch_text(article.text, article.title)


# -- the state tables --------------------------------------------------------------------


def open_stories(data_dir: Path):
    conn = open_state(Path(data_dir))
    ensure_schema(conn, "stories", MIGRATIONS)
    return conn


def _candidates(conn, values: list[int], exclude: str) -> list[tuple[str, str, list[int]]]:
    if not values:
        return []
    rows = conn.execute(
        f"SELECT article_id, COUNT(*) AS c FROM story_sketch WHERE h IN ({','.join('?' * len(values))})"
        " GROUP BY article_id HAVING c >= ? ORDER BY c DESC LIMIT 20",
        [*values, MIN_SHARED],
    ).fetchall()
    out = []
    for article_id, _ in rows:
        if article_id == exclude:
            continue
        row = conn.execute(
            "SELECT story_id, sketch FROM story_articles WHERE article_id=? AND sketch_version=?",
            (article_id, SKETCH_VERSION),
        ).fetchone()
        if row:
            out.append((article_id, row[0], [int(x) for x in row[1].split(",") if x]))
    return out


def _assign_one(conn, article: Article, sk: Sketch, now: float) -> str:
    row = conn.execute("SELECT story_id FROM story_articles WHERE article_id=?", (article.id,)).fetchone()
    if row:
        return row[0]
    story_id = article.id
    best = 0.0
    for _, cand_story, cand_values in _candidates(conn, sk.values, article.id):
        sim = similarity(sk.values, cand_values)
        if sim >= THRESHOLD and sim > best:
            best, story_id = sim, cand_story
    published = timestamp(article.published_at)
    conn.execute(
        "INSERT INTO story_articles(article_id, story_id, published_ts, shingles, sketch, assigned_at,"
        " sketch_version) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (article.id, story_id, published, sk.shingles, ",".join(map(str, sk.values)), now, SKETCH_VERSION),
    )
    conn.executemany(
        "INSERT INTO story_sketch(h, article_id) VALUES (?, ?)", [(h, article.id) for h in sk.values]
    )
    if story_id == article.id:
        conn.execute(
            "INSERT OR IGNORE INTO stories(story_id, origin_id, origin_published_ts, size, created_at)"
            " VALUES (?, ?, ?, 1, ?)",
            (story_id, article.id, published, now),
        )
    else:
        conn.execute("UPDATE stories SET size = size + 1 WHERE story_id=?", (story_id,))
        # the earliest published copy is the origin, whenever it is found
        conn.execute(
            "UPDATE stories SET origin_id=?, origin_published_ts=? WHERE story_id=? AND ? IS NOT NULL"
            " AND (origin_published_ts IS NULL OR origin_published_ts > ?)",
            (article.id, published, story_id, published, published),
        )
    return story_id


class Stories:
    """The story tables of one data dir, open for as long as the caller keeps storing.

    Why a long-lived object: opening state.db and checking its schema costs ~15 ms, once per
    batch of a crawl before this. A connection belongs to the thread that opened it: a crawl
    storing off its reactor thread opens its ``Stories`` there.
    """

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.conn = open_stories(self.data_dir)
        #: False once no sketch of an older version is left
        self._stale: bool | None = None

    def assign(self, articles: Iterable[Article], sketches: Iterable[Sketch | None] | None = None) -> None:
        """Set ``story_id`` on each article (in place), recording it in state.db.

        An article seen before keeps its story. ``sketches`` (one per article, or None for
        "compute it here") lets a crawl compute them in its worker processes; whatever is
        computed here is computed before the transaction, so the write lock is held only for
        the lookups and inserts.
        """
        articles = list(articles)
        if not articles:
            return
        given = list(sketches) if sketches is not None else [None] * len(articles)
        sks = [sk if sk is not None else sketch_article(a) for a, sk in zip(articles, given)]
        now = time.time()
        with transaction(self.conn) as conn:
            for a, sk in zip(articles, sks):
                a.story_id = _assign_one(conn, a, sk, now)

    def resketch_stale(self, store, limit: int = RESKETCH_CHUNK) -> int:
        """Recompute up to ``limit`` sketches of an older version from the stored text (the
        most recently assigned first: reposts of those are the likeliest to come); returns
        how many. An article the store no longer holds keeps its story but gets an empty
        sketch, so it is never a candidate again. Cheap once nothing is stale."""
        if self._stale is False:
            return 0
        row = self.conn.execute("SELECT MIN(sketch_version) FROM story_articles").fetchone()
        if row[0] is None or row[0] >= SKETCH_VERSION:
            self._stale = False
            return 0
        ids = [r[0] for r in self.conn.execute(
            "SELECT article_id FROM story_articles WHERE sketch_version < ? ORDER BY assigned_at DESC LIMIT ?",
            (SKETCH_VERSION, limit),
        )]
        fresh = []
        try:
            for article_id in ids:
                article = store.get(article_id)
                fresh.append((article_id, sketch_article(article) if article is not None else Sketch([], 0)))
        except Exception as exc:  # an index that cannot answer now (Elasticsearch away): next save
            log.warning("old story sketches not recomputed this time: %s", exc.__class__.__name__)
            return 0
        with transaction(self.conn) as conn:
            for article_id, sk in fresh:
                # another process may have done it meanwhile: only a still-stale row is touched
                cur = conn.execute(
                    "UPDATE story_articles SET sketch=?, shingles=?, sketch_version=?"
                    " WHERE article_id=? AND sketch_version < ?",
                    (",".join(map(str, sk.values)), sk.shingles, SKETCH_VERSION, article_id, SKETCH_VERSION),
                )
                if cur.rowcount:
                    conn.execute("DELETE FROM story_sketch WHERE article_id=?", (article_id,))
                    conn.executemany("INSERT INTO story_sketch(h, article_id) VALUES (?, ?)",
                                     [(h, article_id) for h in sk.values])
        log.info("recomputed %d story sketches of an older version", len(ids))
        return len(ids)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Stories":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def assign_stories(data_dir: Path, articles: Iterable[Article], sketches=None) -> None:
    """``Stories.assign`` with state.db opened for this one call."""
    articles = list(articles)
    if not articles:
        return
    with Stories(data_dir) as stories:
        stories.assign(articles, sketches)


def story_origin(data_dir: Path, story_id: str) -> dict | None:
    """{story_id, origin_id, origin_published_ts, size} or None for an unknown story."""
    conn = open_stories(data_dir)
    try:
        row = conn.execute(
            "SELECT story_id, origin_id, origin_published_ts, size FROM stories WHERE story_id=?", (story_id,)
        ).fetchone()
    finally:
        conn.close()
    if not row:
        return None
    return {"story_id": row[0], "origin_id": row[1], "origin_published_ts": row[2], "size": row[3]}
