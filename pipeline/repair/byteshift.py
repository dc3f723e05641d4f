"""Byte-shift repair: ``真情服務?!苯A縣`` → ``真情服務。”江華縣``.

How (``shared/notes/mojibake.md`` has the byte-level story): a run starts at a ``?`` that
replaced a lead byte; every character after it was read one byte out of step until an
ASCII byte brought the reader back. We re-encode the damaged characters to the GBK bytes
they were read from, enumerate the readings the damage leaves open (the lost lead byte,
a full-width character folded to ASCII, a user-defined pair that vanished, the run's end,
an ASCII byte swallowed by a bad pair, a pinyin annotation the chain put in), decode each
reading in step and let the language model choose. A repair is made only when the best
reading beats the damaged text *and* every other reading by a clear margin: a wrong
repair is worse than none, since editors read the result as fact.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

from pipeline.repair import gbk
from pipeline.repair import pinyin as py

#: how far back and ahead of a run the language model looks (characters)
LEFT_CTX = 8
RIGHT_CTX = 8
#: longest run followed, in damaged characters
MAX_TOKENS = 24
#: candidates kept per unknown character before joint scoring
TOP_PER_SLOT = 8
#: ... when two or more characters are unknown (a vanished pair), and the beam over them
TOP_JOINT = 5
#: pairs scored in full for a vanished pair (after a cheap dictionary ranking)
PAIR_POOL = 40
BEAM = 5

#: log-prior of the readings the damage leaves open (relative to a plain reading)
PRIOR_VANISH = -3.0
PRIOR_TRAIL_80 = -6.0
PRIOR_LOST_BYTE = -1.0
PRIOR_PHANTOM = -1.0
#: full-width letters and digits are rare in Chinese text; full-width punctuation is not
PRIOR_FOLD_ALNUM = -4.0
#: a repair that makes a full-width letter, digit or symbol (``Ｍ``, ``＋``) is suspect
PRIOR_ODD_WIDE = -6.0
_COMMON_WIDE = frozenset("！，．：；？（）％、")
#: readings less likely than this are not followed
MIN_PRIOR = -9.0
#: pinyin evidence, per annotation
PY_MATCH = 6.0
PY_CLASH = -9.0

#: accept a repair only with this gain over the damaged text and margin over the runner-up
MIN_GAIN = 4.0
MIN_MARGIN = 3.0
#: ... and over the best reading of the other kind (vanished pair or not), vanish prior aside
MIN_RIVAL = 2.0

_ANY_LEAD = frozenset(range(0x81, 0xFF))
_HIGH_TRAIL = frozenset(range(0x81, 0xFF))
# a vanished pair is [trail of one char, lead of the next] landing in a user-defined area
_VANISH_VARIANTS = (
    (frozenset(list(range(0xAA, 0xB0)) + list(range(0xF8, 0xFF))), frozenset(range(0xA1, 0xFF))),
    (frozenset(range(0xA1, 0xA8)), frozenset(range(0x81, 0xA1))),
)


@dataclass
class Reading:
    """One way the damaged bytes may have been read: slots (lead, trail) plus what follows."""

    slots: list = field(default_factory=list)
    tail: str = ""
    end: int = 0
    prior: float = 0.0
    lost: bool = False
    hint: str | None = None   # pinyin syllable for the last slot (annotation after the run)
    vanish: bool = False      # a user-defined pair is assumed to have vanished


@dataclass
class Outcome:
    start: int
    end: int
    after: str
    confidence: float
    status: str          # "repaired" | "unresolved"
    lost: bool = False


@functools.lru_cache(maxsize=1)
def _index():
    """GBK characters by lead byte and by trail byte (real characters only)."""
    by_lead: dict[int, list[tuple[int, str]]] = {}
    by_trail: dict[int, list[tuple[int, str]]] = {}
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            if trail == 0x7F:
                continue
            try:
                ch = bytes((lead, trail)).decode("gbk")
            except UnicodeDecodeError:
                continue
            by_lead.setdefault(lead, []).append((trail, ch))
            by_trail.setdefault(trail, []).append((lead, ch))
    return by_lead, by_trail


def slot_chars(lead, trail, hint: str | None = None) -> list[str]:
    """Characters a slot may hold; ints are known bytes, frozensets are constraints."""
    by_lead, by_trail = _index()
    if not isinstance(lead, int) and not isinstance(trail, int):
        if hint:
            out = []
            for ch in py.chars_for(hint):
                raw = gbk.char_bytes(ch)
                if raw and len(raw) == 2 and raw[0] in lead and raw[1] in trail:
                    out.append(ch)
            return out
        if len(lead) <= len(trail):
            return [ch for l in sorted(lead) for t, ch in by_lead.get(l, ()) if t in trail]
        return [ch for t in sorted(trail) for l, ch in by_trail.get(t, ()) if l in lead]
    if isinstance(lead, int) and isinstance(trail, int):
        ch = gbk.pair_char(lead, trail)
        if not ch or 0xE000 <= ord(ch) <= 0xF8FF:
            return []
        return [ch]
    if isinstance(trail, int):
        return [ch for l, ch in by_trail.get(trail, ()) if l in lead]
    if isinstance(lead, int):
        return [ch for t, ch in by_lead.get(lead, ()) if t in trail]
    return []


def suspicious(text: str, i: int) -> bool:
    """Cheap test: can the ``?`` at ``i`` start a shifted run at all?"""
    if i + 1 >= len(text):
        return False
    nxt = text[i + 1]
    if nxt >= "\x80":
        return gbk.char_bytes(nxt) is not None
    return "\x21" <= nxt <= "\x7e"


# -- readings ----------------------------------------------------------------------------

def readings(text: str, start: int) -> list[Reading]:
    """Every reading of the damaged run that starts with the ``?`` at ``start``."""
    out: list[Reading] = []
    first = Reading(slots=[], end=start + 1)
    _walk(text, start + 1, _ANY_LEAD, first, False, out, 0)
    phantom = _phantom(text, start)
    if phantom is not None:
        leads, after = phantom
        _walk(text, after, leads, Reading(slots=[], end=after, prior=PRIOR_PHANTOM),
              False, out, 0)
    return out


def _phantom(text: str, start: int):
    """``日?qǐng)`` : a pinyin tool annotated a character the shifted read made up.

    That phantom was [trail of the char before, the lost lead], so its reading pins the
    lost lead byte. Returns (possible leads, index after the annotation) or None.
    """
    m = py.TAIL_RE.match(text, start + 1)
    if not m or start == 0 or not py.is_syllable(m.group(1)):
        return None
    prev = gbk.char_bytes(text[start - 1])
    if prev is None or len(prev) != 2 or not gbk.is_lead(prev[1]):
        return None
    syl = m.group(1)
    leads = frozenset(
        l for l in range(0x81, 0xFF)
        if (ch := gbk.pair_char(prev[1], l)) and syl in py.readings(ch)
    )
    if not leads:
        return None
    return leads, m.end()


def _walk(text, k, pending, r: Reading, vanished, out, depth):
    if depth > MAX_TOKENS or k > len(text):
        return
    # a user-defined pair may have vanished here: [trail of this char, lead of the next]
    if not vanished and r.prior + PRIOR_VANISH >= MIN_PRIOR:
        for trails, leads in _VANISH_VARIANTS:
            v = _push(r, (pending, trails), PRIOR_VANISH)
            v.vanish = True
            _walk(text, k, leads, v, True, out, depth + 1)
    if k >= len(text):
        return
    ch = text[k]
    if ch >= "\x80":
        raw = gbk.char_bytes(ch)
        if raw is None or len(raw) != 2:
            return
        x, y = raw
        if y >= 0x81:
            _walk(text, k + 1, y, _push(r, (pending, x), 0.0), vanished, out, depth + 1)
        elif 0x40 <= y <= 0x7E:
            _finish(r, (pending, x), chr(y), k + 1, 0.0, out)
        return
    o = ord(ch)
    if 0x21 <= o <= 0x7E:
        # a full-width character folded to ASCII after the damage: [A3, o+0x80]
        fold = 0.0 if not ch.isalnum() else PRIOR_FOLD_ALNUM
        if r.prior + fold >= MIN_PRIOR:
            _walk(text, k + 1, o + 0x80, _push(r, (pending, 0xA3), fold), vanished, out,
                  depth + 1)
    if 0x40 <= o <= 0x7E:
        _finish(r, (pending, o), "", k + 1, 0.0, out)
    if ch == "?":
        # a bad pair [trail, ASCII byte] took the ASCII byte with it
        m = py.TAIL_RE.match(text, k + 1)
        if m and py.is_syllable(m.group(1)):
            _finish(r, (pending, _HIGH_TRAIL), "(", k + 1, PRIOR_LOST_BYTE, out,
                    hint=m.group(1))
        elif text.startswith("/", k + 1) and ">" in text[k + 2:k + 12]:
            _finish(r, (pending, _HIGH_TRAIL), "<", k + 1, PRIOR_LOST_BYTE, out)
        else:
            _finish(r, (pending, _HIGH_TRAIL), "?", k + 1, PRIOR_LOST_BYTE, out, lost=True)
        _finish(r, (pending, 0x80), "", k + 1, PRIOR_TRAIL_80, out)


def _push(r: Reading, slot, prior) -> Reading:
    return Reading(slots=r.slots + [slot], tail=r.tail, end=r.end, prior=r.prior + prior,
                   lost=r.lost, vanish=r.vanish)


def _finish(r, slot, tail, end, prior, out, lost=False, hint=None):
    out.append(Reading(slots=r.slots + [slot], tail=tail, end=end, prior=r.prior + prior,
                       lost=r.lost or lost, hint=hint, vanish=r.vanish))


# -- choosing ------------------------------------------------------------------------------

class Chooser:
    """Scores readings of one run in its context with the document model."""

    def __init__(self, doc, text: str, start: int):
        self.doc = doc
        self.text = text
        self.left = py.strip(text[max(0, start - 3 * LEFT_CTX):start])[-LEFT_CTX:]
        self._after = ""

    def window(self, start: int, end: int, middle: str, right_end: int) -> float:
        right = self.text[end:right_end]
        full = self.left + middle + right
        good, bad = py.agreement(full)
        return self.doc.score(py.strip(full)) + PY_MATCH * good + PY_CLASH * bad

    def fill(self, r: Reading, start: int, right_end: int) -> list[tuple[float, str, int]]:
        """Best characters for a reading's slots (beam search over the unknown ones)."""
        options = []
        for idx, (lead, trail) in enumerate(r.slots):
            last = idx == len(r.slots) - 1
            chars = slot_chars(lead, trail, r.hint if last else None)
            if not chars:
                return []
            if r.hint and idx == len(r.slots) - 1:
                hinted = [c for c in chars if r.hint in py.readings(c)]
                if not hinted:
                    return []
                chars = hinted
            options.append(chars)
        # what follows the run, for the last slots' right-hand context
        self._after = py.strip(r.tail + self.text[r.end:r.end + 3 * RIGHT_CTX])[:3]
        options = self._pair_up(options)
        unknown = [i for i, o in enumerate(options) if len(o) > 1]
        keep = TOP_PER_SLOT if len(unknown) <= 1 else TOP_JOINT
        full = options
        options = [self._prune(o, full, i, keep) if len(o) > keep else o
                   for i, o in enumerate(full)]
        beam: list[tuple[float, str]] = [(0.0, "")]
        for i, chars in enumerate(options):
            if len(chars) == 1 or len(unknown) <= 1:
                beam = [(s, p + c) for s, p in beam for c in chars]
                continue
            known_after = ""
            for later in options[i + 1:]:
                if len(later) != 1:
                    break
                known_after += later[0]
            scored = []
            for _, prefix in beam:
                for c in chars:
                    mid = prefix + c + known_after
                    scored.append((self.window(start, start, mid, start), prefix + c))
            scored.sort(reverse=True)
            beam = scored[:BEAM]
        tail = r.tail
        result = []
        for _, s in beam:
            mid = gbk.fold_width(s) + tail
            odd = sum(1 for c in s if "\uff01" <= c <= "\uff5e" and c not in _COMMON_WIDE)
            prior = r.prior
            if r.vanish and "，" in s:
                # a comma's trail byte (AC) starts a user-defined pair with almost any
                # following lead byte: after a comma, a vanished pair is the rule
                prior -= PRIOR_VANISH
            lm = self.window(start, r.end, mid, right_end) + PRIOR_ODD_WIDE * odd
            # the vanish prior aside, for comparing readings of the two kinds
            bare = lm + r.prior - (PRIOR_VANISH if r.vanish else 0.0)
            result.append((lm + prior, mid, odd, bare))
        return result

    def _pair_up(self, options: list[list[str]]) -> list[list[str]]:
        """Merge two neighbouring unknown characters (a vanished pair) into one slot.

        Their bytes were lost together, so they must be chosen together: ``莫斯科`` is only
        found if ``莫`` and ``斯`` are tried as a pair against the known ``科``.
        """
        out: list[list[str]] = []
        i = 0
        while i < len(options):
            a = options[i]
            if i + 1 < len(options) and len(a) > 1 and len(options[i + 1]) > 1:
                b = options[i + 1]
                prev = "".join(o[0] for o in options[:i]) if all(
                    len(o) == 1 for o in options[:i]) else ""
                prev = (self.left + prev)[-2:]
                nxt = ""
                for o in options[i + 2:]:
                    if len(o) != 1:
                        break
                    nxt += o[0]
                else:
                    nxt += self._after
                nxt = nxt[:2]
                out.append(self._pairs(a, b, prev, nxt))
                i += 2
                continue
            out.append(a)
            i += 1
        return out

    def _pairs(self, a: list[str], b: list[str], prev: str, nxt: str) -> list[str]:
        cands: set[str] = set()
        aset = set(a)
        heads = self.doc.lm.heads()
        # words that the pair completes on the right (``莫斯`` from ``斯``, ``莫斯科`` from ``斯科``)
        for y in b:
            for key in (y, y + nxt[:1], y + nxt[:2]):
                for x in heads.get(key, ()):
                    if x in aset:
                        cands.add(x + y)
        top_a = sorted(a, key=lambda c: -self._quick(prev, c, ""))[:TOP_JOINT]
        top_b = sorted(b, key=lambda c: -self._quick("", c, nxt))[:TOP_JOINT]
        cands.update(x + y for x in top_a for y in top_b)
        if len(cands) > PAIR_POOL:
            cands = set(sorted(cands, key=lambda ab: -self._quick(prev, ab, nxt))[:PAIR_POOL])
        score = self.doc.score
        ranked = sorted(cands, key=lambda ab: -score(prev + ab + nxt))
        return ranked[:40]

    def _quick(self, prev: str, c: str, nxt: str) -> float:
        """A few dictionary look-ups: does ``c`` make a word with a neighbour?"""
        wl = self.doc.word_logp
        best = wl(c)
        if best is None:
            best = sum(self.doc.single_logp(x) for x in c)
        for w in (prev[-1:] + c, c + nxt[:1], c + nxt[:2], prev[-2:] + c, c[-1:] + nxt[:1],
                  c[-1:] + nxt[:2], prev[-1:] + c[:1]):
            if len(w) > 1:
                lp = wl(w)
                if lp is not None and lp + 4 > best:
                    best = lp + 4
        return best

    def _prune(self, pool, context, i, keep, guess=False) -> list[str]:
        """Rank one slot's characters by their fit with their neighbours.

        ``context`` holds every slot's options; a known slot (one option) is context, and
        with ``guess`` so is the current favourite of an unknown one.
        """
        prev = ""
        for o in context[:i]:
            prev = prev + o[0] if (len(o) == 1 or guess) else ""
        if len(prev) == i:
            prev = self.left + prev
        prev = prev[-2:]
        nxt = ""
        for o in context[i + 1:]:
            if len(o) != 1 and not guess:
                break
            nxt += o[0]
        else:
            nxt += self._after
        nxt = nxt[:2]
        if len(pool) > 200:
            pool = sorted(pool, key=lambda c: -self._quick(prev, c, nxt))[:40]
        ranked = sorted(pool, key=lambda c: -self.doc.score(prev + c + nxt))
        return ranked[:keep]


