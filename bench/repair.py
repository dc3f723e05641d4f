"""Bench: text repair accuracy on simulated damage, and its speed.

    .venv/bin/python bench/repair.py [--trials 2000] [--jobs 2] [--seed 1]

Prints
- throughput of ``repair_text`` on clean text (target >= 2 MB/s: detection must be cheap),
  for the hand-checked corpus as published and in the seeds' form (traditional script,
  full-width punctuation folded, so full of genuine ``?``);
- characters changed on that clean text (target: zero);
- for random byte-shift damage (one lead byte replaced per trial, the whole article
  repaired): runs repaired exactly, repaired but for one character left as a counted
  ``?`` (partial), left alone, repaired wrongly, by how many user-defined pairs vanished (targets: exact >= 95% with none, >= 60% with one; wrong <= 2% of repairs);
- every run again, held against the clean original as another copy of the same story
  (``pipeline.repair.reference``: how a repost fares once its original is in the index):
  what each outcome becomes, and how many runs end exact; and again with another repost
  as the only copy, damaged elsewhere and repaired (two reposts of one original);
- for the runs left, and the ``?`` partial repairs kept: how often the readings their
  records keep hold the original (what search finds them by, ``pipeline.leftruns``);
- mean time per damaged run (target <= 50 ms; accuracy comes first).

Needs ``shared/`` beside the clone (``../shared/eval/cwced/cleaned``).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CLEANED = (REPO / ".." / "shared" / "eval" / "cwced" / "cleaned").resolve()


def load_texts() -> tuple[list[str], list[str], list[str]]:
    """(as published, traditional, traditional with full-width forms folded = seed form)"""
    import opencc

    from pipeline.repair.gbk import fold_width

    if not CLEANED.is_dir():
        sys.exit(f"bench/repair.py: {CLEANED} is missing (shared/ must sit beside the clone)")
    raw = [p.read_text(encoding="utf-8") for p in sorted(CLEANED.glob("*.txt"))]
    cc = opencc.OpenCC("s2t")
    trad = [cc.convert(t) for t in raw]
    return raw, trad, [fold_width(t) for t in trad]


def throughput(texts: list[str]) -> tuple[float, int]:
    from pipeline.repair import charlm, langmodel, readings, repair_text

    # warm up: the tables and both language models load once per process, not per text
    langmodel.load()
    charlm.load()
    readings._index()
    repair_text(texts[0])
    changed = 0
    size = sum(len(t.encode("utf-8")) for t in texts)
    t0 = time.perf_counter()
    for t in texts:
        r = repair_text(t)
        changed += sum(1 for a, b in zip(r.text, t) if a != b) + abs(len(r.text) - len(t))
    return size / 1e6 / (time.perf_counter() - t0), changed


def _log(repairs) -> list[dict]:
    """A text's repairs as an article's repair log (``mend`` rewrites it: one per use)."""
    return [dict(r.to_dict(), field="text") for r in repairs]


def _other_repost(doc: str, away_from: int, rng):
    """Another repost of ``doc``, damaged at least 40 characters from ``away_from`` and
    repaired, as an article (its repair log says what it guessed); None if no such spot."""
    from pipeline import damage
    from pipeline.model import Article
    from pipeline.repair import repair_text

    spot = next((p for p in damage.random_positions(doc, 8, rng) if abs(p - away_from) >= 40),
                None)
    if spot is None:
        return None
    repaired = repair_text(damage.damage_at(doc, spot).text)
    return Article(id="repost", text=repaired.text, source="bench",
                   repair_log=_log(repaired.repairs))


def _worker(args):
    texts, originals, trials, seed = args
    from pipeline import damage
    from pipeline.repair import reference, repair_text

    clean_time: dict[int, float] = {}
    docs = [damage.gbk_safe(t) for t in texts]
    for i, d in enumerate(docs):
        t0 = time.perf_counter()
        repair_text(d)
        clean_time[i] = time.perf_counter() - t0
    rows = []
    for i, pos, dmg in damaged_runs(docs, trials, seed):
        doc = docs[i]
        t0 = time.perf_counter()
        repaired = repair_text(dmg.text)
        spent = time.perf_counter() - t0
        out = repaired.text
        verdict = damage.classify(out, dmg, doc)
        # every run held against the clean original as another copy of the story
        copy = [("original", originals[i])]
        mended = damage.classify(reference.mend(out, _log(repaired.repairs), "text", copy),
                                 dmg, doc)
        # and against another repost, damaged elsewhere and repaired (its own rng: the
        # trials above stay as they were)
        other = _other_repost(doc, pos[0], random.Random(seed * 100_003 + len(rows)))
        copy = [("repost", reference.evidence(other, "text"))] if other else []
        by_repost = damage.classify(reference.mend(out, _log(repaired.repairs), "text", copy),
                                    dmg, doc)
        guess = (_guessed(out, repaired.repairs, dmg, doc) if verdict in ("left", "partial")
                 else None)
        example = None
        if verdict == "wrong":
            a = max(0, pos[0] - 4)
            example = (dmg.text[a:pos[0] + 12], dmg.expected[a:pos[0] + 12], out[a:pos[0] + 12])
        rows.append((dmg.vanished, dmg.swallowed, verdict, spent, spent - clean_time[i],
                     example, mended, by_repost, guess))
    return rows


def _site_worker(args):
    """Damage each of the texts' seed sites (``damage.seed_sites``) alone and repair it."""
    from pipeline import damage
    from pipeline.repair import repair_text

    texts, part, parts = args
    rows, k = [], 0
    for doc in (damage.gbk_safe(t) for t in texts):
        for i in damage.seed_sites(doc):
            k += 1
            if k % parts == part:
                dmg = damage.damage_at(doc, i)
                rows.append((dmg.vanished, damage.classify(repair_text(dmg.text).text, dmg, doc)))
    return rows


