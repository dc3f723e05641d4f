"""Rule evaluation and delivery: from newly stored articles to messages in the outbox, and
from the outbox to the channels.

A rule looks at articles by *ingest* time (what the store accepted since the rule's
checkpoint), never by publish time, so an article a slow crawl finds hours late still
alerts. It fires once per story: the first copy seen alerts, later reposts on other portals
only join the story (they are recorded as matches, shown on the monitor page, and sent to
no one).
"""

from __future__ import annotations

import html
import logging
import re
import time
from datetime import datetime, timezone
from pathlib import Path

from pipeline.alerts import digest, state
from pipeline.alerts.channels import DeliveryError, send
from pipeline.alerts.rules import AlertConfig, Rule
from pipeline.attached import listed
from pipeline.changes import revision_since
from pipeline.errors import ConfigError
from pipeline.statedb import transaction
from pipeline.store.base import SearchRequest
from pipeline.timeutil import timestamp
from pipeline.urls import article_page

log = logging.getLogger(__name__)

PAGE = 500
_TAG = re.compile(r"<[^>]+>")


def plain(snippet: str | None) -> str:
    """The store's snippets are safe HTML (<mark>); chat robots and email want plain text."""
    return html.unescape(_TAG.sub("", snippet or ""))


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="microseconds")


def initial_checkpoint(rule: Rule, now: float) -> str:
    """A rule seen for the first time looks back as far as it would alert (max_age, else 3 days)."""
    return _iso(now - (rule.max_age or 3 * 86400))


def matching_hits(store, rule: Rule, ingested_after: str) -> list:
    """Every stored article the rule matches since ``ingested_after``, oldest ingest first.

    Pages are re-read from the start if the total moved underneath (a crawl stored more
    while we read), so no article slips between two pages.
    """
    for _ in range(5):
        hits, offset, total = [], 0, None
        while True:
            res = store.search(
                SearchRequest(query=rule.query, sources=rule.sources, ingested_after=ingested_after,
                              sort="newest", limit=PAGE, offset=offset, attachments=rule.attachments)
            )
            if total is None:
                total = res.total
            elif res.total != total:
                break
            hits.extend(res.hits)
            offset += PAGE
            if offset >= total or not res.hits:
                hits.sort(key=lambda h: h.article.ingested_at or "")
                return hits
    hits.sort(key=lambda h: h.article.ingested_at or "")
    return hits


def _story_sources(store, story_id: str, fallback) -> list[dict]:
    try:
        res = store.search(SearchRequest(story_id=story_id, sort="newest", limit=50))
        arts = [h.article for h in res.hits] or [fallback]
    except Exception:  # a story list is a courtesy; the alert must not fail for it
        arts = [fallback]
    arts.sort(key=lambda a: (timestamp(a.published_at) is None, timestamp(a.published_at) or 0))
    return [{"source": a.source, "url": a.url} for a in arts]


def _article_fields(a, web_url: str | None) -> dict:
    """What every message says of its article."""
    article = {"id": a.id, "url": a.url, "title": a.title, "source": a.source, "published_at": a.published_at}
    if web_url:
        article["newsmon_url"] = article_page(web_url, a.id)
    return article


def article_payload(rule_name: str, hit, story_id: str, sources: list[dict],
                    web_url: str | None = None) -> dict:
    article = {**_article_fields(hit.article, web_url), "snippet": plain(hit.snippet)}
    # where damage the repair left may read as the rule's words, say so: the text shown
    # may not hold them (the search that matched the rule found them, ``Hit.guessed``)
    if hit.guessed:
        article["guessed"] = list(hit.guessed)
    if hit.attached:  # the rule's words are in an attachment, not the text the snippet shows
        article["attached"] = list(hit.attached)
    # a notice's measures are often in its attachments: the message links them
    if hit.article.attachments:
        article["attachments"] = listed(hit.article)
    return {"rule": rule_name, "article": article, "story": {"id": story_id, "sources": sources}}


def _too_old(rule: Rule, article, now: float) -> bool:
    if rule.max_age is None:
        return False
    ts = timestamp(article.published_at)
    return ts is not None and ts < now - rule.max_age


