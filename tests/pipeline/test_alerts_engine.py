"""Rules over the index: ingest-time checkpoints, one alert per story, the outbox's retries,
durability across a crash between evaluation and delivery, matches for the monitor page."""

import json
import time
from datetime import datetime, timedelta, timezone

import pytest

from pipeline.alerts import deliver_due, evaluate, evaluate_rule, last_matches, outbox_status
from pipeline.alerts.channels import render_text
from pipeline.alerts.rules import AlertConfig, Channel, Rule, parse_alerts
from pipeline.chinese import to_traditional
from pipeline.config import load_yaml
from pipeline.model import Article
from pipeline.store.sqlite import SQLiteStore
from pipeline.storing import save
from test_alerts_receivers import Receiver

NOW = datetime.now(timezone.utc)
RELEASE = (
    "为进一步优化营商环境，市人民政府近日印发《优化营商环境三年行动方案》，提出到2025年，"
    "企业开办时间压缩至1个工作日以内，工程建设项目审批时间压缩至50个工作日以内。方案明确了"
    "政务服务、市场监管、要素保障等五个方面二十项重点任务，要求各区各部门逐项抓好落实。"
)
OTHER = "记者从市发展改革委获悉，今年一季度全市固定资产投资同比增长8.2%，其中工业投资增长12.5%。重大项目建设持续推进。"
SECOND = (
    "省政府办公厅日前出台《关于进一步优化营商环境降低市场主体制度性交易成本的实施意见》，"
    "从破除区域分割和地方保护、优化涉企审批服务、规范涉企收费等方面提出二十四条措施。"
)


def art(i, text, source="wuhan", hours_ago=1.0, title=None):
    return Article(id=i, url=f"http://{source}.test/{i}.html", text=text, source=source, title=title or text[:20],
                   published_at=(NOW - timedelta(hours=hours_ago)).isoformat(timespec="seconds"))


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "newsmon.db")
    yield s
    s.close()


def config(url, tmp_path, **delivery):
    cfg = AlertConfig(path=tmp_path / "alerts.yaml")
    cfg.channels["hook"] = Channel("hook", "webhook", {"url": url})
    cfg.rules.append(Rule(name="reform", query="營商環境 AND (印發 OR 出台)", notify=["hook"]))
    cfg.retry_base = delivery.get("retry_base", 0.2)
    return cfg


def test_one_alert_per_story_and_reposts_do_not_alert_again(store, tmp_path):
    with Receiver() as r:
        cfg = config(r.url, tmp_path)
        save(store, [art("city", RELEASE), art("other", OTHER)], data_dir=tmp_path)
        assert evaluate(store, tmp_path, cfg) == 1
        deliver_due(tmp_path, cfg)
        assert [q["body"]["article"]["id"] for q in r.requests] == ["city"]
        body = r.requests[0]["body"]
        assert body["rule"] == "reform" and body["story"]["id"] == "city"
        assert set(body["article"]) == {"id", "url", "title", "source", "published_at", "snippet"}
        assert "<mark>" not in body["article"]["snippet"] and "营商环境" in body["article"]["snippet"]
        # the same release found later on the provincial portal, in traditional script
        save(store, [art("prov", "湖北日報訊 " + to_traditional(RELEASE), source="hubei")], data_dir=tmp_path)
        assert evaluate(store, tmp_path, cfg) == 0
        # a different announcement alerts
        save(store, [art("second", SECOND, source="hubei")], data_dir=tmp_path)
        assert evaluate(store, tmp_path, cfg) == 1
        deliver_due(tmp_path, cfg)
        assert [q["body"]["article"]["id"] for q in r.requests] == ["city", "second"]
    matches = last_matches(tmp_path, "reform")
    assert {m["article_id"]: m["alerted"] for m in matches} == {"city": True, "prov": False, "second": True}


def test_reposts_in_one_batch_alert_once_with_the_earliest_published_copy(store, tmp_path):
    with Receiver() as r:
        cfg = config(r.url, tmp_path)
        save(store, [art("late", RELEASE, hours_ago=1), art("early", "江華縣訊 " + RELEASE, source="jh", hours_ago=5)],
             data_dir=tmp_path)
        assert evaluate(store, tmp_path, cfg) == 1
        deliver_due(tmp_path, cfg)
        (req,) = r.requests
        assert req["body"]["article"]["id"] == "early"
        assert {s["source"] for s in req["body"]["story"]["sources"]} == {"wuhan", "jh"}


