"""What the monitor page shows: each source's crawl health and each alert rule's catch.

It reads what others record (crawl runs in state.db, alert matches, the configured sources
and rules) and never writes. Every part degrades on its own: a source never crawled shows
"no crawl yet", a broken config file shows its one-line error where its table would be,
and a component that is not installed leaves its section empty with a note, so one missing
piece never takes the whole page down.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from pipeline.changes import recent_revisions
from pipeline.detail import gone_pages
from pipeline.errors import UserError

log = logging.getLogger(__name__)

RULE_MATCHES = 5
#: the window and length of the "revised on the portals" list
REVISED_DAYS = 7
REVISED_LISTED = 20


@dataclass
class SourceHealth:
    name: str
    title: str | None = None
    every: str | None = None
    enabled: bool = True
    configured: bool = False
    articles: int = 0
    last_crawl_at: str | None = None
    last_new_at: str | None = None
    last_ok_at: str | None = None
    errors: int | None = None
    failing_runs: int = 0
    blocked: bool = False
    message: str | None = None
    runs: int = 0
    #: one-line silence warning for this source, if any
    silence: str | None = None
    #: the source's most recently published article in the index
    newest: object = None

    @property
    def crawled(self) -> bool:
        return self.last_crawl_at is not None

    @property
    def state(self) -> str:
        """ok | blocked | failing | silent | never (for styling and the API)."""
        if not self.crawled:
            return "never"
        if self.blocked:
            return "blocked"
        if self.failing_runs or (self.errors or 0) > 0:
            return "failing"
        if self.silence:
            return "silent"
        return "ok"


@dataclass
class RuleMatch:
    """One recent match of a rule, as ``pipeline.alerts.last_matches`` records it."""

    article_id: str | None
    title: str | None
    source: str | None
    published_at: str | None
    matched_at: str | None
    alerted: bool

    @classmethod
    def from_dict(cls, d: dict) -> "RuleMatch":
        return cls(d.get("article_id"), d.get("title"), d.get("source"), d.get("published_at"),
                   d.get("matched_at"), bool(d.get("alerted")))


@dataclass
class RuleView:
    name: str
    query: str | None = None
    sources: list[str] = field(default_factory=list)
    matches: list[RuleMatch] = field(default_factory=list)
    error: str | None = None
    #: "08:00", … when the rule sends a digest (Beijing time), and the stories waiting for it
    digest: list[str] = field(default_factory=list)
    waiting: int = 0

    @property
    def search_qs(self) -> str:
        """The search page's URL parameters for what this rule watches."""
        return urlencode([("q", self.query or "")] + [("source", s) for s in self.sources])


@dataclass
class Monitor:
    sources: list[SourceHealth] = field(default_factory=list)
    rules: list[RuleView] = field(default_factory=list)
    #: articles revised on their portals lately, the latest revision first: (article,
    #: ``pipeline.changes.revision_since``'s dict)
    revised: list[tuple] = field(default_factory=list)
    #: stored articles whose page a revisit found gone (404/410), the latest first:
    #: (article or None, the crawlstate.gone dict)
    gone: list[tuple] = field(default_factory=list)
    #: section -> one-line problem (config error, component missing)
    notes: dict[str, str] = field(default_factory=dict)


def collect(store, config_dir: Path, data_dir: Path, *, rules: bool = True) -> Monitor:
    mon = Monitor()
    by_name: dict[str, SourceHealth] = {}

    def entry(name: str) -> SourceHealth:
        if name not in by_name:
            by_name[name] = SourceHealth(name)
        return by_name[name]

    _configured_sources(config_dir, entry, mon)
    try:
        for name, count in (store.stats().get("sources") or {}).items():
            entry(name).articles = int(count)
        _newest(store, by_name)
    except UserError as exc:
        mon.notes["index"] = str(exc)
    _crawl_runs(data_dir, entry, mon)
    _silence(config_dir, data_dir, by_name, mon)
    mon.sources = sorted(by_name.values(), key=lambda s: (not s.configured, s.name))
    if rules:
        mon.rules = _rules(config_dir, data_dir, store, mon)
        try:
            mon.revised = recent_revisions(store, REVISED_DAYS, REVISED_LISTED)
        except UserError as exc:
            mon.notes["revised"] = str(exc)
        mon.gone = _gone(store, data_dir, mon)
    return mon


