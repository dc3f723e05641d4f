"""`newsmon serve` as a user runs it: a real process on a free loopback port."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from pipeline.cli.main import main

REPO = Path(__file__).resolve().parents[2]
NEWSMON = Path(sys.executable).parent / "newsmon"


def test_refuses_network_bind_without_token(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("NEWSMON_WEB_TOKEN", raising=False)
    data = tmp_path / "data"
    code = main(["--data-dir", str(data), "serve", "--host", "0.0.0.0", "--port", "0"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "NEWSMON_WEB_TOKEN" in err and "Traceback" not in err
    assert not data.exists()  # refused before anything was opened or created


def test_short_token_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NEWSMON_WEB_TOKEN", "abc")
    code = main(["--data-dir", str(tmp_path / "d"), "serve", "--host", "0.0.0.0", "--port", "0"])
    assert code == 2 and "too short" in capsys.readouterr().err


def test_port_in_use_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("NEWSMON_WEB_TOKEN", raising=False)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code = main(["--data-dir", str(tmp_path / "d"), "serve", "--port", str(port)])
    err = capsys.readouterr().err
    assert code == 2 and f"cannot listen on 127.0.0.1:{port}" in err and err.count("\n") == 1
    assert not (tmp_path / "d").exists()  # refused before the index was created


@pytest.mark.skipif(not NEWSMON.exists(), reason="the newsmon script is not installed in this venv")
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_serve_process_answers_and_stops_cleanly(tmp_path, site, stop):
    config_dir, data_dir = site  # seeded (baseline included), so startup is quick
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    proc = subprocess.Popen(
        [str(NEWSMON), "--data-dir", str(data_dir), "--config", str(config_dir), "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )
    try:
        line = proc.stdout.readline()
        m = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line)
        assert m, (line, proc.stderr.read() if proc.poll() is not None else "")
        base = m.group(1)
        r = httpx.get(base + "api/search", params={"q": "营商环境"}, timeout=10)
        assert r.status_code == 200 and "trad0001" in [h["id"] for h in r.json()["hits"]]
        page = httpx.get(base, timeout=10)
        assert page.status_code == 200 and "Latest articles" in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
        proc.send_signal(stop)
        assert proc.wait(timeout=15) == 0
        assert "stopped" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_listening_socket_says_tcp():
    """asyncio turns on TCP_NODELAY for accepted connections only when the listening socket
    names IPPROTO_TCP; without it each keep-alive response stalls on a delayed ACK."""
    from pipeline.web.server import bind

    sock = bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


@pytest.mark.skipif(not NEWSMON.exists(), reason="the newsmon script is not installed in this venv")
def test_the_compose_health_check_of_the_web_service_passes_with_its_token_only(tmp_path, site):
    """docker-compose.yml's health check for `web`, run here against a real `newsmon serve`
    with a token (no Docker engine on this machine: the same command, the port changed)."""
    import yaml

    check = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))["services"]["web"]["healthcheck"]
    assert check["test"][:3] == ["CMD", "python", "-c"]
    config_dir, data_dir = site
    token = "a-token-for-the-health-check"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    proc = subprocess.Popen(
        [str(NEWSMON), "--data-dir", str(data_dir), "--config", str(config_dir), "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**env, "NEWSMON_WEB_TOKEN": token},
        cwd=tmp_path,
    )
    try:
        m = re.search(r"serving http://127\.0\.0\.1:(\d+)/", proc.stdout.readline())
        assert m, proc.stderr.read() if proc.poll() is not None else ""
        code = check["test"][3].replace("127.0.0.1:8080", f"127.0.0.1:{m.group(1)}")
        assert ":8080" in check["test"][3] and code != check["test"][3]

        def run(with_token: str):
            return subprocess.run([sys.executable, "-c", code], env={**env, "NEWSMON_WEB_TOKEN": with_token},
                                  capture_output=True, text=True, timeout=30)

        ok = run(token)
        assert ok.returncode == 0, ok.stderr
        refused = run("not-the-token-at-all")
        assert refused.returncode != 0 and "401" in refused.stderr
    finally:
        proc.kill()
        proc.wait()
