"""`newsmon run` as a real process against fixture portals on 127.0.0.1 with a 2 s interval.

Each test is bounded (every wait has a timeout) and the `daemons` fixture kills whatever it
started, crawl children included.
"""

import os
import pty
import signal
import subprocess
import threading
import time

import pytest

from daemonproc import NEWSMON, ROOT, finished_crawls, pids_using, stored_urls, wait_until
from portal import RELEASES, Portals, write_config
from test_alerts_receivers import Receiver

pytestmark = pytest.mark.slow


def alerted_titles(receiver):
    return [q["body"]["article"]["title"] for q in receiver.requests]


def setup_portals(p, tmp_path, hook, **kw):
    for i in range(3):
        p.publish_filler("city", i)
        p.publish_filler("prov", i)
    write_config(tmp_path / "config", p, hook, **kw)


def both_crawled_after(data_dir, t):
    done = finished_crawls(data_dir)
    return all(done.get(s, 0) > t for s in ("city", "prov"))


def test_new_article_alerts_once_and_its_repost_does_not(tmp_path, daemons):
    data = tmp_path / "data"
    with Portals() as p, Receiver() as r:
        setup_portals(p, tmp_path, r.url + "/hook")
        d = daemons()
        assert wait_until(lambda: both_crawled_after(data, 0), 60), d.output()
        assert r.requests == []  # nothing on the portals matches yet (and the seeds are old)
        page = p.publish("city", "市政府印发优化营商环境三年行动方案", RELEASES[0])
        published = time.time()
        assert wait_until(lambda: len(r.requests) >= 1, 40), d.output()
        delay = time.time() - published
        assert alerted_titles(r) == ["市政府印發優化營商環境三年行動方案"]  # the city site is traditional
        body = r.requests[0]["body"]
        assert body["article"]["url"] == p.base + page.path and body["story"]["id"] == body["article"]["id"]
        # the provincial portal reposts it: it joins the story, no second alert
        repost = p.publish("prov", "省政府网转发：市政府印发优化营商环境三年行动方案", ["（来源：示例市人民政府）"] + RELEASES[0])
        assert wait_until(lambda: p.base + repost.path in stored_urls(data), 40), d.output()
        t = time.time()
        assert wait_until(lambda: both_crawled_after(data, t), 30)
        time.sleep(1.5)  # a delivery tick
        assert len(r.requests) == 1, alerted_titles(r)
        elapsed = d.stop(signal.SIGTERM)
        assert d.proc.returncode == 0 and elapsed < 10, d.output()
    print(f"publication to alert: {delay:.1f}s")


def test_kill_9_mid_crawl_then_restart_loses_nothing_and_sends_nothing_twice(tmp_path, daemons):
    data = tmp_path / "data"
    with Portals() as p, Receiver() as r:
        setup_portals(p, tmp_path, r.url + "/hook")
        d = daemons()
        assert wait_until(lambda: both_crawled_after(data, 0), 60), d.output()
        # one release alerted before the crash
        p.publish("city", "市政府印发优化营商环境三年行动方案", RELEASES[0])
        assert wait_until(lambda: len(r.requests) == 1, 40), d.output()
        # three more, served slowly, so the next crawl is caught in the middle
        p.article_delay = 1.0
        new = [p.publish("prov", f"营商环境改革文件{i}", RELEASES[i]) for i in (1, 2, 3)]
        already = len(p.served)
        assert wait_until(lambda: len(p.served) > already, 40), d.output()
        d.stop(signal.SIGKILL)
        p.article_delay = 0.0
        # a crawl child of the killed daemon stops by itself (parent-death signal)
        assert wait_until(lambda: not pids_using(str(data)), 15)
        d2 = daemons()
        want = {p.base + a.path for a in new}
        assert wait_until(lambda: want <= stored_urls(data), 60), d2.output()
        assert wait_until(lambda: len(r.requests) >= 4, 40), d2.output()
        t = time.time()
        assert wait_until(lambda: both_crawled_after(data, t), 30)
        time.sleep(1.5)
        titles = alerted_titles(r)
        assert sorted(titles) == sorted(set(titles)) and len(titles) == 4, titles
        assert d2.stop() < 10 and d2.proc.returncode == 0


def test_webhook_failing_twice_then_succeeding_gets_the_alert_once(tmp_path, daemons):
    data = tmp_path / "data"
    with Portals() as p, Receiver(answers=[(500, {}), (503, {})]) as r:
        setup_portals(p, tmp_path, r.url + "/hook", retry_base="0.3s")
        p.publish("city", "市政府印发优化营商环境三年行动方案", RELEASES[0])
        d = daemons()
        assert wait_until(lambda: len(r.requests) >= 1, 60), d.output()
        t = time.time()
        assert wait_until(lambda: both_crawled_after(data, t), 30)
        time.sleep(1.5)
        assert len(r.requests) == 1 and r.refused == 2
        d.stop()