def _pooled(worker, tasks: list) -> list:
    """``worker``'s rows over ``tasks``, one process each when there are several."""
    if len(tasks) == 1:
        return worker(tasks[0])
    with mp.get_context("fork").Pool(len(tasks)) as pool:
        return [r for part in pool.map(worker, tasks) for r in part]


def _print_outcomes(classes, outcomes: list[tuple[int, str]]) -> None:
    """One row per class of runs: outcome rates over (vanished pairs, verdict) pairs."""
    from pipeline.damage import Tally

    for name, sel in classes:
        tally = Tally()
        for vanished, verdict in outcomes:
            if sel(vanished):
                tally.add(verdict)
        t = tally.rates()
        print(f"{name:22s} {t['runs']:6d} {t['exact']:7.1%} {t['partial']:8.1%} {t['left']:7.1%} "
              f"{t['wrong']:7.1%} {t['wrong_of_repairs']:11.1%}")


def damaged_runs(docs: list[str], trials: int, seed: int):
    """(text index, [offset], damaged run) for each trial: one lead byte replaced at a
    random place of a random text (``bench/readings.py`` damages the same runs)."""
    from pipeline import damage

    rng = random.Random(seed)
    for _ in range(trials):
        i = rng.randrange(len(docs))
        pos = damage.random_positions(docs[i], 1, rng)
        if pos:
            yield i, pos, damage.damage_at(docs[i], pos[0])


