"""What changed between two stored versions of one article.

Government portals revise a published notice in place, quietly: a date moves, a figure
changes, a clause is added. The store keeps every replaced version (``history``); this
module tells an editor what differs, sentence by sentence, so a revision is seen for what
it is instead of as a new version number. It works on the stored text as newsmon read it,
so a version that differs only because the repair read a damaged run differently (or
mended it from a copy) shows that too, and says which of newsmon's own fields moved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from difflib import SequenceMatcher

from pipeline.model import Article
from pipeline.timeutil import timestamp

#: short fields shown as before → after
SHORT_FIELDS = ("title", "published_at", "author", "origin", "doc_numbers", "attachments")
#: newsmon's own reading of the page: named when they moved, not shown
DERIVED_FIELDS = ("tags", "repairs", "repair_log", "relevance", "encoding", "encoding_lied")
#: short fields newsmon began to read later: None in a version stored before. A page read
#: again since differs there by newsmon's reading, not by anything the portal did
READ_LATER = ("attachments",)

#: a sentence with the stop (and closing quote, and line end) that ends it; a line end
#: alone ends one too
_SENTENCE = re.compile(r"[^。！？!?；;\n]*(?:[。！？!?；;]+[”」』）)]*\n?|\n|$)")
#: unchanged sentences kept on each side of a change, so it can be read in place
CONTEXT = 1


@dataclass
class FieldChange:
    name: str
    before: str
    after: str


@dataclass
class Changes:
    fields: list[FieldChange] = field(default_factory=list)
    #: the text as (op, piece) pairs: "same", "del", "ins", or "gap" for sentences left out
    text: list[tuple[str, str]] = field(default_factory=list)
    #: newsmon's own fields that differ (tags, repairs, …)
    derived: list[str] = field(default_factory=list)
    #: both versions come from the same fetch of the page: whatever differs, even in the
    #: text (a repair mended from a copy), is newsmon's reading, not the portal's doing
    same_fetch: bool = False

    @property
    def revised(self) -> bool:
        """Whether the page's own words changed, not only newsmon's reading of them."""
        return bool(self.fields or self.text) and not self.same_fetch

    @property
    def names(self) -> list[str]:
        """Every field that differs, for a short summary (the API's ``changed``)."""
        return [f.name for f in self.fields] + (["text"] if self.text else []) + self.derived


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.findall(text) if s]


def compare(old: Article, new: Article) -> Changes:
    """How ``new`` differs from ``old``: short fields, the text, and derived fields."""
    out = Changes(same_fetch=old.fetched_at is not None and old.fetched_at == new.fetched_at)
    reread = []
    for name in SHORT_FIELDS:
        before, after = _shown(getattr(old, name)), _shown(getattr(new, name))
        if before == after:
            # the same files, their text read (or not) otherwise: newsmon's reading of them
            if name == "attachments" and (old.attachments or []) != (new.attachments or []):
                reread.append(name)
            continue
        if name in READ_LATER and None in (getattr(old, name), getattr(new, name)):
            reread.append(name)
        else:
            out.fields.append(FieldChange(name, before, after))
    if (old.text or "") != (new.text or ""):
        out.text = text_diff(old.text or "", new.text or "")
    out.derived = [n for n in DERIVED_FIELDS if getattr(old, n) != getattr(new, n)] + reread
    return out


def text_diff(before: str, after: str) -> list[tuple[str, str]]:
    """The changed sentences, character by character within them, with ``CONTEXT``
    unchanged sentences around each change and a ``gap`` for the rest."""
    a, b = sentences(before), sentences(after)
    ops = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    out: list[tuple[str, str]] = []
    for n, (op, i1, i2, j1, j2) in enumerate(ops):
        if op == "equal":
            same = a[i1:i2]
            head = same[:CONTEXT] if n > 0 else []
            tail = same[-CONTEXT:] if n < len(ops) - 1 else []
            if len(head) + len(tail) >= len(same):
                out.append(("same", "".join(same)))
            else:
                if head:
                    out.append(("same", "".join(head)))
                out.append(("gap", ""))
                if tail:
                    out.append(("same", "".join(tail)))
        elif op == "delete":
            out.append(("del", "".join(a[i1:i2])))
        elif op == "insert":
            out.append(("ins", "".join(b[j1:j2])))
        else:
            out.extend(_char_diff("".join(a[i1:i2]), "".join(b[j1:j2])))
    return _merged(out)


