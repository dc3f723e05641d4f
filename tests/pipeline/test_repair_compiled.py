"""The compiled copies of the repair's hot modules: used only while current, same repairs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.repair import compiled
from tests.pipeline.repair_shared import CWCED, REPO, SEEDS, need


def test_a_compiled_file_serves_only_the_source_it_was_built_from(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSMON_COMPILED_DIR", str(tmp_path / "built"))
    src = tmp_path / "src"
    src.mkdir()
    (src / "charlm.py").write_text("X = 1\n")
    monkeypatch.setattr(compiled, "SOURCE_DIR", src)
    finder = compiled._Finder()
    current = compiled.target("charlm", b"X = 1\n")
    stale = compiled.target("charlm", b"X = 0\n")
    other = compiled.target("byteshift", b"X = 1\n")
    assert len({current, stale, other}) == 3
    current.parent.mkdir(parents=True)
    for f in (stale, other):
        f.write_bytes(b"")
    assert finder.find_spec("pipeline.repair.charlm") is None  # only stale files
    current.write_bytes(b"")
    spec = finder.find_spec("pipeline.repair.charlm")
    assert spec is not None and Path(spec.origin) == current
    (src / "charlm.py").write_text("X = 2\n")  # the source was edited: plain Python again
    assert finder.find_spec("pipeline.repair.charlm") is None
    # modules that are not hot, or not ours, are never served
    assert finder.find_spec("pipeline.repair.chain") is None
    assert finder.find_spec("charlm") is None


def test_pure_python_switch_keeps_the_finder_out(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSMON_PURE_PYTHON", "1")
    monkeypatch.setenv("NEWSMON_COMPILED_DIR", str(tmp_path))
    before = list(sys.meta_path)
    assert compiled.install() is False
    assert sys.meta_path == before


def test_no_compiler_is_one_line_and_a_non_zero_exit(monkeypatch, capsys):
    monkeypatch.setenv("CC", "/nonexistent/cc")
    assert compiled.main() == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "plain Python is used" in err[0]


_REPAIR_SAMPLE = """
import json, random, sys
if sys.argv[1] == "no-cython":
    sys.modules["cython"] = None  # as where Cython is not installed: import fails
from pathlib import Path
from pipeline import damage
from pipeline.repair import byteshift, charlm, compiled, imescore, langmodel, repair_text
import opencc
want = sys.argv[1] == "compiled"
assert all(compiled.in_use(m) for m in (byteshift, charlm, imescore, langmodel)) == want, "wrong mode"
if sys.argv[1] == "no-cython":
    assert langmodel.cython.__name__ == "pipeline.repair.cython_shim", "Cython was imported"
cc = opencc.OpenCC("s2t")
texts = [damage.gbk_safe(cc.convert(p.read_text(encoding="utf-8")))
         for p in sorted(Path(sys.argv[2]).glob("*.txt"))]
texts += [p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[3]).glob("*.txt"))]
rng = random.Random(7)
out = []
for _ in range(24):
    doc = texts[rng.randrange(35)]
    pos = damage.random_positions(doc, 1, rng)
    if pos:
        out.append(damage.damage_at(doc, pos[0]).text)
out += texts[35:]  # the seeds as received
res = [repair_text(t) for t in out]
print(json.dumps([[r.text, [x.to_dict() for x in r.repairs]] for r in res], ensure_ascii=False))
"""


@pytest.mark.slow
def test_compiled_modules_repair_exactly_as_plain_python_with_or_without_cython():
    from pipeline.repair import byteshift, charlm, imescore, langmodel

    if not all(compiled.in_use(m) for m in (byteshift, charlm, imescore, langmodel)):
        pytest.skip("the repair modules are not compiled here (no Cython or C compiler)")
    cleaned = need(CWCED / "cleaned")
    results = {}
    # "no-cython": plain Python where Cython is not installed (its type declarations
    # then come from pipeline.repair.cython_shim)
    for mode in ("compiled", "plain", "no-cython"):
        env = dict(os.environ)
        env.pop("NEWSMON_PURE_PYTHON", None)
        if mode != "compiled":
            env["NEWSMON_PURE_PYTHON"] = "1"
        done = subprocess.run([sys.executable, "-c", _REPAIR_SAMPLE, mode, str(cleaned),
                               str(SEEDS)], env=env, capture_output=True, text=True,
                              cwd=REPO)
        assert done.returncode == 0, done.stderr[-2000:]
        results[mode] = json.loads(done.stdout)
    assert len(results["plain"]) > 24
    # the sample holds real repairs, so equal outputs say something
    assert sum(1 for _, reps in results["plain"] for r in reps if r["kind"] == "byte_shift") >= 10
    assert results["compiled"] == results["plain"] == results["no-cython"]
