"""Scoring a window of text by the input method's word trigram (``imelm`` loads it).

Why a module of its own: the scoring is one of the repair's hot loops, compiled like them
(``compiled.py``), and a compiled module cannot be run as ``python -m``, which is how
``imelm`` fetches the model.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

from pipeline.chinese import simplify

try:
    import cython  # compiled (compiled.py), the declarations below are C types
except ImportError:
    from pipeline.repair import cython_shim as cython

_LN10 = math.log(10)
#: nats given back per Chinese character scored: a reading with a character more (a
#: restored vanished pair) is not worse for having one more word to pay for
PER_CHAR = 6.6
#: longest word looked up, in characters, and segmentations kept per position
MAX_WORD = 7
BEAM = 8
#: prefixes whose beams are kept for the readings that share them (a run's readings need
#: a few hundred stretches; more kept saved no time and held 30 MB of states at 50,000)
MAX_PREFIXES = 8_000
#: strings asked whether they are the model's words, remembered (about 100 bytes each)
MAX_KNOWN = 300_000
#: log10 added to KenLM's own ``<unk>`` for a character it does not know: a rare one
UNKNOWN = -12.0


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


class ImeModel:
    """Scores a window of text: the best segmentation of each stretch of Chinese into the
    model's words. Punctuation is read through, as if absent: readings that differ by a
    restored ``，`` are left to the repair's own models, which count commas (a clause
    break costs the trigram an end and a start of sentence, so it always preferred the
    reading without, and made one wrong repair in ten where a pair vanished). Letters and
    digits break the stretch."""

    def __init__(self, kenlm, path: Path):
        self._kenlm = kenlm
        self.model = kenlm.Model(str(path))
        self._known: dict[str, bool] = {}
        #: the beams along each stretch scored lately, under each of its prefixes
        self._beams: dict[str, list[dict]] = {}
        self.score = lru_cache(maxsize=65536)(self._score)

    def _score(self, text: str) -> float:
        """Natural-log score of ``text``, ``PER_CHAR`` given back per Chinese character."""
        total, run, n = 0.0, [], 0
        for ch, simple in zip(text, simplify(text)):  # (simplify keeps the length)
            if _is_han(ch):
                run.append(simple)
            elif not ch.isalnum():
                continue
            elif run:
                total += self._stretch("".join(run), end=True)
                n += len(run)
                run = []
        if run:
            total += self._stretch("".join(run), end=False)
            n += len(run)
        return total * _LN10 + PER_CHAR * n

    @cython.locals(i=cython.Py_ssize_t, j=cython.Py_ssize_t, done=cython.Py_ssize_t,
                   sc=cython.double, total=cython.double)
    def _stretch(self, s: str, end: bool) -> float:
        """Best log10 over the segmentations of ``s`` (a beam per position), read as a
        sentence's start and, with ``end``, its end (where a letter or digit follows).

        The beam at a position depends only on the text before it, and the readings of
        one run share their left context: beams are kept by prefix (``_beams``), so
        each reading pays only for the text from where it differs."""
        kenlm, model, known_words = self._kenlm, self.model, self._known
        beams, done = self._beams, len(s)
        while done and s[:done] not in beams:
            done -= 1
        if done == 0:
            start = kenlm.State()
            model.BeginSentenceWrite(start)
            line = [{start: 0.0}]
        else:
            line = beams[s[:done]][:done + 1]
        for j in range(len(line), len(s) + 1):
            here: dict = {}
            for i in range(max(0, j - MAX_WORD), j):
                w = s[i:j]
                known = known_words.get(w)
                if known is None:
                    known = known_words[w] = w in model
                if not known and j > i + 1:
                    continue
                penalty = 0.0 if known else UNKNOWN
                for state, sc in _pruned(line[i]).items():
                    out = kenlm.State()
                    total = sc + model.BaseScore(state, w, out) + penalty
                    if total > here.get(out, -math.inf):
                        here[out] = total
            line.append(here)
        if len(beams) > MAX_PREFIXES:
            beams.clear()
        if len(known_words) > MAX_KNOWN:  # a crawl worker lives for days: stay bounded
            known_words.clear()
        for k in range(done + 1, len(s) + 1):
            beams[s[:k]] = line
        last = line[len(s)]
        if not end:
            return max(last.values())
        out = kenlm.State()
        return max(sc + model.BaseScore(state, "</s>", out) for state, sc in last.items())


def _pruned(beam: dict) -> dict:
    """The ``BEAM`` best states of a position (all of them if no more)."""
    if len(beam) <= BEAM:
        return beam
    return dict(sorted(beam.items(), key=lambda kv: -kv[1])[:BEAM])