def test_checkpoint_is_by_ingest_time_so_a_late_crawl_is_not_missed(store, tmp_path):
    cfg = config("http://127.0.0.1:9/", tmp_path)
    save(store, [art("a", OTHER)], data_dir=tmp_path)
    evaluate(store, tmp_path, cfg)
    # stored now, published two days ago (a late crawl): still inside max_age, alerts
    save(store, [art("late", RELEASE, hours_ago=48)], data_dir=tmp_path)
    assert evaluate(store, tmp_path, cfg) == 1
    # but a back-catalogue page from last year does not
    save(store, [art("old", SECOND, hours_ago=24 * 400)], data_dir=tmp_path)
    assert evaluate(store, tmp_path, cfg) == 0
    assert {m["article_id"]: m["alerted"] for m in last_matches(tmp_path)}["old"] is False


def test_failed_delivery_is_retried_with_backoff_and_sent_once(store, tmp_path):
    with Receiver(answers=[(500, {}), (502, {})]) as r:
        cfg = config(r.url, tmp_path, retry_base=0.2)
        save(store, [art("city", RELEASE)], data_dir=tmp_path)
        evaluate(store, tmp_path, cfg)
        assert deliver_due(tmp_path, cfg) == {"sent": 0, "failed": 1}
        assert deliver_due(tmp_path, cfg) == {"sent": 0, "failed": 0}  # not due yet
        assert outbox_status(tmp_path)["failing"] == 1
        deadline = time.time() + 5
        while not r.requests and time.time() < deadline:
            deliver_due(tmp_path, cfg)
            time.sleep(0.05)
        assert len(r.requests) == 1 and r.refused == 2
        deliver_due(tmp_path, cfg)
        assert len(r.requests) == 1
        assert outbox_status(tmp_path)["pending"] == 0


def test_queued_alerts_survive_a_restart_and_evaluation_is_not_repeated(store, tmp_path):
    cfg = config("http://127.0.0.1:9/", tmp_path)  # nothing listens: stays queued
    save(store, [art("city", RELEASE)], data_dir=tmp_path)
    assert evaluate(store, tmp_path, cfg) == 1
    deliver_due(tmp_path, cfg)
    # "restart": a new process would open the same state; re-evaluating queues nothing more
    assert evaluate(store, tmp_path, cfg) == 0
    assert outbox_status(tmp_path)["pending"] == 1
    with Receiver() as r:
        cfg2 = config(r.url, tmp_path)
        conn_time = time.time() + 3600
        deliver_due(tmp_path, cfg2, now=conn_time)
        assert [q["body"]["article"]["id"] for q in r.requests] == ["city"]


def test_dry_run_shows_matches_and_writes_nothing(store, tmp_path):
    cfg = config("http://127.0.0.1:9/", tmp_path)
    save(store, [art("city", RELEASE), art("prov", to_traditional(RELEASE), source="hubei")], data_dir=tmp_path)
    results = evaluate_rule(store, tmp_path, cfg.rules[0], dry_run=True)
    assert sorted(r["alert"] for r in results) == [False, True]
    assert outbox_status(tmp_path)["pending"] == 0 and last_matches(tmp_path) == []


def test_rule_sources_limit_what_it_sees(store, tmp_path):
    cfg = config("http://127.0.0.1:9/", tmp_path)
    cfg.rules[0].sources = ["hubei"]
    save(store, [art("city", RELEASE, source="wuhan")], data_dir=tmp_path)
    assert evaluate(store, tmp_path, cfg) == 0


