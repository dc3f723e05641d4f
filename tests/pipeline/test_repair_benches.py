"""The repair's diagnostic benches still run to their report.

Why: benches are run by hand, so nothing ran ``bench/readings.py`` when a change gave the
repair's scored readings a fifth field, and it failed for a session unnoticed. These run
each bench on a handful of cases (no figure is asserted: figures belong to the benches).
"""

from __future__ import annotations

import subprocess
import sys

from tests.pipeline.repair_shared import CWCED, REPO, need


def _bench(*args: str) -> str:
    need(CWCED / "cleaned")
    got = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True,
                         text=True, timeout=900)
    assert got.returncode == 0, got.stderr[-3000:]
    return got.stdout


def test_the_readings_bench_judges_every_run_it_damages():
    out = _bench("bench/readings.py", "--trials", "6", "--jobs", "1")
    assert "== 6 runs ==" in out
    assert "the original as the best reading" in out
    assert "best reading right, run not repaired exactly: what held it" in out


def test_the_first_character_bench_ranks_its_hidden_characters():
    out = _bench("bench/first_char.py", "--cases", "12")
    assert "12 hidden characters" in out
    assert "word + 0.5 x character" in out


def test_the_instruction_bench_counts_the_repair_of_its_runs():
    import re
    import shutil

    import pytest

    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        pytest.skip("no valgrind (Debian's valgrind package)")
    out = _bench("bench/instructions.py", "--runs", "1")
    assert "1 damaged runs (seed 77)" in out
    per_run = re.search(r"([\d,.]+) million per damaged run", out)
    assert per_run and float(per_run.group(1).replace(",", "")) > 1.0, out


def test_the_instruction_bench_says_in_one_line_that_it_needs_valgrind():
    import os

    got = subprocess.run([sys.executable, "bench/instructions.py", "--runs", "1"], cwd=REPO,
                         capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PATH="/nonexistent"))
    assert got.returncode == 2
    assert got.stderr.strip() == ("bench/instructions.py: needs valgrind "
                                  "(Debian: apt-get install valgrind)")
