"""`newsmon run --check-config`: the checks a start makes, without starting (before a reload)."""

from pipeline.cli.main import main


def config(tmp_path, sources: str, alerts: str = "") -> str:
    cfg = tmp_path / "config"
    cfg.mkdir(exist_ok=True)
    (cfg / "sources.yaml").write_text(sources, encoding="utf-8")
    (cfg / "alerts.yaml").write_text(alerts or "channels: {}\nrules: []\n", encoding="utf-8")
    return str(cfg)


SOURCES = "sources:\n  - {name: city, urls: ['http://127.0.0.1:9/'], every: 10m}\n" \
          "  - {name: spare, urls: ['http://127.0.0.1:9/'], enabled: false}\n"


def test_a_good_config_says_what_would_run_and_starts_nothing(tmp_path, capsys):
    alerts = ("channels:\n  log: {type: file, path: a.jsonl}\n"
              "rules:\n  - {name: morning, query: 營商環境, notify: [log], digest: '08:00'}\n")
    data = tmp_path / "data"
    assert main(["--config", config(tmp_path, SOURCES, alerts), "--data-dir", str(data), "run", "--check-config"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["config OK: 1 source to monitor: city every 10m",
                   "alert rules: reform, morning (digest); channels: log"]
    assert not (data / "daemon.lock").exists() and not (data / "newsmon.db").exists()


def test_a_mistake_is_one_line_with_file_line_and_key(tmp_path, capsys, monkeypatch):
    cfg = config(tmp_path, SOURCES.replace("every: 10m", "every: 10x"))
    assert main(["--config", cfg, "--data-dir", str(tmp_path / "d"), "run", "--check-config"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"newsmon: error: {cfg}/sources.yaml:2: sources[0].every") and "\n" not in err
    # a secret the alert channels need but the environment lacks
    monkeypatch.delenv("HOOK_TOKEN", raising=False)
    cfg = config(tmp_path, SOURCES, "channels:\n  hook: {type: webhook, url: 'https://x.test/h?t=${HOOK_TOKEN}'}\n")
    assert main(["--config", cfg, "--data-dir", str(tmp_path / "d"), "run", "--check-config"]) == 2
    assert "environment variable HOOK_TOKEN is not set" in capsys.readouterr().err
    # and a page served beyond loopback without its token
    monkeypatch.delenv("NEWSMON_WEB_TOKEN", raising=False)
    assert main(["--config", config(tmp_path, SOURCES), "--data-dir", str(tmp_path / "d"), "run", "--serve",
                 "--host", "0.0.0.0", "--check-config"]) == 2
    assert "NEWSMON_WEB_TOKEN" in capsys.readouterr().err
