"""`newsmon alerts list|test` and silence warnings, through the CLI entry point."""

import csv
import io
import json
import re
import time
from datetime import datetime, timedelta, timezone

from pipeline.alerts import deliver_due, evaluate, outbox_status, raise_silence_alerts, silence_warnings
from pipeline.alerts.rules import load_alerts
from pipeline.cli.main import main
from pipeline.crawlstate import record_run
from pipeline.model import Article
from pipeline.sources import load_sources
from pipeline.statedb import open_state
from pipeline.store.sqlite import SQLiteStore
from pipeline.storing import save

RELEASE = ("为进一步优化营商环境，市人民政府近日印发《优化营商环境三年行动方案》，提出到2025年，"
           "企业开办时间压缩至1个工作日以内，方案明确了政务服务、市场监管、要素保障等五个方面重点任务。")


def setup(tmp_path):
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "sources.yaml").write_text(
        "sources:\n  - {name: city, title: City, urls: ['http://127.0.0.1:9/list'], every: 10m}\n"
        "  - {name: prov, title: Prov, urls: ['http://127.0.0.1:9/list'], every: 1h}\n", encoding="utf-8")
    (cfg / "alerts.yaml").write_text(
        "channels:\n  log: {type: file, path: alerts.jsonl}\n"
        "  ding: {type: dingtalk, url: 'https://oapi.dingtalk.com/robot/send?access_token=${TOKEN_X}',"
        " secret: '${SECRET_X}'}\n"
        "rules:\n  - name: reform\n    query: '營商環境 AND 印發'\n    notify: [log]\n"
        "silence:\n  after: 3\n  failures: 2\n  notify: [log]\n", encoding="utf-8")
    return cfg, tmp_path / "data"