@dataclass
class Candidates:
    """Every scored reading of one run: (replacement, length consumed) → (score, reading)."""

    start: int
    base: float
    scored: dict
    key: str


def candidates(doc, text: str, start: int) -> Candidates | None:
    rs = readings(text, start)
    if not rs:
        return None
    max_end = max(r.end for r in rs)
    right_end = min(len(text), max_end + RIGHT_CTX)
    chooser = Chooser(doc, text, start)
    base = chooser.window(start, start, "", right_end)
    best: dict[tuple[str, int], tuple[float, Reading]] = {}
    for r in rs:
        for sc, mid, odd, bare in chooser.fill(r, start, right_end):
            key = (mid, r.end - start)
            if key not in best or sc > best[key][0]:
                best[key] = (sc, r, odd, bare)
    if not best:
        return None
    return Candidates(start, base, best, text[start:max_end + 2])


def decide(text: str, group: list[Candidates], own: Candidates) -> Outcome | None:
    """Choose for ``own``, pooling the evidence of every run damaged exactly like it.

    The same word damaged the same way (``太??萍`` five times in seed 004) must have the
    same repair, and five contexts tell more than one.
    """
    base = sum(c.base for c in group)
    totals: dict[tuple[str, int], float] = {}
    for key in own.scored:
        if all(key in c.scored for c in group):
            totals[key] = sum(c.scored[key][0] for c in group)
    if not totals:
        return None
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])
    (mid, length), top = ranked[0]
    r = own.scored[(mid, length)][1]
    start = own.start
    end = start + length
    gain = top - base
    if gain < MIN_GAIN:
        return None
    runner = ranked[1][1] if len(ranked) > 1 else -math.inf
    margin = top - runner
    confidence = 1.0 / (1.0 + math.exp(-(min(gain, 2 * margin) - MIN_GAIN) / 2.0))
    odd = own.scored[(mid, length)][2]
    # a vanished pair and a lost lead byte can explain the same damage: if the best
    # reading of the other kind is close once the vanish prior is set aside, say so
    rival = _rival(group, own, r.vanish)
    close_rival = False
    if rival is not None:
        mine = sum(c.scored[(mid, length)][3] for c in group)
        close_rival = mine - rival < MIN_RIVAL
    if margin < MIN_MARGIN or odd or close_rival:
        return Outcome(start, end, text[start:end], confidence, "unresolved")
    if r.hint and mid.endswith("("):
        # the annotation whose "(" the bad pair took goes with the repair
        m = py.TAIL_RE.match(text, end)
        if m:
            mid, end = mid[:-1], m.end()
    return Outcome(start, end, mid, confidence, "repaired", lost=r.lost)


def _rival(group: list[Candidates], own: Candidates, vanish: bool) -> float | None:
    """Best pooled score, vanish prior removed, among readings of the other kind."""
    best = None
    for key, (_, r, _, _) in own.scored.items():
        if r.vanish == vanish or not all(key in c.scored for c in group):
            continue
        total = sum(c.scored[key][3] for c in group)
        if best is None or total > best:
            best = total
    return best


def repair_run(doc, text: str, start: int) -> Outcome | None:
    """Decide what to do with the ``?`` at ``start`` on its own evidence."""
    c = candidates(doc, text, start)
    return decide(text, [c], c) if c else None
