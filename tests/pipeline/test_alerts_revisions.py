"""A portal revises a story a rule already alerted: the rule's channels hear of it once,
with what changed; a re-reading by newsmon alone, or a rule with `revisions: false`, is quiet."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from test_alerts_engine import NOW, RELEASE, art, config, store  # noqa: F401  (store is a fixture)
from test_alerts_receivers import Receiver

from pipeline.alerts import deliver_due, evaluate, evaluate_rule
from pipeline.alerts.channels import render_text
from pipeline.alerts.rules import parse_alerts
from pipeline.config import load_yaml
from pipeline.errors import ConfigError
from pipeline.storing import save


def test_a_revised_story_is_told_again_with_what_changed(store, tmp_path):  # noqa: F811
    with Receiver() as r:
        cfg = config(r.url, tmp_path)
        first = art("city", RELEASE)
        save(store, [first], data_dir=tmp_path)
        assert evaluate(store, tmp_path, cfg) == 1
        deliver_due(tmp_path, cfg)
        # nothing new: nothing said
        assert evaluate(store, tmp_path, cfg) == 0
        # the portal moves a deadline in the text and the date of the page
        moved = (NOW - timedelta(minutes=30)).isoformat(timespec="seconds")
        revised = replace(first, text=RELEASE.replace("压缩至1个工作日", "压缩至0.5个工作日"), published_at=moved)
        assert save(store, [revised], data_dir=tmp_path) == ["updated"]
        dry = evaluate_rule(store, tmp_path, cfg.rules[0], dry_run=True)  # `newsmon alerts test`
        assert [(x["reason"], x["revision"]["changed"]) for x in dry] == [
            ("revised since the story alerted", ["published_at", "text"])]
        assert evaluate(store, tmp_path, cfg) == 0  # not a new story …
        deliver_due(tmp_path, cfg)
        assert len(r.requests) == 2  # … but a message about the old one
        body = r.requests[1]["body"]
        assert body["article"]["id"] == "city" and body["story"]["id"] == "city"
        rev = body["revision"]
        assert rev["changed"] == ["published_at", "text"] and rev["version"] == 1
        assert rev["fields"] == [{"name": "published_at", "before": first.published_at, "after": moved}]
        assert "压缩至[-1-]{+0.5+}个工作日" in rev["excerpt"]
        assert r.requests[1]["headers"]["x-newsmon-alert"] != r.requests[0]["headers"]["x-newsmon-alert"]
        subject, text = render_text(body)
        assert subject.startswith("newsmon [reform] revised: ")
        assert "the portal changed this page after it was alerted: published_at, text" in text
        assert "text: " in text and "{+0.5+}" in text
        # once: evaluating again says nothing more
        assert evaluate(store, tmp_path, cfg) == 0
        deliver_due(tmp_path, cfg)
        assert len(r.requests) == 2
        # the same fetch read again with other words (a repair mended from a copy) is no revision
        fetched = replace(revised, fetched_at="2026-01-01T00:00:00+00:00", text=revised.text + "（完）")
        assert save(store, [fetched], data_dir=tmp_path) == ["updated"]
        evaluate(store, tmp_path, cfg)  # (a fetch with other words: a revision of its own)
        deliver_due(tmp_path, cfg)
        told = len(r.requests)
        assert told == 3 and r.requests[2]["body"]["revision"]["changed"] == ["text"]
        mended = replace(fetched, text=fetched.text.replace("五个方面", "五個方面"))
        assert save(store, [mended], data_dir=tmp_path) == ["updated"]
        assert [x["reason"] for x in evaluate_rule(store, tmp_path, cfg.rules[0])] == ["story already alerted"]
        deliver_due(tmp_path, cfg)
        assert len(r.requests) == told
        # newsmon's own re-reading (tags) is not the portal's revision
        assert save(store, [replace(mended, tags=["营商环境"])], data_dir=tmp_path) == ["updated"]
        results = evaluate_rule(store, tmp_path, cfg.rules[0])
        assert [x["reason"] for x in results] == ["story already alerted"]
        deliver_due(tmp_path, cfg)
        assert len(r.requests) == told


def test_revisions_false_keeps_a_rule_quiet(store, tmp_path):  # noqa: F811
    with Receiver() as r:
        cfg = config(r.url, tmp_path)
        cfg.rules[0].revisions = False
        first = art("city", RELEASE)
        save(store, [first], data_dir=tmp_path)
        evaluate(store, tmp_path, cfg)
        save(store, [replace(first, text=RELEASE + "方案自印发之日起施行。")], data_dir=tmp_path)
        evaluate(store, tmp_path, cfg)
        deliver_due(tmp_path, cfg)
        assert len(r.requests) == 1 and "revision" not in r.requests[0]["body"]


def test_the_revisions_key_is_checked(tmp_path):
    path = tmp_path / "alerts.yaml"
    path.write_text("channels:\n  log: {type: file, path: a.jsonl}\nrules:\n"
                    "  - name: r\n    query: 營商環境\n    notify: [log]\n    revisions: sometimes\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        parse_alerts(load_yaml(path), path)
    assert str(err.value).startswith(f"{path}:7: rules[0].revisions: 'sometimes': expected true or false")
    path.write_text("channels:\n  log: {type: file, path: a.jsonl}\nrules:\n"
                    "  - name: r\n    query: 營商環境\n    notify: [log]\n    revisions: false\n", encoding="utf-8")
    rules = {r.name: r for r in parse_alerts(load_yaml(path), path).rules}
    assert rules["r"].revisions is False and rules["reform"].revisions is True


def test_a_withdrawn_page_of_an_alerted_story_is_told_once(store, tmp_path):  # noqa: F811
    from pipeline import crawlstate
    from pipeline.alerts.engine import tell_withdrawals

    with Receiver() as r:
        cfg = config(r.url, tmp_path)
        first = art("city", RELEASE)
        save(store, [first, art("other", RELEASE.replace("市人民政府", "县人民政府"), source="county")],
             data_dir=tmp_path)
        assert evaluate(store, tmp_path, cfg) >= 1
        deliver_due(tmp_path, cfg)
        told = len(r.requests)
        conn = crawlstate.open_crawlstate(tmp_path)
        now = datetime.now(timezone.utc)
        crawlstate.mark_seen(conn, first.url, "wuhan", when=now.isoformat(), article_id="city")
        crawlstate.mark_gone(conn, first.url, "wuhan", 404, when=now.isoformat())
        assert tell_withdrawals(store, tmp_path, cfg) == 0  # once may be a hiccup
        crawlstate.mark_gone(conn, first.url, "wuhan", 404, when=(now + timedelta(hours=6)).isoformat())
        conn.close()
        cfg.rules[0].revisions = False
        assert tell_withdrawals(store, tmp_path, cfg) == 0  # the rule does not want to hear
        cfg.rules[0].revisions = True
        assert tell_withdrawals(store, tmp_path, cfg) == 1
        assert tell_withdrawals(store, tmp_path, cfg) == 0  # once
        evaluate(store, tmp_path, cfg)
        deliver_due(tmp_path, cfg)
        assert len(r.requests) == told + 1
        body = r.requests[-1]["body"]
        assert body["article"]["id"] == "city" and body["withdrawn"]["status"] == 404
        subject, text = render_text(body)
        assert subject.startswith("newsmon [reform] withdrawn: ")
        assert "the portal no longer serves this page: HTTP 404 since " in text
