"""docker-compose.yml as newsmon will read it: no Docker engine here, so what can be checked
without one is checked: the commands each service runs get the settings they refuse to run
without, and every variable the file requires is in .env.example."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from pipeline.cli.main import build_parser

REPO = Path(__file__).resolve().parents[1]


def services() -> dict:
    # PyYAML's safe loader applies the "<<" merge keys the file uses, as compose does
    return yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def newsmon_commands() -> dict[str, list[str]]:
    return {name: s["command"] for name, s in services().items()
            if isinstance(s.get("command"), list) and s["command"][:1] == ["newsmon"]}


def test_every_newsmon_command_in_compose_parses():
    parser = build_parser()
    commands = newsmon_commands()
    assert {"newsmon", "web", "newsmon-setup", "kibana-import"} <= set(commands)
    for name, cmd in commands.items():
        parser.parse_args(cmd[1:])  # exits (SystemExit) on a verb or flag newsmon lacks


def test_a_web_page_served_beyond_loopback_gets_its_access_token():
    for name, cmd in newsmon_commands().items():
        if cmd[1] == "serve" and "--host" in cmd and cmd[cmd.index("--host") + 1] not in (
                "127.0.0.1", "localhost", "::1"):
            env = services()[name].get("environment") or {}
            assert "NEWSMON_WEB_TOKEN" in env, f"{name}: newsmon serve refuses to start without it"
            assert "NEWSMON_ES_URL" in env, f"{name}: would read an empty SQLite index, not the cluster"


def test_the_services_that_use_the_index_reach_the_cluster():
    for name in ("newsmon", "newsmon-setup", "web"):
        env = services()[name]["environment"]
        assert env["NEWSMON_ES_URL"] == "http://es01:9200"
        assert env["NEWSMON_ES_USERNAME"] == "newsmon"


def test_every_variable_compose_requires_is_in_env_example():
    text = (REPO / "docker-compose.yml").read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{([A-Z_]+):\?", text))
    example = {line.split("=", 1)[0] for line in
               (REPO / ".env.example").read_text(encoding="utf-8").splitlines()
               if "=" in line and not line.lstrip().startswith("#")}
    assert {"NEWSMON_ES_PASSWORD", "NEWSMON_WEB_TOKEN"} <= required
    assert required <= example, required - example