def marked(pieces: list[tuple[str, str]], marks: dict[str, tuple[str, str]] | None = None) -> str:
    """A text diff as one line of text, deletions and insertions marked as ``[-…-]`` and
    ``{+…+}`` (``marks`` may give other ones, per op), left-out text as `` … ``."""
    marks = {"same": ("", ""), "del": ("[-", "-]"), "ins": ("{+", "+}"), "gap": (" … ", ""), **(marks or {})}
    return "".join(marks[op][0] + piece + marks[op][1] for op, piece in pieces)


def excerpt(pieces: list[tuple[str, str]], limit: int = 300) -> str:
    """``marked`` text cut to about ``limit`` characters, from the first change on (with a
    little of what precedes it): what a chat message has room for."""
    text = marked(pieces)
    # where the first change starts: the marked length of the pieces before it (the text
    # itself may hold a "[-" of its own)
    before = next((i for i, (op, _) in enumerate(pieces) if op in ("del", "ins")), 0)
    first = len(marked(pieces[:before]))
    start = max(0, first - 40)
    cut = text[start:start + limit]
    return ("…" if start else "") + cut + ("…" if start + limit < len(text) else "")


#: replaced passages longer than this are shown struck and added whole: a character diff
#: of two long passages costs time quadratic in their length (a page rewritten throughout)
CHAR_DIFF_MAX = 2000


def _char_diff(before: str, after: str) -> list[tuple[str, str]]:
    if max(len(before), len(after)) > CHAR_DIFF_MAX:
        return [("del", before), ("ins", after)]
    out = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", before[i1:i2]))
        if op in ("delete", "replace"):
            out.append(("del", before[i1:i2]))
        if op in ("insert", "replace"):
            out.append(("ins", after[j1:j2]))
    return out


def _merged(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for op, text in pieces:
        if out and out[-1][0] == op and op != "gap":
            out[-1] = (op, out[-1][1] + text)
        elif text or op == "gap":
            out.append((op, text))
    return out


def _shown(value) -> str:
    if isinstance(value, list):
        return "、".join(f"{v.get('title')} <{v.get('url')}>" if isinstance(v, dict) else str(v) for v in value)
    return "" if value is None else str(value)


def version_changes(current: Article, history: list[dict]) -> list[dict]:
    """For each replaced version (oldest first, as ``Store.history`` gives them), what
    replacing it changed: ``{"version", "replaced_at", "changes"}``, newest change first."""
    later = [v["article"] for v in history[1:]] + [current]
    out = [
        {"version": v["version"], "replaced_at": v["replaced_at"], "changes": compare(v["article"], nxt)}
        for v, nxt in zip(history, later)
    ]
    return out[::-1]


def revision_since(store, article, since: str) -> dict | None:
    """What the portal changed in ``article``'s words since ``since`` (a rule's checkpoint,
    or the start of the monitor page's window), or None when nothing but newsmon's own
    reading of it changed, or nothing did: ``{"version", "replaced_at", "changed",
    "fields": [{name, before, after}], "excerpt"}``, the excerpt marked
    ``[-before-]{+after+}``. Several revisions after ``since`` count as one, from the last
    version before it to the current one."""
    after = timestamp(since) or 0
    replaced = [v for v in store.history(article.id) if (timestamp(v["replaced_at"]) or 0) > after]
    if not replaced:
        return None
    c = compare(replaced[0]["article"], article)
    if not c.revised:
        return None
    return {"version": replaced[0]["version"], "replaced_at": replaced[-1]["replaced_at"], "changed": c.names,
            "fields": [{"name": f.name, "before": f.before, "after": f.after} for f in c.fields],
            "excerpt": excerpt(c.text) if c.text else ""}


def recent_revisions(store, days: int = 7, limit: int = 20) -> list[tuple[Article, dict]]:
    """Articles whose words their portal changed in the last ``days`` (what a revisit or a
    re-ingest stored again), each once, the latest revision first: (article,
    ``revision_since``'s dict). Versions that are only newsmon's re-reading are passed
    over; the latest ``5 × limit`` replacements are looked at."""
    since = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")
    out: list[tuple[Article, dict]] = []
    seen: set[str] = set()
    for row in store.replaced_since(since, limit=limit * 5):
        if row["id"] in seen:
            continue
        seen.add(row["id"])
        a = store.get(row["id"])
        revision = revision_since(store, a, since) if a is not None else None
        if revision:
            out.append((a, revision))
            if len(out) >= limit:
                break
    return out
