"""Repair models are built once per machine: concurrent processes wait for the first."""

from __future__ import annotations

import json
import multiprocessing as mp
import time
from pathlib import Path

from pipeline.repair.modelcache import load_or_build


def _read(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, data) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")


def _load(args):
    path, log = args

    def build():
        with open(log, "a", encoding="utf-8") as fh:
            fh.write("built\n")
        time.sleep(0.5)  # long enough for the others to arrive while it builds
        return {"table": [1, 2, 3]}

    return load_or_build(Path(path), _read, build, _write)


def test_concurrent_processes_build_once_and_all_get_the_table(tmp_path):
    path, log = tmp_path / "cache" / "model.json", tmp_path / "builds.log"
    with mp.get_context("spawn").Pool(3) as pool:
        got = pool.map(_load, [(str(path), str(log))] * 3)
    assert got == [{"table": [1, 2, 3]}] * 3
    assert log.read_text(encoding="utf-8").splitlines() == ["built"]
    assert _read(path) == {"table": [1, 2, 3]}


def test_a_broken_cache_file_is_rebuilt(tmp_path):
    path, log = tmp_path / "model.json", tmp_path / "builds.log"
    path.write_text("{half a fi", encoding="utf-8")
    assert _load((str(path), str(log))) == {"table": [1, 2, 3]}
    assert _read(path) == {"table": [1, 2, 3]}


def test_an_unwritable_cache_folder_still_gives_the_model(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("", encoding="utf-8")
    log = tmp_path / "builds.log"
    assert _load((str(blocker / "model.json"), str(log))) == {"table": [1, 2, 3]}