def _gone(store, data_dir: Path, mon: Monitor) -> list[tuple]:
    try:
        return gone_pages(store, data_dir, limit=REVISED_LISTED)
    except Exception as exc:  # one section, not the page
        mon.notes["gone"] = f"{exc.__class__.__name__}: {exc}"
        return []


def _newest(store, by_name: dict[str, SourceHealth]) -> None:
    """What each source last published, as stored (one indexed query per source)."""
    from pipeline.store import SearchRequest

    for s in by_name.values():
        if s.articles:
            hits = store.search(SearchRequest(sources=[s.name], sort="newest", limit=1)).hits
            s.newest = hits[0].article if hits else None


def _configured_sources(config_dir: Path, entry, mon: Monitor) -> None:
    try:
        from pipeline.sources import load_sources
    except ImportError:  # pragma: no cover - sources ship with the crawler
        return
    try:
        for src in load_sources(config_dir):
            s = entry(src.name)
            s.title, s.every, s.enabled, s.configured = src.title, src.every, src.enabled, True
    except UserError as exc:
        mon.notes["sources"] = str(exc)


def _crawl_runs(data_dir: Path, entry, mon: Monitor) -> None:
    try:
        from pipeline.crawlstate import last_runs
        from pipeline.statedb import open_state
    except ImportError:  # pragma: no cover
        mon.notes["crawl"] = "crawl records are not available in this installation"
        return
    try:
        conn = open_state(data_dir)
    except UserError as exc:
        mon.notes["crawl"] = str(exc)
        return
    try:
        for name, info in last_runs(conn).items():
            s = entry(name)
            run = info.get("last_run") or {}
            s.last_crawl_at = info.get("last_crawl_at")
            s.last_new_at = info.get("last_new_at")
            s.last_ok_at = info.get("last_ok_at")
            s.errors = info.get("errors")
            s.failing_runs = int(info.get("failing_runs") or 0)
            s.blocked = bool(info.get("blocked"))
            s.message = run.get("message")
            s.runs = int(info.get("runs") or 0)
    except Exception as exc:  # a state file from another version must not break the page
        log.warning("crawl records unreadable: %s", exc)
        mon.notes["crawl"] = f"crawl records unreadable: {exc}"
    finally:
        conn.close()


def _silence(config_dir: Path, data_dir: Path, by_name: dict[str, SourceHealth], mon: Monitor) -> None:
    """Silence warnings exactly as the daemon judges them (one definition, in pipeline.alerts)."""
    try:
        from pipeline.alerts import silence_warnings
    except ImportError:  # pragma: no cover - alerts ship with newsmon
        return
    try:
        warnings = silence_warnings(data_dir, config_dir)
    except UserError as exc:
        mon.notes["silence"] = str(exc)
        return
    except Exception as exc:  # the page outlives a bug elsewhere; the log keeps it
        log.warning("silence warnings failed: %s", exc)
        mon.notes["silence"] = "silence warnings could not be computed (see the server log)"
        return
    for w in warnings or []:
        name = w.get("source")
        if name:
            s = by_name.setdefault(name, SourceHealth(name))
            s.silence = str(w.get("message") or w.get("kind") or "silent")


def _rules(config_dir: Path, data_dir: Path, store, mon: Monitor) -> list[RuleView]:
    try:
        from pipeline.alerts import last_matches, load_alerts
        from pipeline.alerts.digest import clock, waiting
    except ImportError:  # pragma: no cover - alerts ship with newsmon
        mon.notes["alerts"] = "alert rules are not available in this installation"
        return []
    try:
        rules = load_alerts(config_dir).rules
    except UserError as exc:
        mon.notes["alerts"] = str(exc)
        return []
    out: list[RuleView] = []
    for rule in rules:
        view = RuleView(name=rule.name, query=rule.query, sources=list(rule.sources or []),
                        digest=[clock(m) for m in rule.digest])
        try:
            view.matches = [RuleMatch.from_dict(m) for m in last_matches(data_dir, rule.name, RULE_MATCHES)]
            view.waiting = waiting(data_dir).get(rule.name, 0)
        except UserError as exc:
            view.error = str(exc)
        except Exception as exc:  # an alert state from another version must not take the page down
            log.warning("last matches of rule %s failed: %s", rule.name, exc)
            view.error = "matches could not be read (see the server log)"
        out.append(view)
    return out