def evaluate_rule(store, data_dir: Path, rule: Rule, *, dry_run: bool = False, now: float | None = None,
                  web_url: str | None = None) -> list[dict]:
    """Match ``rule`` against articles stored since its checkpoint; queue one message per new
    story and channel, or hold the story for the rule's next digest. Returns one dict per
    matching article: {hit, story_id, alert, reason}. With ``dry_run`` nothing is written
    (``newsmon alerts test``)."""
    now = time.time() if now is None else now
    conn = state.open_alert_state(data_dir)
    try:
        start = state.get_checkpoint(conn, rule.name)
        since = start or initial_checkpoint(rule, now)
        hits = matching_hits(store, rule, since)
        # one alert per story: the earliest published copy in this batch speaks for it
        by_story: dict[str, list] = {}
        for h in hits:
            by_story.setdefault(h.article.story_id or h.article.id, []).append(h)
        results: list[dict] = []
        plans = []
        revised = []
        for story_id, group in by_story.items():
            group.sort(key=lambda h: (timestamp(h.article.published_at) is None,
                                      timestamp(h.article.published_at) or 0))
            lead = next((h for h in group if not _too_old(rule, h.article, now)), None)
            already = state.story_alerted(conn, rule.name, story_id)
            for h in group:
                revision = revision_since(store, h.article, since) if already and rule.revisions else None
                if h is lead and not already:
                    reason = "alert"
                elif revision:
                    reason = "revised since the story alerted"
                    revised.append((story_id, h, revision,
                                    _story_sources(store, story_id, h.article) if not dry_run else []))
                elif already:
                    reason = "story already alerted"
                elif h is not lead and lead is not None:
                    reason = "same story as an alerted copy"
                else:
                    reason = "published too long ago"
                results.append({"hit": h, "story_id": story_id, "alert": reason == "alert", "reason": reason,
                                "revision": revision})
            if lead is not None and not already:
                plans.append((story_id, lead, _story_sources(store, story_id, lead.article) if not dry_run else []))
        if dry_run:
            return results
        newest = max((h.article.ingested_at for h in hits if h.article.ingested_at), default=None)
        with transaction(conn):
            if state.get_checkpoint(conn, rule.name) != start:
                log.info("rule %s was evaluated concurrently; skipping this round", rule.name)
                return []
            for story_id, lead, sources in plans:
                conn.execute(
                    "INSERT OR IGNORE INTO alert_stories(rule, story_id, article_id, fired_at) VALUES (?, ?, ?, ?)",
                    (rule.name, story_id, lead.article.id, now),
                )
                payload = article_payload(rule.name, lead, story_id, sources, web_url)
                if rule.digest:
                    digest.hold(conn, rule.name, story_id, payload, now)
                    continue
                for channel in rule.notify:
                    state.enqueue(conn, f"{rule.name}:{story_id}:{channel}", rule.name, channel, payload, now)
            for story_id, h, revision, sources in revised:
                # at once, digest or not: a revision of a story already told is news about it
                payload = {**article_payload(rule.name, h, story_id, sources, web_url), "revision": revision}
                key = f"{rule.name}:{story_id}:revised:{h.article.id}:{revision['version']}"
                for channel in rule.notify:
                    state.enqueue(conn, f"{key}:{channel}", rule.name, channel, payload, now)
            for r in results:
                a = r["hit"].article
                conn.execute(
                    "INSERT INTO alert_matches(rule, article_id, story_id, alerted, matched_at, title, url, source,"
                    " published_at, snippet) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT(rule, article_id) DO UPDATE SET story_id=excluded.story_id,"
                    " alerted=MAX(alerted, excluded.alerted), title=excluded.title, snippet=excluded.snippet",
                    (rule.name, a.id, r["story_id"], 1 if r["alert"] else 0, now, a.title, a.url, a.source,
                     a.published_at, plain(r["hit"].snippet)),
                )
            state.set_checkpoint(conn, rule.name, newest or since)
        if revised:
            log.info("rule %s: %d revised article%s queued for %s", rule.name, len(revised),
                     "" if len(revised) == 1 else "s", ", ".join(rule.notify) or "(no channel)")
        fired = sum(1 for r in results if r["alert"])
        if fired:
            log.info("rule %s: %d new stor%s %s", rule.name, fired, "y" if fired == 1 else "ies",
                     "held for the next digest" if rule.digest else
                     "queued for " + (", ".join(rule.notify) or "(no channel)"))
        return results
    finally:
        conn.close()


def evaluate(store, data_dir: Path, cfg: AlertConfig, *, now: float | None = None) -> int:
    """Evaluate every rule, tell the withdrawals, then queue the digests whose time has
    come; returns how many stories alerted (a story held for a digest counts when it is
    held)."""
    total = 0
    for rule in cfg.rules:
        total += sum(1 for r in evaluate_rule(store, data_dir, rule, now=now, web_url=cfg.web_url)
                     if r["alert"])
    tell_withdrawals(store, data_dir, cfg, now=now)
    digest.flush(data_dir, cfg.rules, now=now)
    return total


#: a page found withdrawn longer ago than this is not told any more (nor looked at)
WITHDRAWN_TOLD_WITHIN = 30 * 86400


