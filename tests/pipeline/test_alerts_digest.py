"""Digests: a rule with ``digest:`` holds its new stories and sends them as one message at
set times of day (Beijing time), each story once, none lost when a time passes while the
daemon is down."""

import json
from datetime import datetime, timedelta

import pytest

from pipeline.alerts import deliver_due, evaluate, outbox_status
from pipeline.alerts.channels import DIGEST_LISTED, render_text
from pipeline.alerts.digest import flush, last_slot, waiting
from pipeline.alerts.rules import Channel, load_alerts
from pipeline.chinese import to_traditional
from pipeline.cli.main import main
from pipeline.errors import ConfigError
from pipeline.storing import save
from pipeline.timeutil import BEIJING
from test_alerts_engine import OTHER, RELEASE, SECOND, art, config, store  # noqa: F401 (fixture)
from test_alerts_receivers import Receiver

#: midnight today, Beijing time; the tests run on their own clock from there
DAY = datetime.now(BEIJING).replace(hour=0, minute=0, second=0, microsecond=0)


def at(hour: int, minute: int = 0, days: int = 0) -> float:
    return (DAY + timedelta(days=days, hours=hour, minutes=minute)).timestamp()


def digest_config(url, tmp_path, times=(8 * 60,)):
    cfg = config(url, tmp_path)
    cfg.rules[0].digest = tuple(times)
    return cfg


def bodies(receiver) -> list[dict]:
    return [q["body"] for q in receiver.requests]


def test_last_slot_is_the_latest_digest_time_at_or_before_now():
    times = (8 * 60, 17 * 60 + 30)
    assert last_slot(times, at(7, 59)) == at(17, 30, days=-1)  # before the first: yesterday's last
    assert last_slot(times, at(8, 0)) == at(8, 0)
    assert last_slot(times, at(17, 29)) == at(8, 0)
    assert last_slot(times, at(23, 59)) == at(17, 30)
    assert last_slot((0,), at(0, 0)) == at(0, 0)


def test_stories_wait_for_the_digest_and_go_out_in_one_message(store, tmp_path):
    with Receiver() as r:
        cfg = digest_config(r.url, tmp_path)
        save(store, [art("city", RELEASE), art("other", OTHER)], data_dir=tmp_path)
        assert evaluate(store, tmp_path, cfg, now=at(7, 0)) == 1
        save(store, [art("second", SECOND, source="hubei")], data_dir=tmp_path)
        assert evaluate(store, tmp_path, cfg, now=at(7, 30)) == 1
        deliver_due(tmp_path, cfg, now=at(7, 31))
        assert r.requests == [] and waiting(tmp_path) == {"reform": 2}

        assert evaluate(store, tmp_path, cfg, now=at(8, 0) + 30) == 0
        deliver_due(tmp_path, cfg, now=at(8, 1))
        [body] = bodies(r)
        assert body["rule"] == "reform" and set(body) == {"rule", "digest"}
        digest = body["digest"]
        assert [s["article"]["id"] for s in digest["stories"]] == ["city", "second"]
        assert digest["stories"][0]["story"]["id"] == "city"
        assert digest["until"] == datetime.fromtimestamp(at(8, 0), BEIJING).isoformat()
        assert r.requests[0]["headers"]["x-newsmon-alert"].startswith("reform:digest:")
        assert waiting(tmp_path) == {}

        # a repost of a story already sent joins it and waits for nothing; an empty digest
        # sends nothing
        save(store, [art("prov", "湖北日報訊 " + to_traditional(RELEASE), source="hubei")], data_dir=tmp_path)
        assert evaluate(store, tmp_path, cfg, now=at(9, 0)) == 0
        evaluate(store, tmp_path, cfg, now=at(8, 0, days=1))
        deliver_due(tmp_path, cfg, now=at(8, 1, days=1))
        assert len(r.requests) == 1 and outbox_status(tmp_path)["pending"] == 0


