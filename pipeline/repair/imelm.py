"""The word trigram model of fcitx's input method (libime's ``zh_CN.lm``), when installed.

Why: picking a character a lost lead byte took needs a model of Chinese that has read far
more text than the repair's own (the People's Daily corpus and jieba's dictionary: the
models put the right character first 93.6 % of the time with everything else given,
``bench/first_char.py``). An input method has that model: it chooses among the
characters that share a syllable as the repair chooses among the hundred that share a
trail byte. libime's model is a KenLM trigram over words, simplified script, shipped by
Debian as ``libime-data-language-model`` (LGPL-2.1+). Added to the repair's scores at
``WEIGHT``, it raised exact repairs on the bench by 4–5 points where no pair vanished and
by 7–9 where one did (about 89 runs in 2,000), with about as many wrong ones
(docs/repair-log.md, seventeenth session).

Neither part is required. ``make`` builds the ``kenlm`` reader (a C++ extension, from
PyPI) and fetches the pinned Debian package (``python -m pipeline.repair.imelm fetch``);
without a compiler or a way to Debian's mirror the repair runs on its own models, less
often sure. ``NEWSMON_NO_IME_LM=1`` turns it off (to compare, or to debug).
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import sys
import tarfile
import urllib.request
from functools import lru_cache
from pathlib import Path

from pipeline.chinese import simplify
from pipeline.repair.modelcache import cache_dir

#: weight of the model's log-probability beside the word model's (as ``CHAR_WEIGHT``)
WEIGHT = 0.5
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

PACKAGE = "libime-data-language-model_1.0.16-1_amd64.deb"
PACKAGE_SHA256 = "a9363f915fbefc8ae1ddab3a8147b6c77fdeaa8adb8ab580bc130601d1539665"
POOL = "pool/main/libi/libime/"
MEMBER = "libime/zh_CN.lm"
LN10 = math.log(10)


def model_path() -> Path:
    return cache_dir() / "libime-1.0.16-1" / "zh_CN.lm"


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
        return total * LN10 + PER_CHAR * n

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


@lru_cache(maxsize=1)
def load() -> ImeModel | None:
    """The model, or None where ``kenlm`` or the model file is missing (or turned off)."""
    if os.environ.get("NEWSMON_NO_IME_LM"):
        return None
    path = model_path()
    if not path.is_file():
        return None
    try:
        import kenlm
    except ImportError:
        return None
    try:
        return ImeModel(kenlm, path)
    except (OSError, RuntimeError):  # a damaged file: the repair goes on without it
        return None


def fetch(mirror: str | None = None) -> Path:
    """Download the pinned Debian package and keep its model file (``model_path``)."""
    path = model_path()
    if path.is_file():
        return path
    mirror = (mirror or os.environ.get("NEWSMON_DEBIAN_MIRROR")
              or "http://deb.debian.org/debian").rstrip("/")
    with urllib.request.urlopen(f"{mirror}/{POOL}{PACKAGE}", timeout=120) as resp:
        deb = resp.read()
    if hashlib.sha256(deb).hexdigest() != PACKAGE_SHA256:
        raise ValueError(f"{PACKAGE}: checksum does not match the pinned one")
    data = _member(deb, b"data.tar")
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        found = next((m for m in tar.getmembers() if m.name.endswith(MEMBER)), None)
        if found is None:
            raise ValueError(f"{PACKAGE}: no {MEMBER} in it")
        blob = tar.extractfile(found).read()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    tmp.write_bytes(blob)
    os.replace(tmp, path)
    return path


def _member(deb: bytes, prefix: bytes) -> bytes:
    """A member of a ``.deb`` (an ``ar`` archive) whose name starts with ``prefix``."""
    if not deb.startswith(b"!<arch>\n"):
        raise ValueError(f"{PACKAGE}: not a Debian package")
    at = 8
    while at + 60 <= len(deb):
        name, size = deb[at:at + 16].strip(), int(deb[at + 48:at + 58])
        if name.startswith(prefix):
            return deb[at + 60:at + 60 + size]
        at += 60 + size + (size & 1)
    raise ValueError(f"{PACKAGE}: no {prefix.decode()} member")


def main(argv: list[str]) -> int:
    """``fetch``: get the model file unless it is there; one line either way."""
    if argv != ["fetch"]:
        print("usage: python -m pipeline.repair.imelm fetch", file=sys.stderr)
        return 2
    try:
        path = fetch()
    except (OSError, ValueError) as exc:
        print(f"input-method language model not fetched ({exc}): the repair runs without it",
              file=sys.stderr)
        return 1
    print(f"input-method language model: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
