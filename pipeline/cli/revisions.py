"""`newsmon revisions [--days N] [--json]`: what the portals changed or took down lately.

The monitor page's two lists, *revised on the portals* and *gone from the portals*, for a
terminal or a script: the articles whose words a portal changed in the last days (found by a
source's ``revisit:``, or stored again), and the stored articles whose page a revisit found
gone (withdrawn after two misses in a row).
"""

from __future__ import annotations

import json
import sys

from pipeline.cli._terminal import printable
from pipeline.errors import UserError

VERB = "revisions"
HELP = "articles the portals revised or took down lately (as the monitor page lists them)"
ORDER = 22


def add_arguments(p) -> None:
    p.add_argument("--days", type=int, default=7, metavar="N", help="revisions of the last N days (default 7)")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="at most N of each (default 50)")
    p.add_argument("--json", action="store_true",
                   help='print {"revised": [...], "gone": [...]}: each article with its revision or gone record')


def run(args, ctx) -> int:
    from pipeline.changes import recent_revisions
    from pipeline.detail import gone_pages, gone_view
    from pipeline.timeutil import beijing_time

    if not 1 <= args.days <= 3650:
        raise UserError("--days must be between 1 and 3650")
    if not 1 <= args.limit <= 1000:
        raise UserError("--limit must be between 1 and 1000")
    store = ctx.store()
    revised = recent_revisions(store, args.days, args.limit)
    gone = gone_pages(store, ctx.data_dir, limit=args.limit)
    if args.json:
        json.dump({"revised": [{"id": a.id, "url": a.url, "title": a.title, "source": a.source, "revision": r}
                               for a, r in revised],
                   "gone": [{"id": a.id if a else g["article_id"], "url": g["url"], "title": a.title if a else None,
                             "source": g["source"], **gone_view(g)} for a, g in gone]},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    print(f"revised on the portals in the last {args.days} day{'s' if args.days != 1 else ''}: {len(revised)}")
    for a, r in revised:
        print(f"  {beijing_time(r['replaced_at'])}  [{printable(a.source)}]  {printable(a.title) or '(untitled)'}")
        print(f"      changed {', '.join(r['changed'])}  id={a.id}")
        if r["excerpt"]:
            print(f"      {printable(r['excerpt'])}")
    print(f"\ngone from the portals: {len(gone)}")
    for a, g in gone:
        title = printable(a.title) if a and a.title else printable(g["url"])
        state = "withdrawn" if g["withdrawn"] else "gone once"
        print(f"  {beijing_time(g['gone_at'])}  [{printable(g['source'])}]  {title}")
        print(f"      HTTP {g['status']}, {state}, last checked {beijing_time(g['checked_at'])}"
              + (f"  id={a.id}" if a else ""))
    return 0
