"""config/settings.yaml: a misspelt key is an error naming its line, never a setting silently
not applied (an Elasticsearch password that never reaches the client, a crawl contact unset)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.settings import load_settings

REPO = Path(__file__).resolve().parents[2]


def write(folder: Path, text: str) -> Path:
    (folder / "settings.yaml").write_text(text, encoding="utf-8")
    return folder


def test_every_documented_key_is_accepted(tmp_path):
    s = load_settings(write(tmp_path, """\
index:
  backend: elasticsearch
  url: http://127.0.0.1:9200
  username: newsmon
  password: ${NEWSMON_ES_PASSWORD}
  api_key: ${NEWSMON_ES_API_KEY}
  timeout: 10
  ca_certs: /etc/ssl/ca.pem
  verify_certs: true
  plain_json: false
  prefix: desk
  retries: 2
  backoff: 0.5
  retry_interval: 30
  refresh: wait_for
  ilm: auto
  rollover: {max_age: 30d}
  auto_setup: true
kibana:
  url: http://127.0.0.1:5601
  username: newsmon
  password: ${NEWSMON_KIBANA_PASSWORD}
  api_key: x
  verify_certs: false
crawl:
  contact: mailto:ops@example.org
"""))
    assert s["index"]["prefix"] == "desk" and s["kibana"]["verify_certs"] is False
    assert s["crawl"]["contact"] == "mailto:ops@example.org"
    # an absent file or an empty section is the defaults
    assert load_settings(tmp_path / "none")["index"] == {"backend": "sqlite"}
    assert load_settings(write(tmp_path, "index:\n"))["index"] == {"backend": "sqlite"}


@pytest.mark.parametrize("yaml, message", [
    ("index:\n  backend: elasticsearch\n  ulr: http://x\n", "settings.yaml:3: index.ulr: unknown key"),
    ("kibana:\n  url: http://x\n  pasword: x\n", "settings.yaml:3: kibana.pasword: unknown key"),
    ("crawl:\n  polite: false\nindx:\n  backend: sqlite\n", "settings.yaml:3: indx: unknown section"),
    ("index: sqlite\n", "settings.yaml:1: index: expected a mapping"),
])
def test_a_misspelt_key_names_file_line_and_key(tmp_path, yaml, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        load_settings(write(tmp_path, yaml))


def test_the_daemon_will_not_start_on_a_bad_crawl_setting(tmp_path):
    """Every crawl child would fail on it, one log line each, all night."""
    from pipeline.cli.context import Context
    from pipeline.daemon.service import Daemon

    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    write(config, "crawl:\n  polit: false\n")
    with pytest.raises(ConfigError, match=r"settings\.yaml:2: crawl\.polit: unknown key"):
        Daemon(Context(config, tmp_path / "data"))
    write(config, "crawl:\n  polite: false\n")
    (config / "topics.yaml").write_text("topics: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"topics\.yaml:2: invalid YAML"):
        Daemon(Context(config, tmp_path / "data"))
    shutil.copy(REPO / "config" / "topics.yaml", config / "topics.yaml")
    assert Daemon(Context(config, tmp_path / "data")).sources
