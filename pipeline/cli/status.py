"""`newsmon status`: is the daemon running, and per source: last crawl, last new article, errors,
warnings; the alert outbox."""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from datetime import datetime, timezone

from pipeline.cli._terminal import printable

VERB = "status"
HELP = "daemon, per-source crawl health (last crawl, last new article, errors) and the alert outbox"
ORDER = 31


#: seconds without a heartbeat before a running daemon counts as stuck (it beats every second)
STUCK_AFTER = 120


def add_arguments(p) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.add_argument("--check", action="store_true",
                   help="for cron and monitoring: print one line per problem (daemon down or stuck, a source"
                        " silent, failing or blocked, alerts failing to send) and exit 1; print nothing and"
                        " exit 0 when all is well")


def daemon_running(data_dir) -> int | None:
    """The pid of the `newsmon run` holding <data-dir>/daemon.lock, or None."""
    path = os.path.join(str(data_dir), "daemon.lock")
    if not os.path.exists(path):
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 32, 0).decode(errors="replace").strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _ago(iso_or_ts) -> str:
    if iso_or_ts is None:
        return "never"
    if isinstance(iso_or_ts, (int, float)):
        ts = float(iso_or_ts)
    else:
        from pipeline.timeutil import timestamp

        ts = timestamp(iso_or_ts)
        if ts is None:
            return str(iso_or_ts)
    s = max(0.0, time.time() - ts)
    when = datetime.fromtimestamp(ts, timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M")
    if s < 90:
        rel = f"{s:.0f}s ago"
    elif s < 5400:
        rel = f"{s / 60:.0f}m ago"
    elif s < 172800:
        rel = f"{s / 3600:.1f}h ago"
    else:
        rel = f"{s / 86400:.1f}d ago"
    return f"{when} ({rel})"


def collect(ctx) -> dict:
    from pipeline.alerts import load_alerts, outbox_status, silence_warnings
    from pipeline.crawlstate import last_runs
    from pipeline.daemon.state import meta, open_daemon_state, source_times
    from pipeline.sources import load_sources

    sources = load_sources(ctx.config_dir)
    cfg = load_alerts(ctx.config_dir)
    conn = open_daemon_state(ctx.data_dir)
    try:
        runs = last_runs(conn)
        times = source_times(conn)
        dmeta = meta(conn)
    finally:
        conn.close()
    warnings = {w["source"]: w for w in silence_warnings(ctx.data_dir, cfg=cfg,
                                                         sources=[s for s in sources if s.enabled])}
    rows = []
    for s in sources:
        info = runs.get(s.name) or {}
        last = info.get("last_run") or {}
        t = times.get(s.name) or {}
        rows.append({
            "source": s.name,
            "enabled": s.enabled,
            "every": s.every,
            "last_crawl_at": info.get("last_crawl_at"),
            "last_new_at": info.get("last_new_at"),
            "last_new": last.get("new"),
            "errors": info.get("errors"),
            "blocked": info.get("blocked"),
            "failing_runs": info.get("failing_runs"),
            "message": last.get("message"),
            "skipped_overruns": t.get("skipped", 0),
            "warning": warnings.get(s.name),
        })
    pid = daemon_running(ctx.data_dir)
    return {
        "daemon": {"running": pid is not None, "pid": pid, "started": dmeta.get("started"),
                   "heartbeat": dmeta.get("heartbeat"), "crawling": dmeta.get("running") if pid else []},
        "sources": rows,
        "outbox": outbox_status(ctx.data_dir),
    }


def problems(data: dict, now: float | None = None) -> list[str]:
    """What an operator must look at, one line each, from ``collect``'s answer."""
    now = time.time() if now is None else now
    out = []
    d = data["daemon"]
    if not d["running"]:
        out.append("daemon: not running")
    elif d["heartbeat"] and now - d["heartbeat"] > STUCK_AFTER:
        out.append(f"daemon: running (pid {d['pid']}) but no heartbeat for {now - d['heartbeat']:.0f} s")
    for r in data["sources"]:
        if r["warning"]:
            out.append(f"source {r['source']}: {printable(r['warning']['message'])}")
    o = data["outbox"]
    if o["failing"]:
        out.append(f"alerts: {o['failing']} message{'s' if o['failing'] != 1 else ''} failing to send"
                   + (f"; last error: {printable(o['last_error'])}" if o["last_error"] else ""))
    return out


def _name(row: dict) -> str:
    return row["source"] + ("" if row["enabled"] else " (off)")


def run(args, ctx) -> int:
    from pipeline.errors import UserError

    if not ctx.data_dir.is_dir():
        # status only reads: a mistyped folder must not be created and reported as a quiet one
        raise UserError(f"{ctx.data_dir}: no data folder here (nothing has run with it; --data-dir or NEWSMON_DATA)")
    data = collect(ctx)
    if args.check:
        found = problems(data)
        if args.json:
            json.dump({"ok": not found, "problems": found}, sys.stdout, ensure_ascii=False)
            sys.stdout.write("\n")
        else:
            for line in found:
                print(line)
        return 1 if found else 0
    if args.json:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    d = data["daemon"]
    if d["running"]:
        print(f"daemon: running (pid {d['pid']}), up since {_ago(d['started'])}, heartbeat {_ago(d['heartbeat'])}"
              + (f", crawling {', '.join(d['crawling'])}" if d["crawling"] else ""))
    else:
        print("daemon: not running" + (f" (last heartbeat {_ago(d['heartbeat'])})" if d["heartbeat"] else ""))
    width = max([len(_name(r)) for r in data["sources"]] + [6])
    print(f"\n{'source':<{width}}  {'every':>5}  {'last crawl':<28}  {'last new article':<28}  errors")
    for r in data["sources"]:
        errors = "-" if r["errors"] is None else str(r["errors"])
        if r["blocked"]:
            errors += " BLOCKED"
        if r["failing_runs"]:
            errors += f" ({r['failing_runs']} failing runs)"
        print(f"{_name(r):<{width}}  {r['every']:>5}  {_ago(r['last_crawl_at']):<28}  {_ago(r['last_new_at']):<28}  {errors}")
        if r["warning"]:
            print(f"{'':<{width}}  ! {printable(r['warning']['message'])}")
        if r["skipped_overruns"]:
            print(f"{'':<{width}}  {r['skipped_overruns']} scheduled crawls skipped (previous one still running)")
    o = data["outbox"]
    print(f"\noutbox: {o['pending']} pending ({o['failing']} failing), {o['sent']} sent"
          + (f"; oldest pending since {_ago(o['oldest_pending_at'])}" if o["oldest_pending_at"] else "")
          + (f"; last error: {printable(o['last_error'])}" if o["last_error"] else ""))
    return 0
