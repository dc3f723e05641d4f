"""Bench: why the repair leaves or gets wrong the runs it does, from every reading it scored.

    .venv/bin/python bench/readings.py [--trials 2000] [--jobs 2] [--seed 1] [--simplified] [--save FILE]
    .venv/bin/python bench/readings.py --load FILE [FILE ...]

Why: ``bench/repair.py`` counts outcomes; it cannot say whether a run was left because the
right reading was never scored, because it was scored but not best, or because it was best
and a rule held it back. Those call for different work (candidates, the models, the
rules), and every change to the repair since the first has begun by asking. This bench
damages the same runs as ``bench/repair.py`` (same texts, seeds and jobs), listens at
``byteshift.decide`` for every reading scored for the damaged run, judges each reading as
if it had been applied, and prints:

- outcomes by how many pairs vanished, as ``bench/repair.py`` does;
- how often the best reading is the original, and how often the original was scored at
  all (split by whether the run's end swallowed an ASCII byte);
- for runs whose best reading is the original but that were not repaired exactly, which
  rule held them: too little gain, a close runner-up of the same shape or of another, a
  close reading of the other kind (``MIN_RIVAL``, ``MIN_RIVAL_COMMA``), a rare character
  (``_stray``), no byte of the character known (``_made_up``), the text reading as well
  with its ``?`` as lost marks (``_as_lost``), a close reading with a second vanished
  pair (``_second_pair_close``);
- what the wrong repairs did: dropped one character (which), changed characters, other.

``--save`` writes one JSON line per run; ``--load`` reports saved runs (several files are
pooled: compare samples, or old and new code). Needs ``shared/`` beside the clone.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

#: readings judged per run, best first (the right one is rarely further down)
JUDGED = 60

def _held(text, group, own, ranked, base, res) -> str:
    """The first of ``byteshift.decide``'s rules that kept its best reading from being
    applied as it is, in the order ``decide`` asks them."""
    from pipeline.repair import byteshift as bs

    (mid, length), top = ranked[0]
    _, r, odd, *_ = own.scored[(mid, length)]
    if top - base < bs.MIN_GAIN:
        return "gain"
    if odd:
        return "full-width letter"
    if len(ranked) > 1 and top - ranked[1][1] < bs.MIN_MARGIN:
        (other, consumed), _ = ranked[1]
        _, r2, *_ = own.scored[(other, consumed)]
        same = consumed == length and len(other) == len(mid) and bool(r2.vanish) == bool(r.vanish)
        return "close runner-up, " + ("same shape" if same else "other shape")
    _, short_of = bs.close_rival_of(group, own, (mid, length))
    if short_of is not None:
        return "close rival, " + ("lost comma" if short_of == bs.MIN_RIVAL_COMMA
                                  else "other kind")
    if res is not None and res.lost_at is not None:
        return "partial"
    if bs._made_up(r):
        return "no byte known"
    if bs._stray(own.doc, text, own.start, own.start + length, mid):
        return "rare character"
    if bs._pooled(c.as_lost() for c in group) > top - bs.MIN_MARGIN:
        return "as lost marks"
    if r.vanish and bs._second_pair_close(group, top, (mid, length)):
        return "close reading with two pairs"
    return "other"


def _worker(args):
    texts, trials, seed = args
    from pipeline import damage
    from pipeline.repair import byteshift, repair_text

    current: dict = {}
    decide = byteshift.decide

    def listening(text, group, own):
        res = decide(text, group, own)
        dmg = current.get("damage")
        if dmg is None or own.start != dmg.char_offset:
            return res
        pooled = byteshift._pooled
        totals = {key: pooled(c.scored[key][0] for c in group)
                  for key in own.scored if all(key in c.scored for c in group)}
        ranked = sorted(totals.items(), key=lambda kv: -kv[1])
        base = pooled(c.base for c in group)
        verdicts = [damage.classify(text[:own.start] + mid + text[own.start + length:],
                                    dmg, current["doc"])
                    for (mid, length), _ in ranked[:JUDGED]]
        current["record"] = {
            "verdicts": verdicts,
            "held": _held(text, group, own, ranked, base, res) if ranked else "no reading",
        }
        return res

    byteshift.decide = listening
    from repair import damaged_runs

    docs = [damage.gbk_safe(t) for t in texts]
    rows = []
    for i, _, dmg in damaged_runs(docs, trials, seed):
        doc = docs[i]
        current.update(damage=dmg, doc=doc, record=None)
        out = repair_text(dmg.text).text
        verdict = damage.classify(out, dmg, doc)
        rec = current["record"] or {"verdicts": [], "held": "not looked at"}
        row = {"vanished": dmg.vanished, "swallowed": dmg.swallowed, "verdict": verdict,
               "best_right": rec["verdicts"][:1] == ["exact"],
               "scored": "exact" in rec["verdicts"], "held": rec["held"]}
        if verdict == "wrong":
            got, want = damage._diff_core(out, dmg.expected)
            row["wrong"] = ("dropped " + want if not got and len(want) == 1
                            else "changed" if len(got) == len(want) else "other")
        rows.append(row)
    return rows


def report(rows: list[dict]) -> None:
    from pipeline.damage import VANISH_CLASSES, Tally, vanish_class

    print(f"== {len(rows)} runs ==")
    print(f"{'runs':22s}{'n':>6s}{'exact':>8s}{'partial':>9s}{'left':>8s}{'wrong':>8s}")
    for kind in VANISH_CLASSES:
        tally = Tally()
        for r in rows:
            if vanish_class(r["vanished"]) == kind:
                tally.add(r["verdict"])
        t = tally.rates()
        print(f"{kind + ' vanished':22s}{t['runs']:6d}" + "".join(
            f"{t[v]:8.1%}" + (" " if v == "partial" else "")
            for v in ("exact", "partial", "left", "wrong")))
    print("\nthe original as the best reading / among those scored at all:")
    for kind in VANISH_CLASSES:
        for swallowed in (False, True):
            rs = [r for r in rows
                  if vanish_class(r["vanished"]) == kind and r["swallowed"] == swallowed]
            if rs:
                best = sum(r["best_right"] for r in rs)
                scored = sum(r["scored"] for r in rs)
                label = f"{kind} vanished" + (", byte swallowed" if swallowed else "")
                print(f"  {label:34s}{len(rs):6d} runs  best {100 * best / len(rs):5.1f}%"
                      f"  scored {100 * scored / len(rs):5.1f}%")
    print("\nbest reading right, run not repaired exactly: what held it")
    for kind in VANISH_CLASSES:
        held = Counter(r["held"] for r in rows
                       if vanish_class(r["vanished"]) == kind and r["best_right"]
                       and r["verdict"] != "exact")
        for why, k in held.most_common():
            print(f"  {kind + ' vanished':16s}{k:6d}  {why}")
    print("\nwrong repairs")
    for kind in VANISH_CLASSES:
        what = Counter(r["wrong"].split(" ")[0] for r in rows
                       if vanish_class(r["vanished"]) == kind and r["verdict"] == "wrong")
        dropped = Counter(r["wrong"][8:] for r in rows if vanish_class(r["vanished"]) == kind
                          and r.get("wrong", "").startswith("dropped "))
        if what:
            print(f"  {kind + ' vanished':16s}" + ", ".join(f"{k} {v}" for k, v in what.items())
                  + (f"  (dropped: {''.join(c * n for c, n in dropped.most_common())})"
                     if dropped else ""))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=2000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--simplified", action="store_true",
                    help="damage cwced as published (simplified) instead of in traditional "
                         "script as the seeds are: runs go on to the next ASCII byte")
    ap.add_argument("--save", type=Path, help="write one JSON line per run")
    ap.add_argument("--load", type=Path, nargs="+", help="report saved runs instead")
    args = ap.parse_args()
    if args.load:
        try:
            rows = [json.loads(line) for p in args.load for line in p.read_text().splitlines()]
        except (OSError, ValueError) as exc:
            sys.exit(f"bench/readings.py: cannot read saved runs: {exc}")
    else:
        from repair import load_texts

        raw, trad, _ = load_texts()
        texts = raw if args.simplified else trad
        per = args.trials // args.jobs
        tasks = [(texts, per + (j < args.trials % args.jobs), args.seed * 1000 + j)
                 for j in range(args.jobs)]
        with mp.get_context("fork").Pool(args.jobs) as pool:
            rows = [r for part in pool.map(_worker, tasks) for r in part]
        if args.save:
            args.save.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    report(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
