"""Bench: `newsmon run` for N scheduled crawl cycles against fixture portals on 127.0.0.1.

Prints the delay from publication (an article appearing on a portal) to its alert reaching a
local webhook, against the target of one interval + 10 s, and the daemon's resident memory
at cycle 10 and at the last cycle, against the target of < 10 % growth. A cycle is one
finished crawl of one source (rows in crawl_runs).

    .venv/bin/python bench/daemon.py [--cycles 200] [--every 4s] [--sources 2]
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "daemon"))
sys.path.insert(0, str(ROOT / "tests" / "pipeline"))

from portal import Portals, write_config  # noqa: E402
from test_alerts_receivers import Receiver  # noqa: E402

from pipeline.sources import parse_every  # noqa: E402

#: common characters for distinct filler (random 5-grams never repeat between releases)
POOL = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研"


def cycles_done(data: Path) -> int:
    try:
        conn = sqlite3.connect(str(data / "state.db"), timeout=10)
        try:
            return conn.execute("SELECT COUNT(*) FROM crawl_runs").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def release(rnd: random.Random, i: int) -> tuple[str, list[str]]:
    words = "".join(rnd.choice(POOL) for _ in range(6))
    title = f"市政府印发{words}优化营商环境实施方案（第{i}号）"
    paras = ["为进一步优化营商环境，" + "".join(rnd.choice(POOL) for _ in range(120)),
             "方案提出" + "".join(rnd.choice(POOL) for _ in range(120))]
    return title, paras


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cycles", type=int, default=200)
    ap.add_argument("--every", default="4s")
    ap.add_argument("--sources", type=int, default=2, choices=(1, 2, 3, 4))
    ap.add_argument("--publish-every", type=int, default=8, help="cycles between two new releases")
    args = ap.parse_args()
    every = parse_every(args.every)
    sites = ("city", "prov", "county", "town")[: args.sources]
    rnd = random.Random(1)
    base = Path(tempfile.mkdtemp(prefix="newsmon-bench-daemon-"))
    data = base / "data"
    arrivals: dict[str, float] = {}
    published: dict[str, float] = {}
    proc = None
    with Portals(sites) as portals, Receiver() as hook:
        for i in range(3):
            for s in sites:
                portals.publish_filler(s, i)
        write_config(base / "config", portals, hook.url + "/hook", every=args.every)
        log = open(base / "daemon.log", "wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli.main", "--config", str(base / "config"), "--data-dir", str(data),
             "run"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        mem: dict[int, int] = {}
        n_pub = 0
        next_pub = 5
        shown = 0
        t0 = time.time()
        try:
            while True:
                c = cycles_done(data)
                if proc.poll() is not None:
                    print("daemon exited early; log:", base / "daemon.log")
                    return 1
                for mark in (10, 50, 100, 150):
                    if c >= mark and mark not in mem and mark < args.cycles:
                        mem[mark] = rss_kb(proc.pid)
                if c >= next_pub and c < args.cycles - 6:
                    title, paras = release(rnd, n_pub)
                    page = portals.publish(sites[n_pub % len(sites)], title, paras)
                    published[portals.base + page.path] = time.time()
                    n_pub += 1
                    next_pub = c + args.publish_every
                with hook.lock:
                    for req in hook.requests:
                        url = req["body"]["article"]["url"]
                        arrivals.setdefault(url, req.get("t", time.time()))
                if c >= args.cycles:
                    mem[args.cycles] = rss_kb(proc.pid)
                    break
                if c // 20 > shown:
                    shown = c // 20
                    print(f"  cycle {c}, {time.time() - t0:.0f}s, {len(arrivals)}/{len(published)} alerted",
                          file=sys.stderr, flush=True)
                time.sleep(0.1)
            deadline = time.time() + every + 15
            while len(arrivals) < len(published) and time.time() < deadline:
                with hook.lock:
                    for req in hook.requests:
                        arrivals.setdefault(req["body"]["article"]["url"], time.time())
                time.sleep(0.1)
            counts: dict[str, int] = {}
            with hook.lock:
                for req in hook.requests:
                    url = req["body"]["article"]["url"]
                    counts[url] = counts.get(url, 0) + 1
        finally:
            t_stop = time.time()
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
            stop_s = time.time() - t_stop
            log.close()
    delays = [arrivals[u] - published[u] for u in published if u in arrivals]
    target = every + 10
    print(f"cycles: {args.cycles} crawls of {len(sites)} sources every {args.every}, in {t_stop - t0:.0f}s")
    print(f"releases published: {len(published)}, alerted: {len(delays)},"
          f" alerted twice: {sum(1 for v in counts.values() if v > 1)}")
    if delays:
        print(f"publication → alert: median {statistics.median(delays):.1f}s, max {max(delays):.1f}s"
              f" (target < {target:.0f}s: {'met' if max(delays) < target and len(delays) == len(published) else 'NOT met'})")
    print("daemon RSS by cycle: " + ", ".join(f"{k}: {v / 1024:.1f} MB" for k, v in sorted(mem.items())))
    m10, mlast = mem.get(10, 0), mem.get(args.cycles, 0)
    if m10 and args.cycles > 10:
        growth = (mlast - m10) / m10 * 100
        print(f"daemon RSS: cycle 10 {m10 / 1024:.1f} MB, cycle {args.cycles} {mlast / 1024:.1f} MB,"
              f" growth {growth:+.1f}% (target < 10%: {'met' if growth < 10 else 'NOT met'})")
    else:
        print("daemon RSS growth: not judged (the target compares cycle 10 with a later one:"
              " run more than 10 cycles)")
    print(f"SIGTERM → exit: {stop_s:.1f}s")
    shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
