"""`newsmon show ID|URL [--json] [--changes]`: one article as newsmon holds it.

`newsmon search` finds; this reads: the facts, the clean text, what the repair did, the
story's other copies and whether the portal revised the page since it was first stored.
An editor holding only a link can ask whether newsmon has it, and what it made of it.
"""

from __future__ import annotations

import json
import sys

from pipeline.cli._terminal import printable
from pipeline.errors import UserError

VERB = "show"
HELP = "one article by id or URL: facts, clean text, repairs, copies, revisions (--json: as /api/articles/ID)"
ORDER = 21


def add_arguments(p) -> None:
    p.add_argument("article", metavar="ID|URL", help="an id from `newsmon search`, or the article's address")
    p.add_argument("--json", action="store_true", help="the article with flags, copies and history, as the API gives it")
    p.add_argument("--changes", action="store_true",
                   help="also print what each revision changed, [-before-]{+after+}")


def run(args, ctx) -> int:
    from pipeline.alerts import article_flags
    from pipeline.detail import article_detail, gone_from_portal
    from pipeline.urls import canonical_url, is_http_url

    store = ctx.store()
    wanted = args.article.strip()
    a = store.get(wanted) or store.get_by_url(wanted)
    if a is None and is_http_url(wanted):  # as pasted from a browser: tracking parameters, a fragment
        a = store.get_by_url(canonical_url(wanted))
    if a is None:
        raise UserError(f"no article with id or URL {printable(wanted)!r} in the index")
    history = store.history(a.id)
    detail = article_detail(store, a, article_flags(ctx.data_dir, [a]).get(a.id, []),
                            gone_from_portal(ctx.data_dir, a.id), history)
    if args.json:
        json.dump(detail, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    _print_article(a, detail, sys.stdout.isatty())
    if args.changes:
        _print_changes(a, history, sys.stdout.isatty())
    return 0


def _lines(text: str) -> str:
    """Crawled text made safe for a terminal, its line breaks kept."""
    return "\n".join(printable(line) for line in (text or "").split("\n"))


def _print_article(a, detail: dict, tty: bool) -> None:
    from pipeline.timeutil import beijing_time

    bold, off = ("\x1b[1m", "\x1b[0m") if tty else ("", "")
    print(f"{bold}{printable(a.title) or '(untitled)'}{off}")
    facts = [
        ("flagged", " ".join(f"<{f}>" for f in detail["flags"])),
        ("source", a.source),
        ("origin", a.origin),
        ("author", a.author),
        ("published", f"{beijing_time(a.published_at)} Beijing time" if a.published_at else "unknown"),
        ("url", a.url),
        ("tags", ", ".join(a.tags)),
        ("document no.", ", ".join(a.doc_numbers)),
        *(("attachment", f"{f['title']}  {f['url']}" + _reading(f)) for f in a.attachments or []),
        ("encoding", (a.encoding or "") + (" (the page declared another charset)" if a.encoding_lied else "")),
        ("repairs", ", ".join(f"{k} × {n}" for k, n in sorted(a.repairs.items(), key=lambda kv: -kv[1]))),
        ("copies", "; ".join(f"{c['source']} {c['id']}" for c in detail["copies"])),
        ("revised", _revised(detail["history"])),
        ("gone", _gone(detail["gone"])),
        ("id", a.id),
    ]
    for name, value in facts:
        if value:
            print(f"  {name:<13}{printable(value)}")
    print()
    print(_lines(a.text))


def _reading(f: dict) -> str:
    if isinstance(f.get("text"), str):
        return f"  ({len(f['text'])} characters of text read)"
    return f"  (not read: {f['unread']})" if f.get("unread") else ""


def _revised(history: list[dict]) -> str:
    """Replacements whose words changed, not those where only newsmon's reading did."""
    from pipeline.timeutil import beijing_time

    revised = [v for v in history if v["revised"]]
    if not revised:
        return ""
    last = revised[-1]
    return (f"{len(revised)} time{'s' if len(revised) != 1 else ''} since first stored, last "
            f"{beijing_time(last['replaced_at'])} ({', '.join(last['changed'])}); --changes shows them")


def _gone(gone: dict | None) -> str:
    from pipeline.timeutil import beijing_time

    if not gone:
        return ""
    what = "withdrawn: " if gone["withdrawn"] else ""
    return (f"{what}the portal answers HTTP {gone['status']} at this address since {beijing_time(gone['since'])}"
            f" (last checked {beijing_time(gone['checked'])})")


def _print_changes(a, history: list[dict], tty: bool) -> None:
    from pipeline.changes import marked, version_changes
    from pipeline.timeutil import beijing_time

    dels, dele, inss, inse = ("\x1b[31m[-", "-]\x1b[0m", "\x1b[32m{+", "+}\x1b[0m") if tty else ("[-", "-]", "{+", "+}")
    for v in version_changes(a, history):
        c = v["changes"]
        print(f"\n--- version {v['version']} replaced {beijing_time(v['replaced_at'])} Beijing time")
        for f in c.fields:
            before, after = ((beijing_time(f.before), beijing_time(f.after)) if f.name == "published_at"
                             else (f.before, f.after))
            print(f"  {f.name:<13}{dels}{printable(before)}{dele} {inss}{printable(after)}{inse}")
        if c.text:
            print(marked([(op, _lines(piece)) for op, piece in c.text], {"del": (dels, dele), "ins": (inss, inse)}))
        if c.derived:
            print(f"  newsmon's reading changed: {', '.join(c.derived)}")
