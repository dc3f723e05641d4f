"""deploy/systemd as systemd and newsmon read it: systemd-analyze finds no mistake in any unit
(with the checkout standing in for /srv/newsmon), and every newsmon command they run parses."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.cli.main import build_parser

REPO = Path(__file__).resolve().parents[1]
UNITS = sorted((REPO / "deploy" / "systemd").glob("newsmon*.*"))


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_systemd_finds_no_mistake_in_the_unit(path, tmp_path):
    # /srv/newsmon is where the docs install newsmon; here the checkout (and its .venv) stands in
    text = path.read_text(encoding="utf-8").replace("/srv/newsmon", str(REPO))
    for other in UNITS:  # a timer is verified beside the service it starts
        (tmp_path / other.name).write_text(other.read_text(encoding="utf-8").replace("/srv/newsmon", str(REPO)),
                                           encoding="utf-8")
    (tmp_path / path.name).write_text(text, encoding="utf-8")
    proc = subprocess.run(["systemd-analyze", "verify", "--man=no", str(tmp_path / path.name)],
                          capture_output=True, text=True, timeout=60)
    problems = [line for line in (proc.stdout + proc.stderr).splitlines() if path.stem in line or "Unknown" in line
                or "Failed" in line]
    assert proc.returncode == 0 and not problems, proc.stdout + proc.stderr


def test_every_newsmon_command_a_unit_runs_parses():
    parser = build_parser()
    commands = []
    for path in UNITS:
        if path.suffix != ".service":
            continue
        line = unit(path)["Service"]["ExecStart"]
        words = shlex.split(line)
        if words[:2] == ["/bin/sh", "-c"]:
            words = shlex.split(words[2].split("&&")[0].replace("$(date +%%F)", "2026-12-06"))
        assert words[0] == "/srv/newsmon/.venv/bin/newsmon", path.name
        parser.parse_args(words[1:])  # exits (SystemExit) on a verb or flag newsmon lacks
        commands.append(words[1])
    assert sorted(commands) == ["backup", "run", "status"]


def test_the_daemon_unit_stops_within_its_timeout_and_does_not_restart_on_a_config_error():
    service = unit(REPO / "deploy" / "systemd" / "newsmon.service")["Service"]
    assert service["KillSignal"] == "SIGTERM" and int(service["TimeoutStopSec"]) > 10  # newsmon exits within 10 s
    assert service["RestartPreventExitStatus"] == "2"  # newsmon's exit status for a config or usage error
    writable = service["ReadWritePaths"].split()
    # configparser keeps only the last of repeated keys: read the Environment= lines as written
    text = (REPO / "deploy" / "systemd" / "newsmon.service").read_text(encoding="utf-8")
    env = dict(line.removeprefix("Environment=").split("=", 1) for line in text.splitlines()
               if line.startswith("Environment="))
    # ProtectSystem=strict: whatever newsmon writes must be listed
    assert env["NEWSMON_DATA"] in writable and env["NEWSMON_CACHE"] in writable
