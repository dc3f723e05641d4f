"""Damage simulator: hurt clean Chinese text the way the seed articles were hurt.

Why it lives in the package and not in tests: the bench and the tests both need it, and
the repair's accuracy figures are only as good as the damage they are measured on. The
steps follow ``shared/notes/mojibake.md``: encode GBK, replace one lead byte with ``?``,
decode pairwise with the damaging reader (one byte out of step until an ASCII byte puts it
back), then fold full-width ASCII variants.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pipeline.repair import gbk


@dataclass
class Damaged:
    text: str
    #: the reference the repair should give back: the clean text, width-folded
    expected: str
    #: character offset of the damaged char in ``expected``
    char_offset: int
    #: how many user-defined pairs vanished while out of step
    vanished: int
    #: True when the out-of-step reader swallowed an ASCII byte (a byte truly gone)
    swallowed: bool


def encode_chars(text: str) -> list[bytes] | None:
    out = []
    for ch in text:
        raw = gbk.char_bytes(ch)
        if raw is None:
            return None
        out.append(raw)
    return out


def gbk_safe(text: str) -> str:
    """Drop characters GBK cannot hold, so any position can be damaged."""
    return "".join(ch for ch in text
                   if gbk.char_bytes(ch) is not None and not "\ue000" <= ch <= "\uf8ff")


def damage_at(text: str, index: int) -> Damaged:
    """Replace the lead byte of ``text[index]`` (a double-byte char) and re-read."""
    chunks = encode_chars(text)
    if chunks is None:
        raise ValueError("text holds characters GBK cannot encode; use gbk_safe()")
    if len(chunks[index]) != 2:
        raise ValueError("position is not a double-byte character")
    before = b"".join(chunks[:index])
    after = b"?" + chunks[index][1:] + b"".join(chunks[index + 1:])
    # decode the prefix alone (it is in step), then the rest out of step
    head = gbk.damaging_decode(before)
    tail, vanished, swallowed = _read_shifted(after)
    return Damaged(
        text=gbk.fold_width(head + tail),
        expected=gbk.fold_width(text),
        char_offset=index,
        vanished=vanished,
        swallowed=swallowed,
    )


def _read_shifted(data: bytes) -> tuple[str, bool, bool]:
    """damaging_decode plus what happened on the way back into step."""
    out = []
    vanished = 0
    swallowed = False
    i, n = 0, len(data)
    in_run = True
    while i < n:
        b = data[i]
        if b < 0x80:
            out.append(chr(b))
            i += 1
            if i > 1:
                in_run = False
            continue
        if not gbk.is_lead(b) or i + 1 >= n:
            out.append("?")
            i += 1
            continue
        ch = gbk.pair_char(b, data[i + 1])
        if in_run:
            if ch == "":
                vanished += 1
            if ch is None and data[i + 1] < 0x80:
                swallowed = True
            if data[i + 1] < 0x80:
                in_run = False
        out.append("?" if ch is None else ch)
        i += 2
    return "".join(out), vanished, swallowed


def random_positions(text: str, count: int, rng: random.Random, gap: int = 40) -> list[int]:
    """Distinct double-byte positions at least ``gap`` chars apart (runs must not touch)."""
    cands = [i for i, ch in enumerate(text) if ord(ch) >= 0x80 and gbk.char_bytes(ch)]
    rng.shuffle(cands)
    chosen: list[int] = []
    for i in cands:
        if all(abs(i - j) >= gap for j in chosen):
            chosen.append(i)
            if len(chosen) >= count:
                break
    return sorted(chosen)


#: lead bytes that make a full-width ``！``, ``？`` or ``，`` with a trail byte A3 before them
_FOLDED_AFTER_A3 = frozenset((0xA1, 0xBF, 0xAC))


def seed_sites(text: str) -> list[int]:
    """The places the seeds' damage strikes: a character whose trail byte is A3 before
    one whose lead byte is A1, BF or AC.

    Why: ``random_positions`` damages any character, as the issue's bench asks, but the
    seeds were not damaged at random. Of their 15 byte-shift runs, 12 begin where a
    character's trail byte and the next one's lead byte read, one byte out of step, as
    ``！`` (A3 A1: ``。”``, ``。“``) or ``？`` (A3 BF: ``保科``); the other three lie under
    the pinyin tool's annotations (``日?qǐng)?bào)``). 12 of the seeds' 14 such places
    were hit, and none of the 48 where the same bytes read as another full-width form
    (``。常`` is A1 A3 B3 A3: ``３``). That is what a tool leaves that folds ``！`` and
    ``？`` (and likely ``，``) to ASCII in GBK bytes without heeding where characters
    begin: the lead byte left alone reads as ``?``. So the repair is measured on these
    places too (``bench/repair.py``): the damage newsmon is known to meet.
    """
    chunks = encode_chars(text)
    if chunks is None:
        return []
    return [i for i in range(len(chunks) - 1)
            if len(chunks[i]) == 2 and chunks[i][1] == 0xA3
            and len(chunks[i + 1]) == 2 and chunks[i + 1][0] in _FOLDED_AFTER_A3]


def swallowed_index(text: str, index: int) -> int | None:
    """Char index of the ASCII char an out-of-step bad pair swallowed, if any."""
    chunks = encode_chars(text)
    if chunks is None:
        return None
    starts = []
    pos = 0
    for c in chunks:
        starts.append(pos)
        pos += len(c)
    base = starts[index]
    data = b"?" + chunks[index][1:] + b"".join(chunks[index + 1:])
    i = 0
    n = len(data)
    while i < n:
        b = data[i]
        if b < 0x80:
            if i > 0:
                return None
            i += 1
            continue
        if not gbk.is_lead(b) or i + 1 >= n:
            return None
        if data[i + 1] < 0x80:
            if gbk.pair_char(b, data[i + 1]) is None:
                target = base + i + 1
                return starts.index(target) if target in starts else None
            return None
        i += 2
    return None


#: classes of runs by how many user-defined pairs vanished: the targets differ by class
VANISH_CLASSES = ("none", "one", "more")


def vanish_class(vanished: int) -> str:
    return VANISH_CLASSES[min(vanished, 2)]


@dataclass
class Tally:
    """Outcome counts for one class of runs (with or without a vanished pair)."""

    runs: int = 0
    exact: int = 0
    partial: int = 0
    left: int = 0
    wrong: int = 0

    def add(self, verdict: str) -> None:
        """Count one run's verdict (``classify``)."""
        self.runs += 1
        setattr(self, verdict, getattr(self, verdict) + 1)

    def rates(self) -> dict:
        made = self.exact + self.wrong
        return {
            "runs": self.runs,
            "exact": self.exact / self.runs if self.runs else 0.0,
            "partial": self.partial / self.runs if self.runs else 0.0,
            "left": self.left / self.runs if self.runs else 0.0,
            "wrong": self.wrong / self.runs if self.runs else 0.0,
            "wrong_of_repairs": self.wrong / made if made else 0.0,
        }


