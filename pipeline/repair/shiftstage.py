"""Stage: find ``?`` that start byte-shifted runs and repair them with the article as context.

Why the document model is built here, once per text: every run in an article is judged
against the same article (its intact words are the strongest evidence), and building it
costs far more than judging one run.
"""

from __future__ import annotations

import re

from pipeline.repair import byteshift
from pipeline.repair.chain import Edit

#: characters masked around each ``?`` when the article's own statistics are gathered
_MASK_AFTER = 12
#: ``?`` looked at per text: past that a text is a page of question marks or of lost
#: characters, and judging each would stall ingest (the rest is left as it is)
MAX_LOOKS = 400
_QUESTION = re.compile(r"\?")
#: a page where ``?`` are at least this common among Chinese characters (and at least
#: ``LOSSY_MIN`` of them) went through a narrower codec that put ``?`` for what it lacked
#: (simplified text through Big5 loses a quarter of its characters, traditional through
#: GB2312 a third); byte-shift damage leaves one ``?`` a run, about 1 % of the seeds'
#: characters and at most 0.5 % of cwced's in the seeds' form
LOSSY_SHARE = 0.05
LOSSY_MIN = 10
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def edits(text: str) -> list[Edit]:
    starts = [m.start() for m in _QUESTION.finditer(text) if byteshift.suspicious(text, m.start())]
    if not starts:
        return []
    if lossy(text, len(starts)):
        # its "?" stand for characters a codec lost (or are a forum's "?????"), not for
        # lead bytes: re-pairing the bytes around them turns text into other text
        return []
    starts = starts[:MAX_LOOKS]
    from pipeline.repair import charlm, langmodel
    from pipeline.repair import pinyin as py

    chars = charlm.load()
    starts = [i for i in starts if not byteshift.reads_worse_in_step(chars, text, i)]
    if not starts:
        return []
    lm = langmodel.load()
    bare = lm.blank()  # the dictionary alone, for the first look
    starts = [i for i in starts if byteshift.worth_a_look(bare, text, i)]
    if not starts:
        return []
    masked = py.strip(mask_runs(text, starts))
    doc = langmodel.DocModel(lm, masked)
    article_chars = charlm.ArticleChars(chars, masked)
    cands = {i: c for i in starts
             if (c := byteshift.candidates(doc, text, i, article_chars)) is not None}
    groups: dict[str, list] = {}
    for c in cands.values():
        groups.setdefault(c.key, []).append(c)
    out: list[Edit] = []
    done = -1
    for i in starts:
        if i < done or i not in cands:
            continue
        c = cands[i]
        res = byteshift.decide(text, groups[c.key], c)
        if res is None:
            continue
        if res.status == "unresolved":
            out.append(Edit(res.start, res.end, res.after, "unresolved", res.confidence, True,
                            readings=res.readings))
        else:
            notes = []
            if res.lost_at is not None:
                # what no reading could pin down: left as "?", counted
                notes.append((res.lost_at, "lost", "?", res.readings))
            if res.lost and res.after.endswith("?") and res.lost_at != len(res.after) - 1:
                # the ASCII byte a bad pair took is gone: shown as "?", counted
                notes.append((len(res.after) - 1, "lost", "?", ()))
            out.append(Edit(res.start, res.end, res.after, "byte_shift", res.confidence,
                            notes=tuple(notes)))
        done = res.end
    return out


def mask_runs(text: str, starts: list[int]) -> str:
    """``text`` with each suspected run blanked out (``\\x00``), so that the article's own
    statistics, built from it, never vouch for the damage they are asked to judge."""
    chars = list(text)
    for i in starts:
        for j in range(max(0, i - 1), min(len(chars), i + _MASK_AFTER)):
            chars[j] = "\x00"
    return "".join(chars)


def lossy(text: str, questions: int) -> bool:
    """Did ``text`` lose characters to a narrower codec (``?`` for each), rather than
    suffer byte shifts? Told by how common its ``?`` are (``LOSSY_SHARE``)."""
    if questions < LOSSY_MIN:
        return False
    chinese = len(text) - len(_CJK.sub("", text))
    return questions >= LOSSY_SHARE * chinese