def test_a_story_found_after_the_time_waits_for_the_next_digest(store, tmp_path):
    with Receiver() as r:
        cfg = digest_config(r.url, tmp_path, times=(8 * 60, 17 * 60))
        save(store, [art("city", RELEASE)], data_dir=tmp_path)
        evaluate(store, tmp_path, cfg, now=at(8, 0) + 10)
        deliver_due(tmp_path, cfg, now=at(8, 1))
        assert r.requests == [] and waiting(tmp_path) == {"reform": 1}
        evaluate(store, tmp_path, cfg, now=at(17, 0) + 5)
        deliver_due(tmp_path, cfg, now=at(17, 1))
        [body] = bodies(r)
        iso = lambda ts: datetime.fromtimestamp(ts, BEIJING).isoformat()  # noqa: E731
        assert (body["digest"]["since"], body["digest"]["until"]) == (iso(at(8, 0)), iso(at(17, 0)))


def test_a_digest_missed_while_the_daemon_was_down_goes_out_once_when_it_is_back(store, tmp_path):
    with Receiver() as r:
        cfg = digest_config(r.url, tmp_path)
        save(store, [art("city", RELEASE)], data_dir=tmp_path)
        evaluate(store, tmp_path, cfg, now=at(7, 0))
        # down from 07:00 until 11:00 the next day: two 08:00 digests passed
        later = at(11, 0, days=1)
        evaluate(store, tmp_path, cfg, now=later)
        evaluate(store, tmp_path, cfg, now=later + 30)
        deliver_due(tmp_path, cfg, now=later + 60)
        [body] = bodies(r)
        iso = lambda ts: datetime.fromtimestamp(ts, BEIJING).isoformat()  # noqa: E731
        # it covers the time since the story was found, not only since the last 08:00
        assert body["digest"]["since"] == iso(at(7, 0)) and body["digest"]["until"] == iso(at(8, 0, days=1))


