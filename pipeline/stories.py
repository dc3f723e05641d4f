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
"""

from __future__ import annotations

import hashlib
import heapq
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from pipeline.chinese import simplify
from pipeline.model import Article
from pipeline.statedb import ensure_schema, open_state
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
    ]
]


def fold(text: str | None) -> str:
    """Script-, case- and punctuation-blind form: letters and digits only."""
    return "".join(ch for ch in simplify(text or "") if ch.isalnum())


def _hash(shingle: str) -> int:
    # signed 64-bit so SQLite stores it as an INTEGER
    return int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


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
    shingles = {folded[i : i + SHINGLE] for i in range(len(folded) - SHINGLE + 1)}
    return Sketch(heapq.nsmallest(SKETCH_SIZE, {_hash(s) for s in shingles}), len(shingles))


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
            "SELECT story_id, sketch FROM story_articles WHERE article_id=?", (article_id,)
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
        "INSERT INTO story_articles(article_id, story_id, published_ts, shingles, sketch, assigned_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (article.id, story_id, published, sk.shingles, ",".join(map(str, sk.values)), now),
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


def assign_stories(data_dir: Path, articles: Iterable[Article]) -> None:
    """Set ``story_id`` on each article (in place), recording it in state.db.

    An article seen before keeps its story. Sketches are computed before the transaction so
    the write lock is held only for the lookups and inserts.
    """
    import time

    articles = [a for a in articles]
    if not articles:
        return
    sketches = [sketch_article(a) for a in articles]
    conn = open_stories(data_dir)
    try:
        now = time.time()
        conn.execute("BEGIN IMMEDIATE")
        try:
            for a, sk in zip(articles, sketches):
                a.story_id = _assign_one(conn, a, sk, now)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        conn.close()


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
