"""Bench: instructions per damaged run, counted by Valgrind's callgrind.

    .venv/bin/python bench/instructions.py [--runs 60] [--seed 77]

Why: on this kind of machine the time the same code takes moves by ±10 % within an hour
and by more across days (docs/repair-log.md), so a change to the repair's speed cannot be
told from the host's mood by the clock. What the code computes does not move: this bench
counts the instructions executed while repairing the same damaged runs (the bench's kind
of run: one lead byte replaced in a cwced text in traditional script). Loading the models
is not counted: counting starts after one warm-up run. To compare two versions, run each
checkout's copy (each compiles its hot modules first: `make compiled`).

An instruction count is not a time (a cache miss costs more than an add), but a change
that does less work shows as fewer instructions whatever the host is doing. Needs
`valgrind` (Debian's package); about two seconds of the host's time per run counted.
Needs `shared/` beside the clone, as `bench/repair.py` does.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

#: set in the copy of this script that runs under callgrind
_INSIDE = "NEWSMON_BENCH_UNDER_CALLGRIND"


def _count_inside(runs: int, seed: int) -> None:
    """Under callgrind: repair the runs with instrumentation on around them only."""
    from repair import damaged_runs, load_texts

    from pipeline import damage
    from pipeline.repair import repair_text

    _, trad, _ = load_texts()
    docs = [damage.gbk_safe(t) for t in trad]
    todo = [dmg.text for _, _, dmg in damaged_runs(docs, runs + 1, seed)]
    repair_text(todo[0])  # the models load here, uncounted
    control = [shutil.which("callgrind_control") or "callgrind_control", "-i"]
    pid = str(os.getpid())
    subprocess.run([*control, "on", pid], check=True, capture_output=True)
    for text in todo[1:]:
        repair_text(text)
    subprocess.run([*control, "off", pid], check=True, capture_output=True)
    print(f"runs counted: {len(todo) - 1}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=60, help="damaged runs counted (default 60)")
    ap.add_argument("--seed", type=int, default=77)
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    if os.environ.get(_INSIDE):
        _count_inside(args.runs, args.seed)
        return 0
    valgrind = shutil.which("valgrind")
    if valgrind is None or shutil.which("callgrind_control") is None:
        print("bench/instructions.py: needs valgrind (Debian: apt-get install valgrind)",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, PYTHONHASHSEED="0", **{_INSIDE: "1"})
        got = subprocess.run(
            [valgrind, "--tool=callgrind", "--instr-atstart=no",
             f"--callgrind-out-file={Path(tmp) / 'callgrind.out'}",
             sys.executable, __file__, "--runs", str(args.runs), "--seed", str(args.seed)],
            env=env, capture_output=True, text=True)
    counted = re.search(r"runs counted: (\d+)", got.stdout)
    total = re.search(r"Collected\s*:\s*([\d,]+)", got.stderr)
    if got.returncode != 0 or not counted or not total:
        tail = (got.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"bench/instructions.py: the counted run failed: {tail}", file=sys.stderr)
        return 1
    runs, instructions = int(counted.group(1)), int(total.group(1).replace(",", ""))
    print(f"{runs} damaged runs (seed {args.seed}), models loaded before counting")
    print(f"instructions: {instructions:,} in all, "
          f"{instructions / runs / 1e6:,.1f} million per damaged run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
