"""Bench: how well the repair's models pick a lost first character, the simplest case.

    .venv/bin/python bench/first_char.py [--cases 1500] [--seed 9] [--corpus FILE]

Why: in a damaged run where no pair vanished, every byte is known except the first
character's lead byte, so the run comes down to picking that character among the
hundred-odd that share its trail byte. This bench asks the models exactly that, with
everything else given: a character of the hand-checked text (traditional script, as the
seeds are) is hidden, each candidate is scored in its context window as the repair scores
a reading (word model plus ``CHAR_WEIGHT`` times the article's character model, the
article masked around the spot, plus ``imelm.WEIGHT`` times the input method's model where
it is installed), and the true character's place is counted. It is a
ceiling for the repair's exact rate on such runs: a decision procedure that always took
the models' top choice could be right no more often than the top-1 figure, and one that
acts only on a clear margin no more often than the "clear and right" figure.

``--corpus FILE`` (UTF-8, a paragraph a line) adds a row for a character model built
from the People's Daily text and FILE's text as well: a candidate corpus can be measured
before anyone ships it (about 400 MB of memory and 20 s of building per million
characters). Neither model has seen ``cwced``; a corpus that has would flatter itself.

Needs ``shared/`` beside the clone, as ``bench/repair.py`` does.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def cases(docs: list[str], n: int, rng: random.Random):
    """(document index, offset, character, same-trail-byte candidates) for ``n`` hidden
    Chinese characters away from the text's ends."""
    from pipeline.repair import gbk
    from pipeline.repair.readings import slot_chars

    any_lead = frozenset(range(0x81, 0xFF))
    out = []
    while len(out) < n:
        d = rng.randrange(len(docs))
        text = docs[d]
        i = rng.randrange(9, len(text) - 9)
        ch = text[i]
        raw = gbk.char_bytes(ch) if "\u4e00" <= ch <= "\u9fff" else None
        if raw and len(raw) == 2:
            out.append((d, i, ch, slot_chars(any_lead, raw[1])))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--corpus", type=Path, help="more text for a second character model")
    args = ap.parse_args()
    if args.cases < 1:
        ap.error("--cases must be at least 1")
    if args.corpus and not args.corpus.is_file():
        ap.error(f"--corpus {args.corpus}: no such file")  # before minutes of loading

    from repair import load_texts

    from pipeline import damage
    from pipeline.repair import charlm, imelm, langmodel
    from pipeline.repair.byteshift import CHAR_WEIGHT, MIN_MARGIN, RIGHT_CTX, Chooser
    from pipeline.repair.shiftstage import mask_runs

    _, trad, _ = load_texts()
    docs = [damage.gbk_safe(t) for t in trad]
    lm = langmodel.load()
    # scoring name -> (character model or None, with the input method's model)
    cm = charlm.load()
    models = {"word model alone": (None, False),
              f"word + {CHAR_WEIGHT} x character": (cm, False)}
    if imelm.load() is not None:
        models[f"... + {imelm.WEIGHT} x input method (as repaired)"] = (cm, True)
    if args.corpus:
        from itertools import chain

        from pipeline.chinese import simplify

        try:
            with args.corpus.open(encoding="utf-8") as fh:
                more = [simplify(line.strip()) for line in fh if line.strip()]
        except (OSError, UnicodeDecodeError) as exc:
            ap.error(f"--corpus {args.corpus}: {exc}")
        # the shipped model's own recipe, with more text (private on purpose: not a feature)
        models[f"word + character with {args.corpus.name}"] = (charlm.CharModel(
            charlm._build(chain(charlm._corpus_lines(), more))), False)
    counts = {name: [0, 0, 0] for name in models}  # top-1, clear and right, clear and wrong
    todo = cases(docs, args.cases, random.Random(args.seed))
    for d, i, ch, pool in todo:
        text = docs[d]
        hidden = mask_runs(text, [i])
        doc = langmodel.DocModel(lm, hidden)
        for name, (model, ime) in models.items():
            # the repair's own scoring of a reading: c in place of the damaged run
            cm = charlm.ArticleChars(model, hidden) if model else None
            chooser = Chooser(doc, text, i, cm)
            if not ime:
                chooser.ime = None
            window = chooser.window
            score = {c: window(i, i + 1, c, i + 1 + RIGHT_CTX, chars=cm is not None)
                     for c in pool}
            ranked = sorted(pool, key=lambda c: -score[c])
            best = ranked[0]
            runner = score[ranked[1]] if len(ranked) > 1 else float("-inf")
            tally = counts[name]
            tally[0] += best == ch
            tally[1] += best == ch and score[best] - runner >= MIN_MARGIN
            tally[2] += best != ch and score[best] - score[ch] >= MIN_MARGIN
    n = len(todo)
    mean_pool = sum(len(p) for *_, p in todo) / n
    print(f"{n} hidden characters, {mean_pool:.0f} candidates each on average "
          f"(clear: a lead of {MIN_MARGIN:g} nats, the repair's margin)")
    print(f"{'scoring':40s} {'top-1':>7s} {'clear, right':>13s} {'clear, wrong':>13s}")
    for name, (top, right, wrong) in counts.items():
        print(f"{name:40s} {top / n:7.1%} {right / n:13.1%} {wrong / n:13.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
