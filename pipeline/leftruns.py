"""What the runs a repair left may read as, in their context: text for search only.

Why: a damaged run the repair cannot settle stays in the article as it arrived
(``江?A縣``), so a search or an alert rule for the words it hit would never find the
article. The repair records the run's likeliest readings (``Repair.readings``); each, with
the characters around the run, is indexed beside the text, never shown as the text. On
simulated damage the original is among them in two of three runs left where at most one
byte pair vanished, so most such articles are found again, at the cost of an occasional
match on a reading that was not what the page said (the page shows the run as left, with
its guesses).
"""

from __future__ import annotations

from pipeline.chinese import simplify

#: characters of the field kept on each side of a reading: enough for a phrase across it
CONTEXT = 8
#: the article's fields the repair runs over (the log's ``field`` names)
FIELDS = ("title", "text", "origin", "author")
#: records whose damage stayed in the text: a run left, a ``?`` a partial repair kept
KINDS = ("unresolved", "lost")


def search_text(article) -> str:
    """Each left run's readings (and each kept ``?``'s) within their context, one per line;
    "" when there are none."""
    return "\n".join(window for _, _, window, _ in _windows(article))


def guessed_spans(article, terms: list[str]) -> list[tuple[int, int]]:
    """Where in ``article.text`` damage left stands that one of its readings, in context,
    turns into one of ``terms`` (folded as search folds them).

    Why: an article found only through a guess would show a snippet with nothing marked;
    marking the damage shows the editor which spot may read as what they searched for.
    """
    return sorted({span for field, span, _, _ in _matching(article, terms) if field == "text"})


def guessed_readings(article, terms: list[str]) -> list[str]:
    """The readings in context (as indexed) that hold one of ``terms``: what a search hit,
    and so an alert, says it was found through, where the text may not hold the words."""
    return list(dict.fromkeys(window for _, _, window, _ in _matching(article, terms)))


def _matching(article, terms: list[str]):
    """The windows where a term stands over the reading itself, not only its context (a
    term the context holds is in the text anyway: no guess found it)."""
    wanted = [t for t in ("".join(simplify(term).split()) for term in terms) if t]
    for field, span, window, (a, b) in _windows(article):
        folded = simplify(window)
        if any(_overlaps(folded, t, a, b) for t in wanted):
            yield field, span, window, (a, b)


def _overlaps(folded: str, term: str, a: int, b: int) -> bool:
    at = folded.find(term)
    while at >= 0:
        if at < b and at + len(term) > a:
            return True
        at = folded.find(term, at + 1)
    return False


def _windows(article):
    """(field, span of the damage in that field, one reading in its context, where the
    reading stands in that window) for each reading of damage left."""
    for entry in article.repair_log or ():
        if not isinstance(entry, dict):
            continue
        readings = entry.get("readings")
        before = entry.get("before")
        if (entry.get("kind") not in KINDS or not isinstance(readings, list)
                or not isinstance(before, str)):
            continue
        field = entry.get("field")
        text = getattr(article, field) if field in FIELDS else None
        if not isinstance(text, str) or not before:
            continue
        at = _locate(text, before, entry.get("offset"))
        if at < 0:
            continue
        end = at + len(before)
        left, right = text[max(0, at - CONTEXT):at], text[end:end + CONTEXT]
        for r in readings:
            if isinstance(r, str):
                yield field, (at, end), left + r + right, (len(left), len(left) + len(r))


def _locate(text: str, piece: str, offset) -> int:
    """Where ``piece`` stands: at the recorded offset, else the nearest occurrence before it
    (a text file's offsets count its header lines too), else the first; -1 if nowhere."""
    if isinstance(offset, int) and not isinstance(offset, bool) and offset >= 0:
        at = text.rfind(piece, 0, offset + len(piece))
        if at >= 0:
            return at
    return text.find(piece)
