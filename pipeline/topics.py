"""Topic tags and a relevance score from the lexicon in ``config/topics.yaml``.

Why a weighted lexicon and not a classifier: the people who watch these sources name the
policy terms themselves (营商环境, 放管服, 一网通办 …) and need to see why an article was
kept; a list of terms with weights is something they can read, change and argue about.

Matching is script-blind: terms and text are folded with ``pipeline.chinese.simplify``
(simplified characters, ASCII width, lower case), so one entry serves both scripts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.chinese import simplify
from pipeline.config import config_error, load_yaml
from pipeline.paths import config_file

FILE_NAME = "topics.yaml"
DEFAULT_THRESHOLD = 2.0
DEFAULT_TITLE_FACTOR = 3.0
DEFAULT_CAP = 5


@dataclass
class Topic:
    tag: str
    weight: float
    #: as written in the config
    terms: list[str]
    #: folded with ``simplify``, longest first
    folded: list[str] = field(default_factory=list)


@dataclass
class Lexicon:
    topics: list[Topic]
    #: ``keep: relevant`` stores an article when relevance >= threshold
    threshold: float = DEFAULT_THRESHOLD
    title_factor: float = DEFAULT_TITLE_FACTOR
    cap: int = DEFAULT_CAP
    path: str | None = None


def load_lexicon(config_dir: Path | str, *, required: bool = True) -> Lexicon | None:
    """``<config_dir>/topics.yaml``, else the shipped default; ConfigError names file:line."""
    path = config_file(Path(config_dir), FILE_NAME)
    data = load_yaml(path, required=required)
    if data is None:
        return None
    return parse_lexicon(data, path)


def parse_lexicon(data, path: Path | str = FILE_NAME) -> Lexicon:
    path = Path(path)
    if not isinstance(data, dict):
        raise config_error(path, data, None, "(top level)", "expected a mapping with a 'topics' list")
    known = {"topics", "threshold", "title_factor", "cap"}
    for key in data:
        if key not in known:
            raise config_error(path, data, key, str(key),
                               f"unknown key (expected one of: {', '.join(sorted(known))})")
    threshold = _number(data, "threshold", DEFAULT_THRESHOLD, path)
    title_factor = _number(data, "title_factor", DEFAULT_TITLE_FACTOR, path)
    cap = int(_number(data, "cap", DEFAULT_CAP, path))
    if cap < 1:
        raise config_error(path, data, "cap", "cap", "must be at least 1")
    raw_topics = data.get("topics")
    if not isinstance(raw_topics, list) or not raw_topics:
        raise config_error(path, data, "topics", "topics", "expected a non-empty list of topics")
    topics: list[Topic] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw_topics):
        where = f"topics[{i}]"
        if not isinstance(entry, dict):
            raise config_error(path, raw_topics, i, where, "expected a mapping with tag, weight, terms")
        for key in entry:
            if key not in ("tag", "weight", "terms"):
                raise config_error(path, entry, key, f"{where}.{key}",
                                   "unknown key (expected tag, weight, terms)")
        tag = entry.get("tag")
        if not isinstance(tag, str) or not tag.strip():
            raise config_error(path, entry, "tag" if "tag" in entry else None, f"{where}.tag",
                               "expected a non-empty string")
        tag = tag.strip()
        if simplify(tag) in seen:
            raise config_error(path, entry, "tag", f"{where}.tag", f"duplicate tag {tag!r}")
        seen.add(simplify(tag))
        weight = _number(entry, "weight", 1.0, path, where)
        if weight <= 0:
            raise config_error(path, entry, "weight", f"{where}.weight", "must be greater than 0")
        terms = entry.get("terms")
        if not isinstance(terms, list) or not terms:
            raise config_error(path, entry, "terms" if "terms" in entry else None, f"{where}.terms",
                               "expected a non-empty list of terms")
        clean: list[str] = []
        for j, term in enumerate(terms):
            if not isinstance(term, (str, int)) or not str(term).strip():
                raise config_error(path, terms, j, f"{where}.terms[{j}]", "expected a non-empty string")
            clean.append(str(term).strip())
        folded = sorted({simplify(t) for t in clean}, key=len, reverse=True)
        topics.append(Topic(tag=tag, weight=weight, terms=clean, folded=folded))
    return Lexicon(topics=topics, threshold=threshold, title_factor=title_factor, cap=cap,
                   path=str(path))


def _number(container, key, default, path, where: str = "") -> float:
    value = container.get(key, default)
    keypath = f"{where}.{key}" if where else key
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise config_error(path, container, key, keypath, f"expected a number, got {value!r}")
    if value < 0:
        raise config_error(path, container, key, keypath, "must not be negative")
    return float(value)


def _count(haystack: str, folded_terms: list[str]) -> int:
    """Non-overlapping mentions of any of the terms; a longer term claims its span first
    (so 优化营商环境 inside one topic is not also counted as 营商环境 of the same topic)."""
    if not haystack:
        return 0
    taken = [False] * len(haystack)
    hits = 0
    for term in folded_terms:
        start = haystack.find(term)
        while start != -1:
            end = start + len(term)
            if not any(taken[start:end]):
                hits += 1
                for k in range(start, end):
                    taken[k] = True
            start = haystack.find(term, end)
    return hits


def score(article_or_text, lexicon: Lexicon) -> tuple[list[str], float]:
    """(topic tags in lexicon order, relevance) for an Article (title + text) or a string."""
    if isinstance(article_or_text, str):
        title, text = "", article_or_text
    else:
        title = getattr(article_or_text, "title", None) or ""
        text = getattr(article_or_text, "text", None) or ""
    ftitle, ftext = simplify(title), simplify(text)
    tags: list[str] = []
    relevance = 0.0
    for topic in lexicon.topics:
        in_title = _count(ftitle, topic.folded)
        in_body = _count(ftext, topic.folded)
        if in_title or in_body:
            tags.append(topic.tag)
            relevance += topic.weight * (lexicon.title_factor * in_title + min(in_body, lexicon.cap))
    return tags, round(relevance, 3)


def tag_article(article, lexicon: Lexicon) -> None:
    """Add the article's topic tags (keeping its own, no duplicates) and set relevance."""
    tags, relevance = score(article, lexicon)
    existing = list(article.tags or [])
    seen = {simplify(t) for t in existing}
    for tag in tags:
        if simplify(tag) not in seen:
            existing.append(tag)
            seen.add(simplify(tag))
    article.tags = existing
    article.relevance = relevance


def is_relevant(article, lexicon: Lexicon) -> bool:
    """What ``keep: relevant`` keeps: relevance at or above the lexicon's threshold.

    Scores the article when no relevance was set yet, so callers need not order the steps.
    """
    relevance = article.relevance
    if relevance is None:
        _, relevance = score(article, lexicon)
    return relevance >= lexicon.threshold
