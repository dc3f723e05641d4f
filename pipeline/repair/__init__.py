"""Repair stage: undo the damage reposting chains leave in Chinese text.

Order matters: classic mojibake first (it changes whole stretches back into Chinese),
then byte-shift runs (which may use pinyin annotations as evidence, so those must still
be there), then the annotations go, then what is truly gone is counted. Clean text
takes the fast path: a scan for the few characters every kind of damage leaves behind.

Every change is recorded as a ``Repair`` (offset into the repaired text); a run that has
no clear best reading is left as it is and recorded as ``unresolved``; ``?`` and
``锟斤拷`` that stand for bytes no one can bring back are left and recorded as ``lost``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from pipeline.repair import compiled

# before any hot module is imported: their compiled copies, where built and current
compiled.install()

#: kinds, in the order the stages run
KINDS = ("utf8_as_gbk", "gbk_as_latin1", "utf8_as_cp1252", "byte_shift", "pinyin",
         "lost", "unresolved")


@dataclass
class Repair:
    #: byte_shift | pinyin | utf8_as_gbk | gbk_as_latin1 | utf8_as_cp1252 | lost | unresolved
    kind: str
    #: offset of the span in the *repaired* text
    offset: int
    before: str
    after: str
    confidence: float
    #: for a run left ``unresolved``: what ``before`` likeliest reads as, best first (at
    #: most ``byteshift.READINGS_KEPT``); for the ``?`` a partial repair keeps (``lost``):
    #: what it likeliest stands for. Not applied, not a claim: shown to editors as
    #: guesses, and indexed beside the text so a search for the words the damage hit still
    #: finds the article (``pipeline.leftruns``)
    readings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        d = asdict(self)
        if self.readings:
            d["readings"] = list(self.readings)
        else:
            del d["readings"]  # the log's entries keep their fields where there is nothing to say
        return d


@dataclass
class Repaired:
    text: str
    repairs: list[Repair] = field(default_factory=list)


# a quick look for anything any stage could act on
_SUSPECT = re.compile(
    r"[?\ue000-\uf8ff\ufffd\u00c0-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
    r"\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a"
    r"\u20ac\u2122锟鈥銆锛鍙鏄浠鐨勬槸]|\([a-zü\u0101-\u01dc\u0144\u0148\u01f9\u1e3f]{1,7}\)"
)


def repair_text(text: str) -> Repaired:
    """Repair ``text``; returns the repaired text and one record per change or loss."""
    if not text or _SUSPECT.search(text) is None:
        return Repaired(text)
    from pipeline.repair.chain import run_chain

    return run_chain(text)
