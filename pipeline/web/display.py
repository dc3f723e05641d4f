"""How an article reads on the page: a title even when the page had none, the clean text
with its repaired spans marked, the script it is written in (Beijing times:
``pipeline.timeutil.beijing_time``).

These return plain strings and small records; the templates escape them. Nothing here
builds HTML, so nothing here can let crawled markup through.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.chinese import script_tag
from pipeline.model import Article

UNTITLED_WORDS = 30


@dataclass
class Title:
    text: str
    #: True when the article had no title and ``text`` is its first words
    from_text: bool


def display_title(article: Article) -> Title:
    if article.title and article.title.strip():
        return Title(article.title.strip(), False)
    words = " ".join((article.text or "").split())
    cut = words[:UNTITLED_WORDS]
    return Title(cut + ("…" if len(words) > UNTITLED_WORDS else "") or article.id, True)


def script_of(article: Article) -> str:
    """The language tag for the article's text (``zh-Hant`` or ``zh-Hans``), so the browser
    draws it with the glyphs of its own script; the page around it is in English."""
    return script_tag((article.title or "") + (article.text or "")[:1000])


#: kinds that leave the text as it was and only record the damage
LEFT_AS_IS = ("lost", "unresolved")


@dataclass
class Segment:
    text: str
    #: index into the repairs list when this span is a repair's ``after``
    repair: int | None = None


@dataclass
class RepairView:
    """One distinct repair (field, kind, before → after) and how often it was made."""

    number: int
    field: str
    kind: str
    before: str
    after: str
    #: the lowest confidence among its occurrences
    confidence: float | None
    count: int = 1
    #: occurrences found in the text and marked there
    located: int = 0
    #: the id of the other copy of the story the repair was taken from, checked byte for
    #: byte (``pipeline.repair.reference``): the editor can open it
    from_copy: str | None = None
    #: for damage left (a run, a kept ``?``): what it likeliest reads as, best first
    #: (guesses, not text)
    readings: tuple[str, ...] = ()

    @property
    def left_as_is(self) -> bool:
        """Damage recorded but not changed (lost bytes, a run too close to call)."""
        return self.kind in LEFT_AS_IS or self.before == self.after

    @property
    def removed(self) -> bool:
        return not self.after and not self.left_as_is


def repairs_view(article: Article) -> tuple[list[RepairView], list[Segment]]:
    """Each distinct repair as before → after (identical ones counted, not repeated: an
    article can carry hundreds of pinyin glosses), and the text cut into plain and
    repaired segments.

    Offsets in the repair log count in the repaired text the repair stage saw, which may
    include lines the extractor later moved to the title or dropped; so a span is marked
    where its ``after`` actually sits (at the offset, else the nearest occurrence before
    it), and merely listed when it cannot be found. A wrong mark is worse than none.
    Removals (``after`` empty) leave nothing to mark.
    """
    text = article.text or ""
    views: list[RepairView] = []
    by_key: dict[tuple, int] = {}
    spans: list[tuple[int, int, int]] = []
    taken: list[tuple[int, int]] = []
    for entry in article.repair_log or []:
        if not isinstance(entry, dict):
            continue
        before = str(entry.get("before") or "")
        after = str(entry.get("after") or "")
        field_name = str(entry.get("field") or "text")
        kind = str(entry.get("kind") or "?")
        conf = entry.get("confidence")
        conf = float(conf) if isinstance(conf, (int, float)) and not isinstance(conf, bool) else None
        copy = str(entry["from_copy"]) if entry.get("from_copy") else None
        key = (field_name, kind, before, after, copy)
        idx = by_key.get(key)
        if idx is None:
            idx = by_key[key] = len(views)
            readings = entry.get("readings") if kind in LEFT_AS_IS else None
            readings = tuple(str(r) for r in readings) if isinstance(readings, list) else ()
            views.append(RepairView(len(views) + 1, field_name, kind, before, after, conf, count=0,
                                    from_copy=copy, readings=readings))
        view = views[idx]
        view.count += 1
        if conf is not None:
            view.confidence = conf if view.confidence is None else min(view.confidence, conf)
        if field_name == "text" and after:
            start = _locate(text, after, entry.get("offset"), taken)
            if start is not None:
                spans.append((start, start + len(after), idx))
                taken.append((start, start + len(after)))
                view.located += 1
    # what changed the words first, pinyin glosses (many, and mere removals) last
    order = sorted(range(len(views)), key=lambda i: (views[i].kind == "pinyin", i))
    new_index = {old: new for new, old in enumerate(order)}
    views = [views[i] for i in order]
    for n, v in enumerate(views, start=1):
        v.number = n
    spans.sort()
    segments: list[Segment] = []
    pos = 0
    for s, e, idx in spans:
        if s > pos:
            segments.append(Segment(text[pos:s]))
        segments.append(Segment(text[s:e], new_index[idx]))
        pos = e
    if pos < len(text) or not segments:
        segments.append(Segment(text[pos:]))
    return views, segments


def _locate(text: str, after: str, offset, taken: list[tuple[int, int]]) -> int | None:
    def free(s: int) -> bool:
        e = s + len(after)
        return all(e <= ts or s >= te for ts, te in taken)

    if isinstance(offset, int) and 0 <= offset and text[offset : offset + len(after)] == after and free(offset):
        return offset
    limit = (offset + len(after)) if isinstance(offset, int) and offset >= 0 else len(text)
    s = text.rfind(after, 0, min(limit, len(text)))
    while s != -1:
        if free(s):
            return s
        s = text.rfind(after, 0, s + len(after) - 1) if s > 0 else -1
    return None