def _diff_core(a: str, b: str) -> tuple[str, str]:
    i = 0
    m = min(len(a), len(b))
    while i < m and a[i] == b[i]:
        i += 1
    j = 0
    while j < m - i and a[len(a) - 1 - j] == b[len(b) - 1 - j]:
        j += 1
    return a[i:len(a) - j], b[i:len(b) - j]


def classify(output: str, damaged: Damaged, original: str) -> str:
    """exact | partial | left | wrong, judged on the damaged stretch only.

    partial: right but for one ``?`` that stands for what the damage took where it stands:
    a character, plus one for each pair that vanished (a marked loss, not a claim).
    """
    wanted = [damaged.expected]
    if damaged.swallowed:
        k = swallowed_index(original, damaged.char_offset)
        if k is not None:
            wanted.append(damaged.expected[:k] + "?" + damaged.expected[k + 1:])
    if any(_diff_core(output, w) == ("", "") for w in wanted):
        return "exact"
    if _diff_core(output, damaged.text) == ("", ""):
        return "left"
    for w in wanted:
        got, lost = _diff_core(output, w)
        if got == "?" and 1 <= len(lost) <= 1 + damaged.vanished:
            return "partial"
    return "wrong"


def evaluate(texts: list[str], trials: int, seed: int = 1, repair=None, timer=None):
    """Damage random positions of ``texts`` one at a time; tally what the repair makes of it.

    Returns ({"none"|"one"|"more": Tally} by vanished pairs, seconds per run, examples of
    wrong repairs).
    """
    import time

    if repair is None:
        from pipeline.repair import repair_text

        def repair(t):
            return repair_text(t).text
    rng = random.Random(seed)
    tallies = {k: Tally() for k in VANISH_CLASSES}
    times: list[float] = []
    wrong_examples = []
    docs = [gbk_safe(t) for t in texts if t.strip()]
    for _ in range(trials):
        doc = rng.choice(docs)
        pos = random_positions(doc, 1, rng)
        if not pos:
            continue
        dmg = damage_at(doc, pos[0])
        t0 = time.perf_counter()
        out = repair(dmg.text)
        times.append(time.perf_counter() - t0)
        verdict = classify(out, dmg, doc)
        tally = tallies[vanish_class(dmg.vanished)]
        tally.add(verdict)
        if verdict != "exact" and len(wrong_examples) < 200:
            a = max(0, pos[0] - 6)
            wrong_examples.append((verdict, dmg.vanished, dmg.text[a:pos[0] + 14],
                                   dmg.expected[a:pos[0] + 14], out[a:pos[0] + 14]))
    return tallies, times, wrong_examples