def test_sigterm_mid_crawl_stops_within_10s_and_keeps_what_was_fetched(tmp_path, daemons):
    data = tmp_path / "data"
    with Portals() as p, Receiver() as r:
        setup_portals(p, tmp_path, r.url + "/hook")
        p.article_delay = 1.5
        d = daemons()
        assert wait_until(lambda: len(p.served) >= 1, 60), d.output()
        elapsed = d.stop(signal.SIGTERM)
        assert elapsed < 10 and d.proc.returncode == 0, d.output()
        assert wait_until(lambda: not pids_using(str(data)), 5)
        served_before = set(p.served)
        # pages fetched before the stop are stored now or on the next run: never lost
        p.article_delay = 0.0
        d2 = daemons()
        assert wait_until(lambda: {p.base + s for s in served_before} <= stored_urls(data), 60), d2.output()
        d2.stop()


def test_once_crawls_everything_alerts_and_exits(tmp_path, daemons):
    with Portals() as p, Receiver() as r:
        setup_portals(p, tmp_path, r.url + "/hook")
        p.publish("prov", "省政府办公厅出台实施意见", RELEASES[1])
        d = daemons("--once")
        d.proc.wait(90)
        assert d.proc.returncode == 0, d.output()
        assert alerted_titles(r) == ["省政府办公厅出台实施意见"]
        assert "city:" in d.output() and "prov:" in d.output()


def test_a_second_daemon_on_the_same_data_refuses(tmp_path, daemons):
    with Portals() as p, Receiver() as r:
        setup_portals(p, tmp_path, r.url + "/hook", every="1h")
        d = daemons()
        assert wait_until(lambda: (tmp_path / "data" / "daemon.lock").exists() and
                          "monitoring" in d.output(), 30), d.output()
        d2 = daemons()
        d2.proc.wait(30)
        assert d2.proc.returncode != 0 and "another `newsmon run`" in d2.output()
        d.stop()


def test_an_overrunning_crawl_is_skipped_not_queued_and_never_doubled(tmp_path, daemons):
    import sqlite3

    data = tmp_path / "data"
    with Portals() as p, Receiver() as r:
        setup_portals(p, tmp_path, r.url + "/hook")
        p.listing_delay = 5.0  # every crawl takes > 5 s; the interval is 2 s
        d = daemons()
        assert wait_until(lambda: "monitoring" in d.output(), 120), d.output()
        time.sleep(20)
        d.stop()
    conn = sqlite3.connect(str(data / "state.db"))
    runs = conn.execute("SELECT source, started_at, finished_at FROM crawl_runs ORDER BY source, started_at").fetchall()
    skipped = dict(conn.execute("SELECT source, skipped FROM daemon_sources"))
    conn.close()
    for source in ("city", "prov"):
        mine = [(s, f) for src, s, f in runs if src == source]
        assert 2 <= len(mine) <= 4, mine  # ~20 s / >5 s per crawl, not 10 queued turns
        for (_, f1), (s2, _) in zip(mine, mine[1:]):
            assert f1 <= s2, mine  # one after the other, never two at once
        assert skipped.get(source, 0) >= 2


def test_sighup_takes_up_edited_config_and_keeps_the_old_one_when_the_new_is_wrong(tmp_path, daemons):
    """`systemctl reload newsmon`: no restart, no crawl cut short."""
    data = tmp_path / "data"
    sources = tmp_path / "config" / "sources.yaml"
    with Portals() as p, Receiver() as r:
        setup_portals(p, tmp_path, r.url + "/hook")
        d = daemons()
        assert wait_until(lambda: both_crawled_after(data, 0), 60), d.output()
        good = sources.read_text(encoding="utf-8")
        # a mistake: refused with file, line and key; both sources go on being crawled
        sources.write_text(good.replace("every: 2s", "every: 2x", 1), encoding="utf-8")
        d.proc.send_signal(signal.SIGHUP)
        assert wait_until(lambda: "reload refused" in d.output(), 20), d.output()
        assert "sources.yaml:5: sources[0].every" in d.output()
        t = time.time()
        assert wait_until(lambda: both_crawled_after(data, t), 30), d.output()
        # prov taken out: it is no longer crawled, city is
        sources.write_text(good.split("  - name: prov")[0], encoding="utf-8")
        d.proc.send_signal(signal.SIGHUP)
        assert wait_until(lambda: "reloaded: 1 sources (removed prov)" in d.output(), 20), d.output()
        t = time.time() + 1  # a prov crawl started before the reload may still finish
        assert wait_until(lambda: finished_crawls(data).get("city", 0) > t + 4, 30), d.output()
        assert finished_crawls(data)["prov"] < t
        assert d.stop(signal.SIGTERM) < 10 and d.proc.returncode == 0, d.output()


def test_sighup_in_a_terminal_stops_the_daemon_as_sigterm_does(tmp_path):
    """In a terminal, SIGHUP is the terminal closing: a graceful stop, not a reload that
    would leave the daemon running with no terminal."""
    with Portals() as p, Receiver() as r:
        setup_portals(p, tmp_path, r.url + "/hook")
        main, child = pty.openpty()
        proc = subprocess.Popen(
            [*NEWSMON, "--config", str(tmp_path / "config"), "--data-dir", str(tmp_path / "data"), "run"],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=child, start_new_session=True)
        os.close(child)

        def drain():  # a full terminal buffer would block the daemon's next log line
            try:
                while os.read(main, 4096):
                    pass
            except OSError:
                pass

        threading.Thread(target=drain, daemon=True).start()
        try:
            assert wait_until(lambda: both_crawled_after(tmp_path / "data", 0), 60)
            proc.send_signal(signal.SIGHUP)
            assert proc.wait(15) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
            os.close(main)