def _guessed(out: str, repairs, dmg, doc) -> int | None:
    """For a run left (or the ``?`` a partial repair kept): the place (0 = first) among its
    record's readings of the one that gives the original back, -1 if none does, None if no
    record kept readings."""
    from pipeline import damage
    from pipeline.leftruns import KINDS

    kept = [r for r in repairs if r.kind in KINDS and r.readings]
    for r in kept:
        for place, reading in enumerate(r.readings):
            guess = out[:r.offset] + reading + out[r.offset + len(r.before):]
            if damage.classify(guess, dmg, doc) == "exact":
                return place
    return -1 if kept else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=2000)
    ap.add_argument("--jobs", type=int, default=max(1, min(4, mp.cpu_count())))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--examples", type=int, default=8, help="wrong repairs to show")
    args = ap.parse_args()

    raw, trad, seed_form = load_texts()
    seeds = [p.read_text(encoding="utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))]

    print("== clean text (repair_text, warm) ==")
    for name, texts in (("cwced cleaned, as published", raw),
                        ("cwced cleaned, seed form (trad, folded)", seed_form)):
        mbps, changed = throughput(texts)
        print(f"{name:42s} {mbps:6.2f} MB/s   changed chars: {changed}")
    no_q = [t.replace("?", "") for t in seed_form]
    mbps, _ = throughput(no_q)
    print(f"{'seed form without any ?':42s} {mbps:6.2f} MB/s")
    from pipeline.repair import repair_text

    kept = all(("怎么做到的?" in repair_text(t).text or "怎么做到的?" not in t) for t in seeds)
    print(f"seeds' genuine ?/! kept: {kept}")

    print(f"\n== simulated byte-shift damage: {args.trials} trials, {args.jobs} jobs ==")
    per = args.trials // args.jobs
    # damage hits the text before the chain folded full-width forms, as in the seeds
    tasks = [(trad, raw, per + (1 if j < args.trials % args.jobs else 0), args.seed * 1000 + j)
             for j in range(args.jobs)]
    t0 = time.perf_counter()
    rows = _pooled(_worker, tasks)
    wall = time.perf_counter() - t0

    classes = (("no pair vanished", lambda v: v == 0), ("one pair vanished", lambda v: v == 1),
               ("two or more vanished", lambda v: v >= 2), ("all runs", lambda v: True))
    print(f"{'runs':22s} {'n':>6s} {'exact':>7s} {'partial':>8s} {'left':>7s} {'wrong':>7s} "
          f"{'wrong/made':>11s}")
    _print_outcomes(classes, [(r[0], r[2]) for r in rows])
    print("(partial: right but for one '?' left where a character could not be pinned down, "
          "counted as lost;\n wrong/made = wrong / (exact + wrong), as before partial repairs "
          "existed)")
    sw = [r for r in rows if r[1]]
    if sw:
        print(f"(runs whose end swallowed an ASCII byte: {len(sw)}, counted exact when the "
              f"rest is exact and the byte is kept as a counted '?')")
    for title, column in (("the clean original (simplified, as published)", 6),
                          ("another repost only (damaged elsewhere, repaired, its guesses "
                           "masked)", 7)):
        print(f"with {title} as another copy of the story (pipeline.repair.reference):")
        for was in ("exact", "partial", "left", "wrong"):
            after = Counter(r[column] for r in rows if r[2] == was)
            if after:
                print(f"  {was:8s} {sum(after.values()):5d} runs -> "
                      + ", ".join(f"{k} {after[k]}" for k in ("exact", "partial", "left", "wrong")
                                  if after[k]))
        ends = Counter(r[column] for r in rows)
        print(f"  runs that end exact: {ends['exact']} of {len(rows)} "
              f"({ends['exact'] / len(rows):.1%}), wrong {ends['wrong']}")
    for verdict, what in (("left", "runs left"), ("partial", "runs partly repaired (the '?' kept)")):
        print(f"{what}, and the readings their records keep (pipeline.leftruns: indexed for "
              "search):")
        for name, sel in classes:
            runs = [r[8] for r in rows if r[2] == verdict and sel(r[0])]
            kept = [g for g in runs if g is not None]
            print(f"  {name:22s} {len(runs):5d} runs, {len(kept):5d} with readings; the original "
                  f"first in {sum(1 for g in kept if g == 0):4d}, among them in "
                  f"{sum(1 for g in kept if g >= 0):4d}")
    print("\n== the same damage where the seeds' damage struck (damage.seed_sites: every place "
          "of cwced, one at a time) ==")
    _print_outcomes(classes, _pooled(_site_worker, [(trad, j, args.jobs)
                                                    for j in range(args.jobs)]))
    times = [r[3] for r in rows]
    extra = [r[4] for r in rows]
    print(f"\nmean time per trial (whole article repaired): {1000 * sum(times) / len(times):.1f} ms")
    print(f"mean time per damaged run (over the same article undamaged): "
          f"{1000 * sum(extra) / len(extra):.1f} ms")
    print(f"wall time {wall:.0f} s")
    examples = [r[5] for r in rows if r[5]][: args.examples]
    if examples:
        print("\nsome wrong repairs (damaged | original | repaired):")
        for d, e, o in examples:
            print(f"  {d!r} | {e!r} | {o!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
