"""The readings a byte-shifted run leaves open, as GBK byte slots.

Why apart from the choosing: this is the byte-level model of the damage
(``shared/notes/mojibake.md``), exact and testable on its own; which reading is right is
the language model's business (``byteshift``). A run starts at the ``?`` that replaced a
lead byte; after it, each damaged character is a pair [trail of one original character,
lead of the next]. What the damage leaves open: the lost lead byte; a full-width character
folded to ASCII; a user-defined pair that vanished; where the run ends (an ASCII trail byte,
or a bad pair that took an ASCII byte with it); a pinyin annotation put in after a
*phantom* character of the shifted read (``日?qǐng)``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from pipeline.repair import gbk
from pipeline.repair import pinyin as py

#: longest run followed, in damaged characters
MAX_TOKENS = 24
#: log-prior of the readings the damage leaves open (relative to a plain reading)
PRIOR_VANISH = -3.0
PRIOR_TRAIL_80 = -6.0
PRIOR_LOST_BYTE = -1.0
PRIOR_PHANTOM = -1.0
#: full-width letters and digits are rare in Chinese text; full-width punctuation is not
PRIOR_FOLD_ALNUM = -4.0
#: readings less likely than this are not followed
MIN_PRIOR = -9.0
#: vanished pairs followed per run. Runs where two vanished are not repaired; readings
#: with two are followed only as rivals of a repair that restores one (``byteshift``)
MAX_VANISH = 1
_ANY_LEAD = frozenset(range(0x81, 0xFF))
_HIGH_TRAIL = frozenset(range(0x81, 0xFF))
# a vanished pair is [trail of one char, lead of the next] landing in a user-defined area
VANISH_VARIANTS = (
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
    #: where user-defined pairs are assumed to have vanished: (characters read before it,
    #: ``VANISH_VARIANTS`` index) each
    vanished_at: tuple = ()

    @property
    def vanish(self) -> int:
        """How many pairs vanished."""
        return len(self.vanished_at)


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


@functools.lru_cache(maxsize=65536)
def slot_chars(lead, trail, hint: str | None = None) -> tuple[str, ...]:
    """Characters a slot may hold; ints are known bytes, frozensets are constraints; with
    ``hint``, only those the pinyin syllable reads.

    Remembered (the same few thousand slots recur in every run), so each pool is one
    object for the life of the process and callers may cache what they derive from it by
    its identity. Read-only: a tuple.
    """
    chars = _slot_chars(lead, trail, hint)
    if hint:
        chars = [c for c in chars if hint in py.readings(c)]
    return tuple(chars)


def _slot_chars(lead, trail, hint: str | None = None) -> list[str]:
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


#: a URL's query string after its ``?`` (``back.php?p=1700``): the key and its ``=``
_QUERY = re.compile(r"\?[A-Za-z_][A-Za-z0-9_.\-]*=")
#: how far back a URL's path is looked for (a page of nothing but ``/a?b=`` stays linear)
_URL_BACK = 256


def suspicious(text: str, i: int) -> bool:
    """Cheap test: can the ``?`` at ``i`` start a shifted run at all?"""
    if i + 1 >= len(text) or _starts_query(text, i):
        return False
    nxt = text[i + 1]
    if nxt >= "\x80":
        return gbk.char_bytes(nxt) is not None
    return "\x21" <= nxt <= "\x7e"


def _starts_query(text: str, i: int) -> bool:
    """Is the ``?`` at ``i`` the start of a URL's query string?

    Why: a ``?`` between a path and ``key=`` is what URLs are made of, and pages quote
    them (``詳見 http://…/back.php?p=1700``). Taken for damage, it was recorded as a run
    left unresolved, with Chinese readings that search then indexed. Damage looks like
    that only where a character whose trail byte is a letter stood right after a path
    and before ASCII text with ``=`` in it.
    """
    if not _QUERY.match(text, i):
        return False
    j, stop = i, max(0, i - _URL_BACK)
    while j > stop and "\x21" <= text[j - 1] <= "\x7e":
        j -= 1
    return "/" in text[j:i]


def readings(text: str, start: int, max_vanish: int = MAX_VANISH) -> list[Reading]:
    """Every reading of the damaged run that starts with the ``?`` at ``start``, with at
    most ``max_vanish`` vanished pairs."""
    out: list[Reading] = []
    first = Reading(slots=[], end=start + 1)
    _walk(text, start + 1, _ANY_LEAD, first, out, 0, max_vanish)
    phantom = _phantom(text, start)
    if phantom is not None:
        leads, after = phantom
        _walk(text, after, leads, Reading(slots=[], end=after, prior=PRIOR_PHANTOM),
              out, 0, max_vanish)
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


def _walk(text, k, pending, r: Reading, out, depth, limit):
    if depth > MAX_TOKENS or k > len(text):
        return
    # a user-defined pair may have vanished here: [trail of this char, lead of the next]
    if r.vanish < limit and r.prior + PRIOR_VANISH >= MIN_PRIOR:
        for variant, (trails, leads) in enumerate(VANISH_VARIANTS):
            v = _push(r, (pending, trails), PRIOR_VANISH)
            v.vanished_at = r.vanished_at + ((len(r.slots) - r.vanish, variant),)
            _walk(text, k, leads, v, out, depth + 1, limit)
    if k >= len(text):
        return
    ch = text[k]
    if ch >= "\x80":
        raw = gbk.char_bytes(ch)
        if raw is None or len(raw) != 2:
            return
        x, y = raw
        if y >= 0x81:
            _walk(text, k + 1, y, _push(r, (pending, x), 0.0), out, depth + 1, limit)
        elif 0x40 <= y <= 0x7E:
            _finish(r, (pending, x), chr(y), k + 1, 0.0, out)
        return
    o = ord(ch)
    if 0x21 <= o <= 0x7E:
        # a full-width character folded to ASCII after the damage: [A3, o+0x80]
        fold = 0.0 if not ch.isalnum() else PRIOR_FOLD_ALNUM
        if r.prior + fold >= MIN_PRIOR:
            _walk(text, k + 1, o + 0x80, _push(r, (pending, 0xA3), fold), out, depth + 1,
                  limit)
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
        elif k + 1 == len(text):
            # the text ends here: a lead byte left alone at the end, no byte taken
            _finish(r, (pending, _HIGH_TRAIL), "", k + 1, PRIOR_LOST_BYTE, out)
        else:
            _finish(r, (pending, _HIGH_TRAIL), "?", k + 1, PRIOR_LOST_BYTE, out, lost=True)
        _finish(r, (pending, 0x80), "", k + 1, PRIOR_TRAIL_80, out)


def _push(r: Reading, slot, prior) -> Reading:
    return Reading(slots=r.slots + [slot], tail=r.tail, end=r.end, prior=r.prior + prior,
                   lost=r.lost, vanished_at=r.vanished_at)


def _finish(r, slot, tail, end, prior, out, lost=False, hint=None):
    out.append(Reading(slots=r.slots + [slot], tail=tail, end=end, prior=r.prior + prior,
                       lost=r.lost or lost, hint=hint, vanished_at=r.vanished_at))