def test_config_errors_name_file_line_and_key(tmp_path):
    from pipeline.errors import ConfigError

    path = tmp_path / "alerts.yaml"
    path.write_text("channels:\n  a: {type: webhook, url: 'http://x/'}\nrules:\n  - name: r\n    query: 'x'\n"
                    "    notify: [b]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"alerts.yaml:6: rules\[0\].notify: unknown channel 'b'"):
        parse_alerts(load_yaml(path), path)
    path.write_text("channels:\n  a: {type: telegram}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"alerts.yaml:2: channels.a.type"):
        parse_alerts(load_yaml(path), path)
    path.write_text("rules:\n  - name: r\n    query: '(x'\n    notify: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"alerts.yaml:3: rules\[0\].query"):
        parse_alerts(load_yaml(path), path)
    path.write_text("channels:\n  a: {type: file, path: x}\nrules:\n  - name: r\n    query: x\n    notify: [a]\n"
                    "    attachments: sometimes\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"alerts.yaml:7: rules\[0\].attachments: 'sometimes': expected true or false"):
        parse_alerts(load_yaml(path), path)


def test_default_reform_rule_matches_both_scripts(store, tmp_path):
    from pipeline.alerts.rules import DEFAULT_RULE

    path = tmp_path / "alerts.yaml"
    path.write_text("channels:\n  log: {type: file, path: a.jsonl}\n", encoding="utf-8")
    cfg = parse_alerts(load_yaml(path), path)
    assert cfg.rules[0].name == DEFAULT_RULE["name"] and cfg.rules[0].notify == ["log"]
    save(store, [art("s", RELEASE), art("t", to_traditional(SECOND), source="hubei"), art("o", OTHER)],
         data_dir=tmp_path)
    assert evaluate(store, tmp_path, cfg) == 2
    deliver_due(tmp_path, cfg)
    lines = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(x["article"]["id"] for x in lines) == ["s", "t"]
    path.write_text("default_rule: false\nchannels:\n  log: {type: file, path: a.jsonl}\n", encoding="utf-8")
    assert parse_alerts(load_yaml(path), path).rules == []


def test_a_rule_fires_on_words_a_left_run_hit(store, tmp_path):
    """A rule for words the damage hit still alerts: the run's likeliest reading is indexed
    (``pipeline.leftruns``); the article delivered is the text as it arrived."""
    from repost_case import left_report

    report = left_report()
    report.published_at = (NOW - timedelta(hours=1)).isoformat(timespec="seconds")
    assert "企業開辦" not in report.text
    with Receiver() as r:
        cfg = AlertConfig(path=tmp_path / "alerts.yaml")
        cfg.channels["hook"] = Channel("hook", "webhook", {"url": r.url})
        cfg.rules.append(Rule(name="opening", query="企業開辦", notify=["hook"]))
        save(store, [report, art("other", OTHER)], data_dir=tmp_path)
        assert evaluate(store, tmp_path, cfg) == 1
        deliver_due(tmp_path, cfg)
        assert [q["body"]["article"]["id"] for q in r.requests] == ["report"]
        # the message says what it was found through: the text shown does not hold the words
        payload = r.requests[0]["body"]
        assert payload["article"]["guessed"] == ["一網通辦”,企業開辦時間壓縮至一個"]
        assert "企業開辦" not in payload["article"]["snippet"]
        _, text = render_text(payload)
        assert text.splitlines()[-1] == ("found through a guessed reading of damaged text: "
                                         "一網通辦”,企業開辦時間壓縮至一個")


def test_messages_link_the_article_on_the_editors_page_when_web_url_is_set(store, tmp_path):
    with Receiver() as r:
        cfg = config(r.url, tmp_path)
        cfg.channels["log"] = Channel("log", "file", {"path": "alerts.jsonl"})
        cfg.rules[0].notify.append("log")
        cfg.web_url = "https://newsroom.example/newsmon"
        save(store, [art("city/1", RELEASE)], data_dir=tmp_path)
        assert evaluate(store, tmp_path, cfg) == 1
        deliver_due(tmp_path, cfg)
        link = "https://newsroom.example/newsmon/articles/city%2F1"
        assert r.requests[0]["body"]["article"]["newsmon_url"] == link
        logged = json.loads((tmp_path / "alerts.jsonl").read_text(encoding="utf-8"))
        assert logged["article"]["newsmon_url"] == link
        _, body = render_text(logged)
        assert f"on newsmon: {link}" in body.splitlines()


def test_web_url_must_be_an_http_address(tmp_path):
    from pipeline.errors import ConfigError

    path = tmp_path / "alerts.yaml"
    path.write_text("web_url: http://newsroom.example:8080/\n", encoding="utf-8")
    assert parse_alerts(load_yaml(path), path).web_url == "http://newsroom.example:8080"
    for bad in ("javascript:alert(1)", "newsroom.example", "[a, b]"):
        path.write_text(f"rules: []\nweb_url: {bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=r"alerts.yaml:2: web_url: expected the editors' page"):
            parse_alerts(load_yaml(path), path)


def test_an_alert_links_the_files_the_notice_attaches(store, tmp_path):
    files = [{"url": f"http://wuhan.test/fj/{i}.pdf", "title": f"附件{i}：行动方案第{i}部分"} for i in range(7)]
    notice = art("city", RELEASE)
    notice.attachments = files
    with Receiver() as r:
        cfg = config(r.url, tmp_path)
        save(store, [notice, art("plain", SECOND, source="hubei")], data_dir=tmp_path)
        assert evaluate(store, tmp_path, cfg) == 2
        deliver_due(tmp_path, cfg)
        bodies = {q["body"]["article"]["id"]: q["body"] for q in r.requests}
    assert bodies["city"]["article"]["attachments"] == files
    assert "attachments" not in bodies["plain"]["article"]  # the payload's shape is unchanged without
    _, text = render_text(bodies["city"])
    assert "attachment: 附件0：行动方案第0部分 http://wuhan.test/fj/0.pdf" in text.splitlines()
    assert text.count("attachment: ") == 5 and "… and 2 more attachments, on the article page" in text
    assert "attachment" not in render_text(bodies["plain"])[1]


def test_a_rule_fires_on_words_only_an_attachment_holds_and_says_so(store, tmp_path):
    cover = art("cover", "市营商环境建设领导小组办公室发布通知，请各区各部门认真贯彻执行。")
    cover.attachments = [{"url": "http://wuhan.test/fj/plan.pdf", "title": "行动方案",
                          "text": "关于印发《优化营商环境三年行动方案》的通知\n各区人民政府："}]
    with Receiver() as r:
        cfg = config(r.url, tmp_path)
        save(store, [cover], data_dir=tmp_path)
        assert evaluate(store, tmp_path, cfg) == 1
        deliver_due(tmp_path, cfg)
        (req,) = r.requests
    article = req["body"]["article"]
    (found,) = article["attached"]
    assert found.startswith("行动方案: 关于印发《优化营商环境三年行动方案》") and found.endswith("…")
    assert article["attachments"] == [{"url": "http://wuhan.test/fj/plan.pdf", "title": "行动方案",
                                       "chars": len(cover.attachments[0]["text"])}]
    assert "found in an attachment: 行动方案: 关于印发" in render_text(req["body"])[1]


def test_a_rule_may_leave_the_attachments_out_and_the_builtin_reform_rule_does(store, tmp_path):
    cover = art("cover", "市营商环境建设领导小组办公室发布通知，请各区各部门认真贯彻执行。")
    cover.attachments = [{"url": "http://wuhan.test/fj/plan.pdf", "title": "行动方案",
                          "text": "关于印发《优化营商环境三年行动方案》的通知"}]
    save(store, [cover], data_dir=tmp_path)
    cfg = config("http://127.0.0.1:9/unused", tmp_path)
    cfg.rules[0].attachments = False
    assert evaluate_rule(store, tmp_path, cfg.rules[0], dry_run=True) == []
    cfg.rules[0].attachments = True
    assert [m["hit"].article.id for m in evaluate_rule(store, tmp_path, cfg.rules[0], dry_run=True)] == ["cover"]
    yaml = tmp_path / "alerts.yaml"
    yaml.write_text("channels:\n  log: {type: file, path: a.jsonl}\nrules:\n"
                    "  - {name: mine, query: 营商环境, notify: [log], attachments: false}\n", encoding="utf-8")
    parsed = {r.name: r for r in parse_alerts(load_yaml(yaml), yaml).rules}
    assert parsed["reform"].builtin and parsed["reform"].attachments is False
    assert parsed["mine"].attachments is False