def tell_withdrawals(store, data_dir: Path, cfg: AlertConfig, *, now: float | None = None) -> int:
    """A story a rule alerted whose page (any copy) revisits found gone twice in a row:
    one message per rule, page and disappearance, at once (digest or not), to the rule's
    channels, unless the rule says ``revisions: false``. Returns the messages queued."""
    from pipeline import crawlstate

    now = time.time() if now is None else now
    rules = [r for r in cfg.rules if r.revisions]
    if not rules:
        return 0
    conn = crawlstate.open_crawlstate(data_dir)
    try:
        rows = [g for g in crawlstate.gone(conn, withdrawn_only=True, limit=500)
                if (timestamp(g["gone_at"]) or 0) >= now - WITHDRAWN_TOLD_WITHIN]
    finally:
        conn.close()
    if not rows:
        return 0
    articles = {g["article_id"]: store.get(g["article_id"]) for g in rows if g["article_id"]}
    queued = 0
    conn = state.open_alert_state(data_dir)
    try:
        with transaction(conn):
            for g in rows:
                a = articles.get(g["article_id"])
                if a is None:
                    continue
                story_id = a.story_id or a.id
                for rule in rules:
                    if not state.story_alerted(conn, rule.name, story_id):
                        continue
                    payload = withdrawal_payload(rule.name, a, story_id, g, cfg.web_url)
                    key = f"{rule.name}:{story_id}:withdrawn:{a.id}:{g['gone_at']}"
                    for channel in rule.notify:
                        queued += state.enqueue(conn, f"{key}:{channel}", rule.name, channel, payload, now)
    finally:
        conn.close()
    if queued:
        log.info("%d message%s about withdrawn pages queued", queued, "" if queued == 1 else "s")
    return queued


def withdrawal_payload(rule_name: str, a, story_id: str, gone: dict, web_url: str | None = None) -> dict:
    from pipeline.detail import gone_view

    return {"rule": rule_name, "article": _article_fields(a, web_url), "story": {"id": story_id, "sources": []},
            "withdrawn": gone_view(gone)}


def backoff(cfg: AlertConfig, attempts: int) -> float:
    return min(cfg.retry_base * (2 ** max(0, attempts - 1)), cfg.retry_max)


def deliver_due(data_dir: Path, cfg: AlertConfig, *, now: float | None = None, limit: int = 100) -> dict:
    """Try every message whose time has come; a failure is rescheduled with backoff, never dropped."""
    conn = state.open_alert_state(data_dir)
    sent = failed = 0
    try:
        for item in state.due(conn, now, limit):
            channel = cfg.channels.get(item["channel"])
            try:
                if channel is None:
                    raise DeliveryError(f"channel {item['channel']!r} is no longer in {cfg.path}")
                send(channel, item["payload"], key=item["key"], data_dir=data_dir)
            except (DeliveryError, ConfigError) as exc:
                attempts = item["attempts"] + 1
                delay = backoff(cfg, attempts)
                with transaction(conn):
                    state.mark_failed(conn, item["id"], str(exc), time.time() + delay)
                log.warning("alert %s to %s failed (try %d): %s; next try in %.0fs",
                            item["rule"], item["channel"], attempts, exc, delay)
                failed += 1
                continue
            with transaction(conn):
                state.mark_sent(conn, item["id"])
            sent += 1
    finally:
        conn.close()
    return {"sent": sent, "failed": failed}


def article_flags(data_dir: Path, articles) -> dict[str, list[str]]:
    """By article id: the alert rules that matched its story (any copy of it), names sorted.
    How the pages and `newsmon search` flag a reform announcement where editors read. A story
    stored before a rule existed (beyond the rule's first look back) has no flag from it."""
    articles = list(articles)
    by_story = _story_flags(data_dir, [a.story_id or a.id for a in articles])
    return {a.id: by_story.get(a.story_id or a.id, []) for a in articles}


def _story_flags(data_dir: Path, story_ids) -> dict[str, list[str]]:
    ids = sorted({s for s in story_ids if s})
    if not ids:
        return {}
    conn = state.open_alert_state(data_dir)
    try:
        rows = conn.execute(
            f"SELECT DISTINCT story_id, rule FROM alert_matches WHERE story_id IN ({','.join('?' * len(ids))})"
            " ORDER BY rule", ids).fetchall()
    finally:
        conn.close()
    out: dict[str, list[str]] = {}
    for story_id, rule in rows:
        out.setdefault(story_id, []).append(rule)
    return out


def last_matches(data_dir: Path, rule_name: str | None = None, limit: int = 50) -> list[dict]:
    """Recent matches, newest first: {rule, article_id, story_id, alerted, matched_at (ISO),
    title, url, source, published_at, snippet (plain text)}. Crawled text: escape it to show."""
    conn = state.open_alert_state(data_dir)
    try:
        sql = ("SELECT rule, article_id, story_id, alerted, matched_at, title, url, source, published_at, snippet"
               " FROM alert_matches")
        args: list = []
        if rule_name:
            sql += " WHERE rule=?"
            args.append(rule_name)
        sql += " ORDER BY matched_at DESC, rowid DESC LIMIT ?"
        args.append(int(limit))
        rows = conn.execute(sql, args).fetchall()
    finally:
        conn.close()
    keys = ("rule", "article_id", "story_id", "alerted", "matched_at", "title", "url", "source", "published_at",
            "snippet")
    out = []
    for row in rows:
        d = dict(zip(keys, row))
        d["alerted"] = bool(d["alerted"])
        d["matched_at"] = _iso(d["matched_at"])
        out.append(d)
    return out
