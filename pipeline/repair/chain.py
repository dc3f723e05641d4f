"""The repair stages run one after another over a text, with offsets kept right.

Why a separate module: each stage reports edits against the text it was given; this
module applies them, moves the offsets of earlier records to the final text, and keeps
the fast path in ``__init__`` free of imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.repair import Repair, Repaired


@dataclass
class Edit:
    start: int
    end: int
    after: str
    kind: str
    confidence: float
    #: True: text unchanged, only recorded (lost, unresolved)
    note_only: bool = False
    #: records inside the replacement: (offset in ``after``, kind, text, readings), e.g. a
    #: lost character and what it likeliest was
    notes: tuple = ()
    #: what a left run likeliest reads as (``Repair.readings``)
    readings: tuple = ()


def apply(text: str, edits: list[Edit], repairs: list[Repair]) -> str:
    """Apply non-overlapping edits; shift earlier records; add one record per edit."""
    edits = sorted(edits, key=lambda e: e.start)
    out: list[str] = []
    last = 0
    delta = 0
    shifts: list[tuple[int, int]] = []   # (old position, cumulative delta after it)
    new_records = []
    for e in edits:
        if e.start < last:
            continue  # overlapping: the earlier edit wins
        out.append(text[last:e.start])
        after = text[e.start:e.end] if e.note_only else e.after
        new_records.append(Repair(e.kind, e.start + delta, text[e.start:e.end], after,
                                  round(e.confidence, 3), e.readings))
        for rel, kind, piece, readings in e.notes:
            new_records.append(Repair(kind, e.start + delta + rel, piece, piece, 1.0, readings))
        out.append(after)
        delta += len(after) - (e.end - e.start)
        shifts.append((e.end, delta))
        last = e.end
    out.append(text[last:])
    if shifts:
        for r in repairs:
            d = 0
            for pos, cum in shifts:
                if r.offset >= pos:
                    d = cum
                else:
                    break
            r.offset += d
    repairs.extend(new_records)
    return "".join(out)


def run_chain(text: str) -> Repaired:
    from pipeline.repair import classic, lost, shiftstage, pinyinstage

    repairs: list[Repair] = []
    for stage in (classic.edits, shiftstage.edits, pinyinstage.edits, lost.edits):
        edits = stage(text)
        if edits:
            text = apply(text, edits, repairs)
    repairs.sort(key=lambda r: r.offset)
    return Repaired(text, repairs)


_WS = re.compile(r"\s+")
