"""`newsmon run --serve`: the daemon serves the editors' page while it monitors."""

import signal
import socket
import urllib.parse
import urllib.request

import pytest

from daemonproc import finished_crawls, wait_until
from portal import Portals, write_config

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode("utf-8")
    except OSError:
        return 0, ""


def test_run_serve_answers_searches_while_crawling_and_stops_cleanly(tmp_path, daemons):
    port = free_port()
    with Portals() as p:
        p.publish_filler("city", 0)
        write_config(tmp_path / "config", p, "http://127.0.0.1:9/hook", every="1h")
        d = daemons("--serve", "--port", str(port))
        base = f"http://127.0.0.1:{port}"
        assert wait_until(lambda: fetch(base + "/")[0] == 200, 60), d.output()
        assert wait_until(lambda: "city" in finished_crawls(tmp_path / "data"), 60), d.output()
        # the seed baseline, loaded by the daemon, is searchable from the page in simplified script
        assert wait_until(lambda: "漢陽" in fetch(base + "/search?q=" + urllib.parse.quote("汉阳"))[1], 60), d.output()
        elapsed = d.stop(signal.SIGTERM)
        assert d.proc.returncode == 0 and elapsed < 10, d.output()
    assert fetch(base + "/")[0] == 0  # the page went away with the daemon
