"""One article with what surrounds it: its story's other copies, its earlier versions and
what each revision changed. ``/api/articles/{id}`` and ``newsmon show --json`` give the same
object, so a script can move between the server and the command line without a change."""

from __future__ import annotations

import logging
from pathlib import Path

from pipeline.changes import version_changes
from pipeline.model import Article
from pipeline.store import SearchRequest
from pipeline.timeutil import beijing_time

log = logging.getLogger(__name__)

#: copies of one story looked at to name the portals it is also on
STORY_COPIES = 100


def story_copies(store, story_id: str, exclude: str | None = None) -> list[Article]:
    """The story's copies other than ``exclude``, newest first."""
    res = store.search(SearchRequest(story_id=story_id, sort="newest", limit=STORY_COPIES))
    return [h.article for h in res.hits if h.article.id != exclude]


def article_dict(a: Article) -> dict:
    """Every field, and the publication time as editors read it (Beijing)."""
    d = a.to_dict()
    d["published_beijing"] = beijing_time(a.published_at)
    d["attachments"] = a.attachments or []  # none read (an older page) reads as none
    return d


def copy_dict(a: Article) -> dict:
    return {"id": a.id, "title": a.title, "source": a.source, "published_at": a.published_at, "url": a.url}


def gone_view(g: dict) -> dict:
    """A ``crawlstate.gone`` record as the API, `--json`, alerts and feeds give it:
    ``{status, since, checked, withdrawn}``."""
    return {"status": g["status"], "since": g["gone_at"], "checked": g["checked_at"], "withdrawn": g["withdrawn"]}


def gone_of(data_dir: Path, article_ids) -> dict[str, dict]:
    """By article id, whether a revisit found its page gone from its portal: ``{status,
    since, checked, withdrawn}`` (``withdrawn``: gone at every check, twice or more); an
    article not found gone is absent. A courtesy beside the articles: when the crawl state
    cannot be read, nothing."""
    ids = [i for i in dict.fromkeys(article_ids) if i]
    if not ids:
        return {}
    try:
        from pipeline import crawlstate

        conn = crawlstate.open_crawlstate(data_dir)
        try:
            rows = crawlstate.gone(conn, article_ids=ids, limit=len(ids) * 4)
        finally:
            conn.close()
    except Exception as exc:
        log.warning("crawl state unavailable: %s", exc)
        return {}
    out: dict[str, dict] = {}
    for g in rows:  # the latest first: one per article (it may have gone under two URLs)
        out.setdefault(g["article_id"], gone_view(g))
    return out


def gone_from_portal(data_dir: Path, article_id: str) -> dict | None:
    """``gone_of`` for one article, or None."""
    return gone_of(data_dir, [article_id]).get(article_id)


def gone_pages(store, data_dir: Path, limit: int = 20) -> list[tuple[Article | None, dict]]:
    """Stored articles whose page a revisit found gone from its portal, the latest first:
    (the article, or None if no longer stored; ``crawlstate.gone``'s dict)."""
    from pipeline import crawlstate

    conn = crawlstate.open_crawlstate(data_dir)
    try:
        rows = crawlstate.gone(conn, limit=limit)
    finally:
        conn.close()
    return [(store.get(g["article_id"]) if g["article_id"] else None, g) for g in rows]


def article_detail(store, a: Article, flags: list[str], gone: dict | None = None,
                   history: list[dict] | None = None) -> dict:
    """The article, ``flags`` (the alert rules its story matched), ``gone`` (its page gone
    from the portal, see ``gone_from_portal``), ``copies`` (the story's other copies) and
    ``history`` (replaced versions, oldest first, each with ``changed``: what replacing it
    changed, and ``revised``: whether the portal changed the page's words, not only
    newsmon's reading of them). ``history``: ``store.history(a.id)`` when the caller has
    it already."""
    d = article_dict(a)
    d["flags"] = flags
    d["gone"] = gone
    d["copies"] = [copy_dict(c) for c in story_copies(store, a.story_id, exclude=a.id)] if a.story_id else []
    history = store.history(a.id) if history is None else history
    changes = {c["version"]: c["changes"] for c in version_changes(a, history)}
    d["history"] = [
        {"version": v["version"], "replaced_at": v["replaced_at"], "title": v["article"].title,
         "changed": changes[v["version"]].names, "revised": changes[v["version"]].revised}
        for v in history
    ]
    return d
