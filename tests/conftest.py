"""Fixtures shared by every test folder: a throwaway data dir and an in-process CLI."""

from __future__ import annotations

from pathlib import Path

import pytest



@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No test reads the developer's ./data or an Elasticsearch named in the environment."""
    monkeypatch.delenv("NEWSMON_ES_URL", raising=False)
    monkeypatch.delenv("NEWSMON_DATA", raising=False)
    monkeypatch.delenv("NEWSMON_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def own_models_only():
    """The repair on its own models, the input method's off (``repair_shared.own_models``)."""
    from tests.pipeline.repair_shared import own_models

    with own_models():
        yield


@pytest.fixture
def data_dir(tmp_path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture
def cli(capsys, data_dir):
    """Run `newsmon ARGS` in-process against ``data_dir``; returns (exit code, stdout, stderr)."""
    from pipeline.cli.main import main

    def run(*args: str, data: Path | None = None):
        code = main(["--data-dir", str(data or data_dir), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run