def test_flushing_twice_queues_one_digest_per_channel(store, tmp_path):
    cfg = digest_config("http://127.0.0.1:9/hook", tmp_path)
    cfg.channels["log"] = Channel("log", "file", {"path": "alerts.jsonl"})
    cfg.rules[0].notify = ["hook", "log"]
    save(store, [art("city", RELEASE)], data_dir=tmp_path)
    evaluate(store, tmp_path, cfg, now=at(7, 0))
    assert flush(tmp_path, cfg.rules, now=at(9, 0)) == 1
    assert flush(tmp_path, cfg.rules, now=at(9, 0)) == 0
    assert outbox_status(tmp_path)["pending"] == 2
    deliver_due(tmp_path, cfg, now=at(9, 1))
    [line] = (tmp_path / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    logged = json.loads(line)
    assert logged["key"].endswith(":log") and logged["digest"]["stories"][0]["article"]["id"] == "city"


def test_a_rule_that_drops_its_digest_sends_what_waits_at_once(store, tmp_path):
    with Receiver() as r:
        cfg = digest_config(r.url, tmp_path)
        save(store, [art("city", RELEASE)], data_dir=tmp_path)
        evaluate(store, tmp_path, cfg, now=at(7, 0))
        cfg.rules[0].digest = ()
        evaluate(store, tmp_path, cfg, now=at(7, 10))
        deliver_due(tmp_path, cfg, now=at(7, 11))
        assert [s["article"]["id"] for s in bodies(r)[0]["digest"]["stories"]] == ["city"]
        # and new stories alert one by one again
        save(store, [art("second", SECOND)], data_dir=tmp_path)
        evaluate(store, tmp_path, cfg, now=at(7, 20))
        deliver_due(tmp_path, cfg, now=at(7, 21))
        assert bodies(r)[1]["article"]["id"] == "second"


def story(i: int, title: str) -> dict:
    return {"article": {"id": f"a{i}", "url": f"http://x.test/{i}", "title": title, "source": "cjrb",
                        "published_at": "2024-03-05T01:30:00+00:00", "snippet": "优化营商环境 " * 20},
            "story": {"id": f"a{i}", "sources": [{"source": "cjrb", "url": f"http://x.test/{i}"},
                                                 {"source": "hubei", "url": f"http://h.test/{i}"}]}}


def test_digest_text_counts_every_story_and_lists_the_first_ones():
    n = DIGEST_LISTED + 5
    payload = {"rule": "reform", "digest": {"since": "2024-03-04T08:00:00+08:00", "until": "2024-03-05T08:00:00+08:00",
                                            "stories": [story(i, f"標題{i}") for i in range(n)]}}
    subject, text = render_text(payload)
    assert subject == f"newsmon [reform] digest: {n} new stories"
    assert "found 2024-03-04 08:00 to 2024-03-05 08:00 (Beijing time)" in text
    assert "1. 標題0\n   cjrb · 2024-03-05 09:30 · also on 1 other portal\n   http://x.test/0" in text
    assert f"{DIGEST_LISTED}. 標題{DIGEST_LISTED - 1}" in text and f"標題{DIGEST_LISTED}" not in text
    assert text.endswith("… and 5 more, not listed here")
    one = {"rule": "r", "digest": {**payload["digest"], "stories": [story(0, "<b>x</b>")]}}
    subject, text = render_text(one)
    assert subject.endswith("digest: 1 new story") and "1. <b>x</b>" in text  # plain text, as written


def config_file(tmp_path, digest: str):
    cfg = tmp_path / "config"
    cfg.mkdir(exist_ok=True)
    (cfg / "alerts.yaml").write_text(
        "channels:\n  log: {type: file, path: alerts.jsonl}\n"
        f"rules:\n  - name: morning\n    query: '營商環境'\n    notify: [log]\n    digest: {digest}\n",
        encoding="utf-8")
    return cfg


@pytest.mark.parametrize("written, minutes", [
    ('"08:00"', (480,)),
    ("17:30", (1050,)),  # unquoted: YAML 1.1 would read the number 1050
    ("[17:30, '08:00', 8:00]", (480, 1050)),
])
def test_digest_times_in_alerts_yaml(tmp_path, written, minutes):
    assert load_alerts(config_file(tmp_path, written)).rule("morning").digest == minutes


@pytest.mark.parametrize("written", ['"25:00"', "8am", "800", "[]", "'8:5'"])
def test_a_bad_digest_time_names_file_line_and_key(tmp_path, written):
    with pytest.raises(ConfigError) as exc:
        load_alerts(config_file(tmp_path, written))
    assert str(exc.value).startswith(f"{tmp_path / 'config' / 'alerts.yaml'}:7: rules[0].digest: ")


def test_alerts_list_and_the_monitor_page_show_the_digest(tmp_path, capsys, store):
    from fastapi.testclient import TestClient

    from pipeline.web import create_app

    cfg_dir = config_file(tmp_path, "['08:00', 17:30]")
    save(store, [art("city", RELEASE)], data_dir=tmp_path)
    evaluate(store, tmp_path, load_alerts(cfg_dir), now=at(7, 0))
    assert main(["--config", str(cfg_dir), "--data-dir", str(tmp_path), "alerts", "list"]) == 0
    assert "sent as a digest at 08:00, 17:30 (Beijing time); stories waiting: 1" in capsys.readouterr().out
    assert main(["--config", str(cfg_dir), "--data-dir", str(tmp_path), "alerts", "list", "--json"]) == 0
    rule = next(r for r in json.loads(capsys.readouterr().out)["rules"] if r["name"] == "morning")
    assert rule["digest"] == ["08:00", "17:30"] and rule["digest_waiting"] == 1
    with TestClient(create_app(store, config_dir=cfg_dir, data_dir=tmp_path)) as c:
        html = c.get("/monitor").text
    assert "Sent as a digest at 08:00, 17:30 (Beijing time): 1 story waiting." in html
