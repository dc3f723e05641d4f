"""The one interface every index backend offers, so commands, the daemon, alerts and the
web page work unchanged on SQLite or Elasticsearch."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Literal

from pipeline.attached import listed
from pipeline.model import Article
from pipeline.query import And, Field, Node, parse_query

#: "queued": the backend could not take it now and holds it in a durable spool (Elasticsearch);
#: "rejected": the backend refused its content; kept aside with the reason, not indexed
UpsertOutcome = Literal["new", "updated", "unchanged", "queued", "rejected"]


@dataclass
class SearchRequest:
    #: query in the `newsmon search` syntax; empty matches everything
    query: str = ""
    sources: list[str] | None = None
    tags: list[str] | None = None
    #: YYYY-MM-DD (a Beijing day), ISO 8601, or back from now (``7d``, ``24h``; see
    #: ``timeutil.parse_user_date``); bounds on published_at, inclusive
    since: str | None = None
    until: str | None = None
    sort: Literal["relevance", "newest"] = "relevance"
    limit: int = 20
    offset: int = 0
    #: one hit per story (the best-ranked copy), with the story's size
    collapse: bool = False
    story_id: str | None = None
    #: only articles the store accepted strictly after this ISO time (alert checkpoints)
    ingested_after: str | None = None
    #: terms match what the attachments say too (``pipeline.attached``); False: the
    #: article's own title and text only
    attachments: bool = True


@dataclass
class Hit:
    article: Article
    #: safe HTML: text escaped, hits in <mark>
    snippet: str
    score: float | None
    #: copies of this story in the index (1 when not grouped)
    story_size: int = 1
    #: readings (in context) of damage the repair left that hold a query term: the
    #: article may be found through a guess, not its text (``pipeline.leftruns``)
    guessed: list[str] = field(default_factory=list)
    #: ``TITLE: …context…`` of attachments that hold a query term the article's own text
    #: does not: the article was found through its attachment (``pipeline.attached``)
    attached: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = self.article.to_dict()
        if d.get("attachments"):
            d["attachments"] = listed(self.article)
        d["snippet"] = self.snippet
        d["score"] = self.score
        d["story_size"] = self.story_size
        if self.guessed:
            d["guessed"] = list(self.guessed)
        if self.attached:
            d["attached"] = list(self.attached)
        return d


@dataclass
class SearchResult:
    #: matching articles (stories, when collapsed)
    total: int
    hits: list[Hit] = field(default_factory=list)
    #: False when counting stopped early and ``total`` is a lower bound
    total_exact: bool = True


def query_node(req: SearchRequest) -> Node | None:
    """The request's query with its tag filters folded in, as both backends run it."""
    node = parse_query(req.query)
    if req.tags:
        tag_nodes = tuple(Field("tag", t) for t in req.tags)
        node = And(((node,) if node else ()) + tag_nodes) if node or len(tag_nodes) > 1 else tag_nodes[0]
    return node


#: matches looked at for ``Store.source_counts`` on SQLite (the newest): counting 10,000
#: doubled the time of a results page at 100,000 articles, 2,000 adds a few milliseconds
FACET_WINDOW = 2_000


class Store(abc.ABC):
    """An index of articles. Upserts are idempotent by ``Article.id``."""

    #: name shown by `newsmon stats`
    backend: str = "?"

    @abc.abstractmethod
    def upsert(self, article: Article) -> UpsertOutcome:
        """Store a new article, update a changed one (keeping the old text in history),
        or do nothing for an identical one."""

    def upsert_many(self, articles: Iterable[Article]) -> list[UpsertOutcome]:
        return [self.upsert(a) for a in articles]

    @abc.abstractmethod
    def get(self, article_id: str) -> Article | None: ...

    @abc.abstractmethod
    def get_by_url(self, url: str) -> Article | None: ...

    @abc.abstractmethod
    def search(self, request: SearchRequest) -> SearchResult: ...

    @abc.abstractmethod
    def source_counts(self, request: SearchRequest) -> tuple[dict[str, int], bool]:
        """Articles matching ``request`` per source, whatever its own ``sources`` filter says
        (so a page filtered to one portal still shows what the others hold), and whether
        every match was counted: SQLite stops at the newest ``FACET_WINDOW`` matches,
        Elasticsearch counts them all."""

    @abc.abstractmethod
    def scan(self, sources: list[str] | None = None, batch: int = 500) -> Iterator[Article]:
        """Every article (of ``sources``), oldest stored first, a batch at a time: for
        `newsmon export`, which a search's result window would cut short."""

    @abc.abstractmethod
    def history(self, article_id: str) -> list[dict]:
        """Earlier versions, oldest first: {version, replaced_at, article}."""

    @abc.abstractmethod
    def add_history(self, article_id: str, versions: list[dict]) -> int:
        """Earlier versions brought from another index (``newsmon import`` of an export made
        with ``--history``): ``{version, replaced_at, article}`` each, kept with their own
        numbers and times; a version the index already holds is left as it is. Returns how
        many were added."""

    @abc.abstractmethod
    def replaced_since(self, since: str, limit: int = 50) -> list[dict]:
        """Versions replaced at or after ``since`` (ISO 8601), newest first, at most
        ``limit``: {id, version, replaced_at}. What the monitor page lists as revised."""

    @abc.abstractmethod
    def stats(self) -> dict:
        """{backend, total, sources: {name: count}, newest: {id, title, published_at} | None,
        size_bytes}."""

    @abc.abstractmethod
    def set_story(self, article_id: str, story_id: str) -> None:
        """Record which story an article belongs to (without counting as an update)."""

    @abc.abstractmethod
    def get_meta(self, key: str) -> str | None: ...

    @abc.abstractmethod
    def set_meta(self, key: str, value: str) -> None: ...

    def close(self) -> None:  # pragma: no cover - trivial
        pass
