"""`newsmon alerts list` and `newsmon alerts test RULE` (what the rule would match now; sends nothing)."""

from __future__ import annotations

import json
import sys

from pipeline.cli._terminal import printable

VERB = "alerts"
HELP = "list alert rules and channels, or test a rule against the index without sending"
ORDER = 32


def add_arguments(p) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = sub.add_parser("list", help="rules, channels and what each rule has matched")
    ls.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    t = sub.add_parser("test", help="what RULE would match now (articles stored since its checkpoint); sends nothing")
    t.add_argument("rule")
    t.add_argument("--json", action="store_true", help="machine-readable output on stdout")


def _age(seconds) -> str:
    if seconds is None:
        return "none"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def run(args, ctx) -> int:
    from pipeline.alerts import load_alerts

    cfg = load_alerts(ctx.config_dir)
    if args.action == "list":
        return _list(cfg, ctx, args.json)
    return _test(cfg, ctx, args.rule, args.json)


def _list(cfg, ctx, as_json: bool) -> int:
    from pipeline.alerts.digest import clock, waiting
    from pipeline.alerts.state import get_checkpoint, open_alert_state

    conn = open_alert_state(ctx.data_dir)
    try:
        stats = {}
        for rule in cfg.rules:
            fired = conn.execute("SELECT COUNT(*), MAX(fired_at) FROM alert_stories WHERE rule=?", (rule.name,)).fetchone()
            matched = conn.execute("SELECT COUNT(*) FROM alert_matches WHERE rule=?", (rule.name,)).fetchone()[0]
            stats[rule.name] = {"checkpoint": get_checkpoint(conn, rule.name), "stories_alerted": fired[0],
                                "matches": matched}
    finally:
        conn.close()
    held = waiting(ctx.data_dir)
    for rule in cfg.rules:
        stats[rule.name]["digest"] = [clock(m) for m in rule.digest]
        stats[rule.name]["digest_waiting"] = held.get(rule.name, 0)
    if as_json:
        out = {
            "config": str(cfg.path),
            "channels": [{"name": c.name, "type": c.type, "describe": c.describe()} for c in cfg.channels.values()],
            "rules": [{"name": r.name, "query": r.query, "sources": r.sources, "notify": r.notify,
                       "max_age_seconds": r.max_age, "builtin": r.builtin, **stats[r.name]} for r in cfg.rules],
            "silence": {"after": cfg.silence_after, "failures": cfg.silence_failures, "notify": cfg.silence_notify},
        }
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    print(f"config: {cfg.path}")
    print("channels:")
    for c in cfg.channels.values():
        print(f"  {c.describe()}")
    if not cfg.channels:
        print("  (none: rules are evaluated and recorded, nothing is sent)")
    print("rules:")
    for r in cfg.rules:
        s = stats[r.name]
        print(f"  {r.name}{' (built-in)' if r.builtin else ''}: {r.query}")
        print(f"    sources: {', '.join(r.sources) if r.sources else 'all'}   notify: {', '.join(r.notify) or '(none)'}"
              f"   max_age: {_age(r.max_age)}")
        print(f"    stories alerted: {s['stories_alerted']}   matches: {s['matches']}"
              f"   checkpoint: {s['checkpoint'] or 'not run yet'}")
        if r.digest or s["digest_waiting"]:
            when = f"a digest at {', '.join(s['digest'])} (Beijing time)" if r.digest else "at once"
            print(f"    sent as {when}; stories waiting: {s['digest_waiting']}")
    print(f"silence: no new article for {cfg.silence_after:g} × a source's interval, or {cfg.silence_failures} "
          f"failed crawls in a row → {', '.join(cfg.silence_notify) or '(no channel)'}")
    return 0


def _test(cfg, ctx, name: str, as_json: bool) -> int:
    from pipeline.alerts import evaluate_rule
    from pipeline.alerts.digest import clock

    rule = cfg.rule(name)
    results = evaluate_rule(ctx.store(), ctx.data_dir, rule, dry_run=True)
    if as_json:
        out = [{"article": {"id": r["hit"].article.id, "url": r["hit"].article.url, "title": r["hit"].article.title,
                            "source": r["hit"].article.source, "published_at": r["hit"].article.published_at,
                            "ingested_at": r["hit"].article.ingested_at},
                "story_id": r["story_id"], "would_alert": r["alert"], "reason": r["reason"],
                "revision": r.get("revision")} for r in results]
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    alerts = sum(1 for r in results if r["alert"])
    when = f" in the digest at {', '.join(clock(m) for m in rule.digest)}" if rule.digest else ""
    print(f"rule {rule.name}: {len(results)} matching article{'s' if len(results) != 1 else ''} since its checkpoint;"
          f" {alerts} would alert {', '.join(rule.notify) or '(no channel)'}{when} (nothing sent)")
    for r in results:
        a = r["hit"].article
        mark = "ALERT" if r["alert"] else "REVIS" if r.get("revision") else "  -  "
        date = (a.published_at or "")[:16].replace("T", " ") or "(no date)"
        print(f"{mark} {date}  [{printable(a.source)}]  {printable(a.title) or '(no title)'}")
        print(f"      story {r['story_id']}" + ("" if r["alert"] else f" — {r['reason']}") + f"  {printable(a.url)}")
    return 0
