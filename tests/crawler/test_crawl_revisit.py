"""`revisit:` fetches stored articles again for a while, to catch a portal's quiet revision.

Time passing is simulated by moving the seen marks back in state.db: the crawl's own clock
is real, so the gaps and the window are the ones a production crawl uses.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from crawl_helpers import crawl_json, newsmon, write_config

ARTICLE = "/news/202403/t20240306_1002.html"


def sources(base: str, revisit: str | None) -> str:
    extra = f"\n    revisit: {revisit}" if revisit else ""
    return f"""\
sources:
  - name: watched
    urls: [{base}/custom/]
    max_pages: 1{extra}
"""


def backdate(data_dir, hours: float, *, first_hours: float | None = None) -> None:
    """Every seen mark as if last fetched ``hours`` ago (first seen ``first_hours`` ago)."""
    def ago(h):
        return (datetime.now(timezone.utc) - timedelta(hours=h)).isoformat(timespec="seconds")

    with sqlite3.connect(data_dir / "state.db") as conn:
        conn.execute("UPDATE crawl_seen SET last_seen=?, first_seen=?",
                     (ago(hours), ago(first_hours if first_hours is not None else hours)))


def article_requests(portal) -> list[dict]:
    return portal.headers_of(ARTICLE)


@pytest.fixture
def listing(portal):
    saved = portal.custom, list(portal.articles[ARTICLE].body)
    portal.custom = (f'<html><body><ul><li><a href="{ARTICLE}">武汉市汉阳区推进政务服务“一网通办”</a>'
                     "</li></ul></body></html>").encode()
    yield portal
    portal.custom, portal.articles[ARTICLE].body = saved


def test_a_revised_page_is_stored_again_and_an_unchanged_one_costs_a_304(listing, tmp_path):
    portal = listing
    config = write_config(tmp_path / "config", sources(portal.base, "2d"))
    data = tmp_path / "data"
    assert crawl_json(config, data, "--source", "watched")["watched"]["new"] == 1

    # fetched a moment ago: not due for a revisit
    portal.clear_log()
    first = crawl_json(config, data, "--source", "watched")["watched"]
    assert article_requests(portal) == [] and first["revisited"] == 0

    # seven hours on (the gap is six): asked again with its ETag, and it answers 304
    backdate(data, 7)
    portal.clear_log()
    again = crawl_json(config, data, "--source", "watched")["watched"]
    (headers,) = article_requests(portal)
    assert headers.get("If-None-Match", "").startswith('"')
    assert again["revisited"] == 1 and again["updated"] == 0 and again["errors"] == 0
    portal.clear_log()
    assert crawl_json(config, data, "--source", "watched")["watched"]["revisited"] == 0  # the 304 restarted the gap

    # the portal revises the page: the next revisit stores it as a new version
    portal.articles[ARTICLE].body = [*portal.articles[ARTICLE].body[:1],
                                     "通知明确，到年底前全面推行企业开办“一网通办”，办理时限压缩至半个工作日以内。",
                                     *portal.articles[ARTICLE].body[2:]]
    backdate(data, 7)
    revised = crawl_json(config, data, "--source", "watched")["watched"]
    assert revised["revisited"] == 1 and revised["updated"] == 1 and revised["new"] == 0
    found = json.loads(newsmon(config, data, "search", "半个工作日", "--json").stdout)
    (hit,) = found
    shown = json.loads(newsmon(config, data, "show", hit["id"], "--json").stdout)
    assert [v["changed"] for v in shown["history"]] == [["text"]]
    out = newsmon(config, data, "show", hit["id"], "--changes").stdout
    assert "压缩至[-一-]{+半+}个工作日以内" in out

    # three days after it was first stored, past the two-day window: left alone
    backdate(data, 7, first_hours=72)
    portal.clear_log()
    assert crawl_json(config, data, "--source", "watched")["watched"]["revisited"] == 0
    assert article_requests(portal) == []


def test_without_revisit_a_stored_article_is_never_fetched_again(listing, tmp_path):
    portal = listing
    config = write_config(tmp_path / "config", sources(portal.base, None))
    data = tmp_path / "data"
    assert crawl_json(config, data, "--source", "watched")["watched"]["new"] == 1
    backdate(data, 7)
    portal.clear_log()
    assert crawl_json(config, data, "--source", "watched")["watched"]["revisited"] == 0
    assert article_requests(portal) == []


def test_a_page_taken_down_is_noted_then_withdrawn_and_can_come_back(listing, tmp_path):
    portal = listing
    config = write_config(tmp_path / "config", sources(portal.base, "2d"))
    data = tmp_path / "data"
    assert crawl_json(config, data, "--source", "watched")["watched"]["new"] == 1
    (hit,) = json.loads(newsmon(config, data, "search", "source:watched", "--json").stdout)
    # the page is taken down (the listing no longer links it)
    portal.custom = b"<html><body><ul></ul></body></html>"
    article = portal.articles.pop(ARTICLE)
    try:
        backdate(data, 7)
        gone = crawl_json(config, data, "--source", "watched")["watched"]
        # a note, not an error of the crawl: nothing new was missed
        assert (gone["revisited"], gone["revisits_failed"], gone["gone"], gone["errors"]) == (1, 1, 1, 0)
        assert not gone["failed"]
        shown = json.loads(newsmon(config, data, "show", hit["id"], "--json").stdout)["gone"]
        assert (shown["status"], shown["withdrawn"]) == (404, False)
        # it waits a full gap before the next try …
        portal.clear_log()
        assert crawl_json(config, data, "--source", "watched")["watched"]["revisited"] == 0
        # … and gone a second time, it counts as withdrawn
        backdate(data, 7)
        crawl_json(config, data, "--source", "watched")
        shown = json.loads(newsmon(config, data, "show", hit["id"], "--json").stdout)["gone"]
        assert shown["withdrawn"] is True
        assert "withdrawn: the portal answers HTTP 404" in newsmon(config, data, "show", hit["id"]).stdout
    finally:
        portal.articles[ARTICLE] = article
    # the page is back: no longer gone
    backdate(data, 7)
    back = crawl_json(config, data, "--source", "watched")["watched"]
    assert back["revisited"] == 1 and back["gone"] == 0
    assert json.loads(newsmon(config, data, "show", hit["id"], "--json").stdout)["gone"] is None