def test_alerts_list_shows_rules_without_secrets(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TOKEN_X", "tok-secret-value")
    cfg, data = setup(tmp_path)
    assert main(["--config", str(cfg), "--data-dir", str(data), "alerts", "list"]) == 0
    out = capsys.readouterr().out
    assert "reform: 營商環境 AND 印發" in out and "ding: dingtalk (signed)" in out
    assert "tok-secret-value" not in out and "access_token" not in out


def test_alerts_test_shows_what_would_fire_and_sends_nothing(tmp_path, capsys):
    cfg, data = setup(tmp_path)
    store = SQLiteStore(data / "newsmon.db")
    now = datetime.now(timezone.utc).isoformat()
    save(store, [Article(id="x1", text=RELEASE, title="印發方案", source="city", published_at=now, url="http://c/x1"),
                 Article(id="x2", text="來源：省政府網 " + RELEASE, title="轉載", source="prov", published_at=now)],
         data_dir=data)
    store.close()
    assert main(["--config", str(cfg), "--data-dir", str(data), "alerts", "test", "reform"]) == 0
    out = capsys.readouterr().out
    assert "2 matching articles" in out and "1 would alert log" in out and "ALERT" in out
    assert not (data / "alerts.jsonl").exists() and outbox_status(data)["pending"] == 0
    assert main(["--config", str(cfg), "--data-dir", str(data), "alerts", "test", "reform", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert sorted(r["would_alert"] for r in rows) == [False, True]
    assert main(["--config", str(cfg), "--data-dir", str(data), "alerts", "test", "nope"]) == 2
    assert "unknown rule 'nope'" in capsys.readouterr().err


def test_bad_alerts_yaml_is_one_line_with_file_and_line(tmp_path, capsys):
    cfg, data = setup(tmp_path)
    (cfg / "alerts.yaml").write_text("channels:\n  ding: {type: dingtalk, url: x, secret: ${S}}\n", encoding="utf-8")
    assert main(["--config", str(cfg), "--data-dir", str(data), "alerts", "list"]) == 2
    err = capsys.readouterr().err
    assert "alerts.yaml:2" in err and "quotes" in err and "Traceback" not in err


def _iso(hours_ago):
    return (datetime.now(timezone.utc) - timedelta(hours=hours_ago)).isoformat(timespec="seconds")


def test_silence_and_failure_warnings_alert_once_per_episode(tmp_path):
    cfg_dir, data = setup(tmp_path)
    cfg = load_alerts(cfg_dir)
    sources = load_sources(cfg_dir)
    conn = open_state(data)
    # city (every 10m): new articles 2 h ago, quiet since → silent (2 h > 3 × 10 m)
    record_run(conn, "city", _iso(2), _iso(2), 3, 2, 0, 0, False)
    record_run(conn, "city", _iso(0.1), _iso(0.1), 1, 0, 1, 0, False)
    # prov (every 1h): found something 1 h ago, but the last two crawls failed → failing
    record_run(conn, "prov", _iso(1), _iso(1), 3, 1, 0, 0, False)
    record_run(conn, "prov", _iso(0.5), _iso(0.5), 1, 0, 0, 2, False, "HTTP 500")
    record_run(conn, "prov", _iso(0.2), _iso(0.2), 1, 0, 0, 1, True, "412")
    conn.close()
    warnings = {w["source"]: w for w in silence_warnings(data, cfg=cfg, sources=sources)}
    assert warnings["city"]["kind"] == "silent" and "no new article" in warnings["city"]["message"]
    assert warnings["prov"]["kind"] == "blocked" and warnings["prov"]["failing_runs"] == 2
    assert raise_silence_alerts(data, cfg, list(warnings.values())) == 2
    assert raise_silence_alerts(data, cfg, list(warnings.values())) == 0  # same episode: once
    assert outbox_status(data)["pending"] == 2
    # city recovers, then goes quiet again later: a new episode alerts again
    assert raise_silence_alerts(data, cfg, [warnings["prov"]]) == 0
    assert raise_silence_alerts(data, cfg, list(warnings.values())) == 1


def test_status_lists_sources_and_outbox(tmp_path, capsys):
    cfg, data = setup(tmp_path)
    conn = open_state(data)
    record_run(conn, "city", _iso(0.1), _iso(0.1), 3, 2, 0, 1, False)
    conn.close()
    assert main(["--config", str(cfg), "--data-dir", str(data), "status"]) == 0
    out = capsys.readouterr().out
    assert "daemon: not running" in out and "city" in out and "outbox: 0 pending" in out
    assert main(["--config", str(cfg), "--data-dir", str(data), "status", "--json"]) == 0
    data_json = json.loads(capsys.readouterr().out)
    city = next(r for r in data_json["sources"] if r["source"] == "city")
    assert city["errors"] == 1 and city["last_new_at"] is not None
    assert data_json["daemon"]["running"] is False


def test_status_table_keeps_its_columns_with_a_source_switched_off(tmp_path, capsys):
    from pathlib import Path

    config = Path(__file__).resolve().parents[2] / "config"  # the shipped sources: one is off
    assert main(["--config", str(config), "--data-dir", str(tmp_path), "status"]) == 0
    table = capsys.readouterr().out.split("\n\n", 1)[1].splitlines()
    rows = [line for line in table[1:] if line and not line.startswith(" ")]
    assert any(" (off) " in line for line in rows)
    ends = {line.index("never") for line in rows if "never" in line} | {table[0].index("last crawl")}
    assert len(ends) == 1, table


def test_status_check_prints_each_problem_and_fails(tmp_path, capsys):
    cfg, data = setup(tmp_path)
    conn = open_state(data)
    # city (every 10m) found nothing for 2 hours: silent
    record_run(conn, "city", _iso(2), _iso(2), 3, 2, 0, 0, False)
    record_run(conn, "city", _iso(0.1), _iso(0.1), 1, 0, 1, 0, False)
    conn.close()
    alerts = load_alerts(cfg)
    warnings = silence_warnings(data, cfg=alerts, sources=load_sources(cfg))
    raise_silence_alerts(data, alerts, warnings)
    deliver_due(data, alerts)  # to the file channel: sent
    assert main(["--config", str(cfg), "--data-dir", str(data), "status", "--check"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "daemon: not running"
    assert lines[1].startswith("source city: ") and "no new article" in lines[1]
    assert len(lines) == 2
    assert main(["--config", str(cfg), "--data-dir", str(data), "status", "--check", "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == {"ok": False, "problems": lines}


def test_status_of_a_folder_that_is_not_there_is_a_one_line_error_and_creates_nothing(tmp_path, capsys):
    cfg, _ = setup(tmp_path)
    typo = tmp_path / "dtaa"
    for check in ([], ["--check"]):
        assert main(["--config", str(cfg), "--data-dir", str(typo), "status", *check]) == 2
        err = capsys.readouterr().err.strip()
        assert err == f"newsmon: error: {typo}: no data folder here (nothing has run with it; --data-dir or NEWSMON_DATA)"
    assert not typo.exists()


def test_status_check_is_silent_when_all_is_well_and_sees_a_stuck_daemon(tmp_path, capsys):
    from pipeline.daemon import state as dstate
    from pipeline.daemon.service import DaemonLock

    cfg, data = setup(tmp_path)
    conn = open_state(data)
    for source in ("city", "prov"):
        record_run(conn, source, _iso(0.05), _iso(0.05), 3, 1, 0, 0, False)
    conn.close()
    lock = DaemonLock(data)
    lock.acquire()
    try:
        conn = dstate.open_daemon_state(data)
        dstate.heartbeat(conn, started=time.time())
        assert main(["--config", str(cfg), "--data-dir", str(data), "status", "--check"]) == 0
        assert capsys.readouterr().out == ""
        dstate.heartbeat(conn, heartbeat=time.time() - 600)
        conn.close()
        assert main(["--config", str(cfg), "--data-dir", str(data), "status", "--check"]) == 1
        out = capsys.readouterr().out
        assert re.match(r"daemon: running \(pid \d+\) but no heartbeat for 6\d\d s\n$", out)
    finally:
        lock.release()
    # an alert that cannot be sent is a problem too
    (cfg / "alerts.yaml").write_text(
        "channels:\n  hook: {type: webhook, url: 'http://127.0.0.1:9/hook'}\n"
        "rules:\n  - name: reform\n    query: '營商環境 AND 印發'\n    notify: [hook]\n", encoding="utf-8")
    store = SQLiteStore(data / "newsmon.db")
    save(store, [Article(id="x1", text=RELEASE, title="印發方案", source="city",
                         published_at=datetime.now(timezone.utc).isoformat(), url="http://c/x1")], data_dir=data)
    alerts = load_alerts(cfg)
    evaluate(store, data, alerts)
    store.close()
    deliver_due(data, alerts)
    assert main(["--config", str(cfg), "--data-dir", str(data), "status", "--check"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "daemon: not running"
    assert out[1].startswith("alerts: 1 message failing to send; last error: ")


def test_search_flags_what_an_alert_rule_matched(tmp_path, capsys):
    cfg, data = setup(tmp_path)
    store = SQLiteStore(data / "newsmon.db")
    now = datetime.now(timezone.utc).isoformat()
    save(store, [Article(id="x1", text=RELEASE, title="印發方案", source="city", published_at=now, url="http://c/x1"),
                 Article(id="x2", text="營商環境座談會召開。", title="座談會", source="city", published_at=now)],
         data_dir=data)
    evaluate(store, data, load_alerts(cfg))
    store.close()
    assert main(["--config", str(cfg), "--data-dir", str(data), "search", "營商環境 source:city", "--json"]) == 0
    assert {h["id"]: h["flags"] for h in json.loads(capsys.readouterr().out)} == {"x1": ["reform"], "x2": []}
    assert main(["--config", str(cfg), "--data-dir", str(data), "search", "營商環境"]) == 0
    out = capsys.readouterr().out
    assert "[city]  <reform> 印發方案" in out and "[city]  座談會" in out
    assert main(["--config", str(cfg), "--data-dir", str(data), "search", "營商環境 source:city", "--csv"]) == 0
    rows = {r["id"]: r["flags"] for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert rows == {"x1": "reform", "x2": ""}
