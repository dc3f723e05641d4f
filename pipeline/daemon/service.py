"""The daemon: one APScheduler job per source, alerts after every crawl, a durable outbox
drained every second, silence checks, and a shutdown that never takes more than ~10 s.

Scheduling rules (APScheduler 3.x, ``BackgroundScheduler``):
- each source runs every ``every`` (sources.yaml) plus up to ``jitter`` seconds
  (10 % of the interval, at most 5 minutes), so portals are not all hit on the same second;
- ``max_instances=1`` and ``coalesce=True``: a crawl still running when its next turn comes
  makes that turn be *skipped* (counted, logged), never queued behind it;
- the first run of each source is derived from state.db (``pipeline.daemon.state``).

Only one daemon runs per data folder (an ``flock`` on <data-dir>/daemon.lock).
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor as _Pool
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pipeline.daemon import state as dstate
from pipeline.daemon.crawls import CrawlResult, CrawlRunner
from pipeline.errors import UserError

log = logging.getLogger("newsmon.daemon")

#: seconds a shutdown waits for crawls to store the page in hand before killing them
STOP_GRACE = 7.0


def default_jitter(every: float) -> float:
    return min(every * 0.1, 300.0)


def limit_malloc_arenas(count: int = 2) -> None:
    """glibc gives each thread that allocates its own malloc arena and rarely hands freed
    memory back from them; with a scheduler's worker threads that shows up as slow RSS growth
    over weeks. Two arenas are plenty for a daemon that mostly waits on children."""
    if not os.uname().sysname == "Linux":
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-8, count)  # M_ARENA_MAX
    except (OSError, AttributeError):  # not glibc
        pass


class DaemonLock:
    def __init__(self, data_dir: Path):
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        self.path = Path(data_dir) / "daemon.lock"
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)

    def acquire(self) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.pread(self.fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(self.fd)
            raise UserError(f"another `newsmon run` is using {self.path.parent} (pid {other})") from None
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, str(os.getpid()).encode(), 0)

    def release(self) -> None:
        os.close(self.fd)


class Daemon:
    def __init__(self, ctx, *, once: bool = False, crawl_args: list[str] | None = None,
                 crawl_timeout: float | None = None, tick: float = 1.0, evaluate_every: float = 30.0,
                 silence_every: float = 60.0, on_cycle=None):
        from pipeline.alerts import load_alerts
        from pipeline.sources import load_sources

        self.ctx = ctx
        self.once = once
        self.data_dir = Path(ctx.data_dir)
        configured = load_sources(ctx.config_dir)
        self.sources = [s for s in configured if s.enabled]
        if not self.sources:
            raise UserError("no enabled sources in sources.yaml: nothing to monitor")
        self.alerts = load_alerts(ctx.config_dir)
        self._check_secrets()
        from crawler.options import crawl_options

        # a bad setting or lexicon stops the start, not every crawl after it
        crawl_options(ctx.settings)
        ctx.lexicon()
        known = {s.name for s in configured}
        for rule in self.alerts.rules:
            for name in rule.sources or []:
                if name not in known:
                    log.warning("rule %s names source %r, which sources.yaml does not define", rule.name, name)
        self.runner = CrawlRunner(ctx.config_dir, ctx.data_dir, extra_args=crawl_args, timeout=crawl_timeout)
        self.stop_event = threading.Event()
        #: SIGHUP: read sources.yaml and alerts.yaml again (``reload``)
        self.reload_event = threading.Event()
        self.alert_lock = threading.Lock()
        self.tick = tick
        self.evaluate_every = evaluate_every
        self.silence_every = silence_every
        self.on_cycle = on_cycle
        self.cycles = 0
        self._conn_lock = threading.Lock()

    def _check_secrets(self, alerts=None) -> None:
        """A missing ${ENV} is a start-up error, not a failure discovered at 3 a.m."""
        from pipeline.config import expand_env

        alerts = alerts or self.alerts
        for ch in alerts.channels.values():
            for key, value in ch.options.items():
                values = value.values() if isinstance(value, dict) else [value]
                for v in values:
                    if isinstance(v, str):
                        expand_env(v, path=alerts.path, keypath=f"channels.{ch.name}.{key}")

    @contextmanager
    def _state(self):
        """A short-lived state.db connection: a long-lived one's page cache grows with the file,
        and the daemon's memory should not."""
        with self._conn_lock:
            conn = dstate.open_daemon_state(self.data_dir)
            try:
                yield conn
            finally:
                conn.close()

    # -- one crawl and what follows it ------------------------------------------------------

    def crawl(self, source) -> CrawlResult:
        with self._state() as conn:
            dstate.mark_started(conn, source.name, time.time())
        result = self.runner.run(source.name)
        if result.skipped:
            log.info("crawl of %s skipped: %s", source.name, result.skipped)
            return result
        with self._state() as conn:
            dstate.mark_finished(conn, source.name, result.finished, result.exit_code, result.summary)
        log.info("crawl of %s: exit %s, %s new, %.1fs", source.name, result.exit_code, result.summary.get("new", "?"),
                 result.finished - result.started)
        if result.exit_code not in (0, None) and not result.stopped:
            log.warning("crawl of %s failed (exit %s); see %s", source.name, result.exit_code,
                        self.data_dir / "logs" / f"crawl-{source.name}.log")
        if not self.stop_event.is_set():
            self.alert_cycle()
        with self._conn_lock:
            self.cycles += 1
        if self.on_cycle is not None:
            self.on_cycle(self, result)
        return result

    def _load_baseline(self) -> None:
        """The first run loads the seed baseline, in a child process (see pipeline.daemon.baseline)."""
        import subprocess
        import sys

        from pipeline.baseline import baseline_loaded

        store = self.ctx.store(baseline=False)
        try:
            if baseline_loaded(store):
                return
        finally:
            self.ctx.close()
        log.info("loading the seed baseline (a first start also builds the repair's language models)")
        proc = subprocess.run(
            [sys.executable, "-m", "pipeline.daemon.baseline", str(self.ctx.config_dir), str(self.data_dir)],
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
        )
        if proc.returncode != 0:
            last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "loading the seed baseline failed"
            raise UserError(last.removeprefix("newsmon: error: "))
        log.info("seed baseline loaded")

    def alert_cycle(self) -> None:
        from pipeline.alerts import evaluate
        from pipeline.store import open_store

        with self.alert_lock:
            try:
                store = open_store(self.ctx.settings, self.data_dir)
                try:
                    # an Elasticsearch store writes what it spooled while the cluster was away
                    # now, not only when the next article happens to arrive
                    replay_due = getattr(store, "replay_due", None)
                    if replay_due is not None:
                        replay_due()
                    evaluate(store, self.data_dir, self.alerts)
                finally:
                    store.close()
            except UserError as exc:
                log.error("alert evaluation failed: %s", exc)
        self.deliver()

    def deliver(self) -> None:
        from pipeline.alerts import deliver_due

        with self.alert_lock:
            deliver_due(self.data_dir, self.alerts)
        with self._state() as conn:
            dstate.heartbeat(conn, running=self.runner.running(), cycles=self.cycles)

    def check_silence(self) -> None:
        from pipeline.alerts import raise_silence_alerts, silence_warnings

        try:
            warnings = silence_warnings(self.data_dir, cfg=self.alerts, sources=self.sources)
        except UserError as exc:
            log.error("silence check failed: %s", exc)
            return
        with self.alert_lock:
            raise_silence_alerts(self.data_dir, self.alerts, warnings)

    def _skipped(self, event) -> None:
        if not event.job_id.startswith("crawl:"):
            return  # a delivery or evaluation still running: the next tick catches up
        name = event.job_id.removeprefix("crawl:")
        log.info("crawl of %s skipped: the previous one is still running", name)
        with self._state() as conn:
            dstate.count_skipped(conn, name)

    # -- running ----------------------------------------------------------------------------

    def _install_signals(self) -> None:
        def handler(signum, frame):
            if self.stop_event.is_set():
                return
            log.warning("%s: stopping (crawls finish the page in hand)", signal.Signals(signum).name)
            self.stop_event.set()
            self.runner.stopping.set()

        def reload(signum, frame):
            self.reload_event.set()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, handler)
            signal.signal(signal.SIGINT, handler)
            # SIGHUP: a service manager asking for a reload; in a terminal, the terminal
            # closing, which stops the daemon as SIGTERM does
            detached = not (sys.stderr and sys.stderr.isatty())
            signal.signal(signal.SIGHUP, reload if detached and not self.once else handler)

    def run(self) -> int:
        lock = DaemonLock(self.data_dir)
        lock.acquire()
        limit_malloc_arenas()
        try:
            self._install_signals()
            self._load_baseline()
            with self._state() as conn:
                dstate.heartbeat(conn, started=time.time(), sources=[s.name for s in self.sources],
                                 running=[], cycles=0)
            self.alert_cycle()  # whatever was stored while we were down (or by a crawl we lost)
            return self._run_once() if self.once else self._run_forever()
        finally:
            self._shutdown()
            lock.release()

    def _run_once(self) -> int:
        with _Pool(max_workers=min(4, len(self.sources))) as pool:
            futures = [pool.submit(self.crawl, s) for s in self.sources]
            while not all(f.done() for f in futures):
                if self.stop_event.wait(0.2):
                    self.runner.stop_all(STOP_GRACE)
                    break
            results = [f.result() for f in futures if f.done() and not f.cancelled()]
        if not self.stop_event.is_set():
            self.check_silence()
            self.alert_cycle()
            self._drain(5.0)
        failed = [r.source for r in results if r.exit_code not in (0, None)]
        for r in results:
            print(f"{r.source}: " + (f"skipped ({r.skipped})" if r.skipped else
                                     f"{r.summary.get('new', 0)} new, exit {r.exit_code}"))
        if self.stop_event.is_set():
            return 130
        return 1 if failed and len(failed) == len(results) else 0

    def _drain(self, seconds: float) -> None:
        """Give just-queued messages a few quick tries before a one-shot run exits."""
        from pipeline.alerts import outbox_status

        deadline = time.time() + seconds
        while time.time() < deadline:
            self.deliver()
            status = outbox_status(self.data_dir)
            if not status["pending"] or status["failing"] == status["pending"]:
                return
            time.sleep(0.2)

    def _run_forever(self) -> int:
        from apscheduler.events import EVENT_JOB_MAX_INSTANCES
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        scheduler = BackgroundScheduler(
            executors={
                "crawls": ThreadPoolExecutor(max_workers=max(2, len(self.sources))),
                "default": ThreadPoolExecutor(max_workers=3),
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=timezone.utc,
        )
        scheduler.add_listener(self._skipped, EVENT_JOB_MAX_INSTANCES)
        # skipped turns are reported by _skipped (crawls) or are routine (a slow delivery tick)
        logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
        self._schedule(scheduler, self.sources)
        scheduler.add_job(self.deliver, IntervalTrigger(seconds=self.tick), id="deliver")
        scheduler.add_job(self.alert_cycle, IntervalTrigger(seconds=self.evaluate_every), id="evaluate")
        scheduler.add_job(self.check_silence, IntervalTrigger(seconds=self.silence_every), id="silence",
                          next_run_time=datetime.now(timezone.utc) + timedelta(seconds=min(5.0, self.silence_every)))
        scheduler.start()
        log.info("monitoring %d sources: %s", len(self.sources),
                 ", ".join(f"{s.name} every {s.every}" for s in self.sources))
        try:
            while not self.stop_event.wait(0.5):
                if self.reload_event.is_set():
                    self.reload_event.clear()
                    self.reload(scheduler)
        finally:
            self.runner.stop_all(STOP_GRACE)
            # let jobs whose crawl just ended record it; never wait on a slow channel here
            closer = threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, daemon=True)
            closer.start()
            closer.join(2.0)
        return 0

    def _schedule(self, scheduler, sources) -> None:
        """A crawl job per source, its first turn where its last crawl leaves off."""
        from apscheduler.triggers.interval import IntervalTrigger

        now = time.time()
        with self._state() as conn:
            times = dstate.source_times(conn)
        for s in sources:
            first = dstate.first_run_at(times.get(s.name), s.every_seconds, now)
            start = datetime.fromtimestamp(first, timezone.utc)
            scheduler.add_job(
                self.crawl, IntervalTrigger(seconds=s.every_seconds, start_date=start,
                                            jitter=default_jitter(s.every_seconds) or None),
                args=[s], id=f"crawl:{s.name}", name=f"crawl {s.name}", executor="crawls",
                next_run_time=start, replace_existing=True,
            )

    def reload(self, scheduler) -> bool:
        """SIGHUP (``systemctl reload newsmon``): take up an edited sources.yaml and alerts.yaml
        without a restart, so no crawl in progress is cut short. The new files are checked
        whole first; a mistake is logged and the running configuration kept. Sources added
        or switched on are scheduled, removed or switched-off ones are dropped (a crawl of
        one already running finishes), a changed one is rescheduled; the alert rules and
        channels are replaced. Crawls read their own source settings and settings.yaml at
        each run, so those need no reload."""
        from pipeline.alerts import load_alerts
        from pipeline.sources import load_sources

        try:
            enabled = [s for s in load_sources(self.ctx.config_dir) if s.enabled]
            if not enabled:
                raise UserError("no enabled sources in sources.yaml: nothing to monitor")
            alerts = load_alerts(self.ctx.config_dir)
            self._check_secrets(alerts)
        except UserError as exc:
            log.error("reload refused, still running the previous configuration: %s", exc)
            return False
        old = {s.name: s for s in self.sources}
        new = {s.name: s for s in enabled}
        for name in old.keys() - new.keys():
            scheduler.remove_job(f"crawl:{name}")
        changed = [s for name, s in new.items() if name not in old or s != old[name]]
        self._schedule(scheduler, changed)
        with self.alert_lock:
            self.alerts = alerts
        self.sources = enabled
        with self._state() as conn:
            dstate.heartbeat(conn, sources=[s.name for s in enabled])
        what = {"added": sorted(new.keys() - old.keys()), "removed": sorted(old.keys() - new.keys()),
                "changed": sorted(s.name for s in changed if s.name in old)}
        log.info("reloaded: %d sources (%s), %d alert rules", len(enabled),
                 "; ".join(f"{verb} {', '.join(names)}" for verb, names in what.items() if names) or "no change",
                 len(alerts.rules))
        return True

    def _shutdown(self) -> None:
        self.runner.stop_all(STOP_GRACE)
        try:
            with self._state() as conn:
                dstate.heartbeat(conn, running=[], stopped=time.time())
        except Exception:  # pragma: no cover - best effort on the way out
            pass
