"""Per-source counts of one crawl: what `newsmon crawl` prints and `record_run` stores."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

#: short problem descriptions kept per source (URLs and reasons, never page text)
MAX_PROBLEMS = 5


@dataclass
class Tally:
    source: str
    title: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    #: seconds from spider open to close (precise; the ISO times are to the second)
    seconds: float = 0.0
    #: HTTP responses received (listing pages, feeds, sitemaps, articles; 304s included)
    pages: int = 0
    listing_pages: int = 0
    #: listing pages, feeds, sitemaps and JSON lists read (or answered 304)
    listings_ok: int = 0
    #: listing pages / feeds that answered 304 Not Modified
    not_modified: int = 0
    articles_fetched: int = 0
    new: int = 0
    updated: int = 0
    #: known articles: skipped as already seen, or refetched and found identical
    unchanged: int = 0
    #: taken by the store but not indexed yet: held in its durable spool (Elasticsearch down)
    queued: int = 0
    #: refused by the store for their content; kept aside with the reason, not indexed
    rejected: int = 0
    #: fetched but not kept (`keep: relevant` and the lexicon says no)
    irrelevant: int = 0
    #: fetched but no article text found in the page
    empty: int = 0
    errors: int = 0
    robots_denied: int = 0
    blocked: bool = False
    #: article links left for a later crawl because of `max_articles`
    deferred: int = 0
    #: stored articles fetched again for `revisit` (answered 304, or read and stored again:
    #: ``updated`` when the portal had revised the page, else ``unchanged``)
    revisited: int = 0
    #: revisits not answered with the page (gone, an error): noted, not errors of the crawl
    revisits_failed: int = 0
    #: of those, pages the portal no longer has (404/410): taken down, maybe withdrawn
    gone: int = 0
    #: files attached to stored articles read for search, and files that could not be
    attachments_read: int = 0
    attachments_unread: int = 0
    interrupted: bool = False
    #: time spent turning pages into articles (summed over batches, wherever they ran)
    process_seconds: float = 0.0
    #: time spent storing articles and marking URLs seen (summed over batches)
    store_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """The source as a whole did not work: blocked, or not one listing could be read."""
        return self.blocked or (self.listings_ok == 0 and not self.interrupted)

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text[:300])

    @property
    def message(self) -> str:
        parts = []
        if self.blocked:
            parts.append("blocked by an anti-bot challenge")
        if self.interrupted:
            parts.append("interrupted")
        parts.extend(self.problems)
        if not parts:
            return "ok"
        return "; ".join(parts)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["message"] = self.message
        d["failed"] = self.failed
        return d

    def progress(self) -> str:
        return f"{self.source}: {self.pages} pages, {self.new} new, {self.unchanged} unchanged, {self.errors} errors"
