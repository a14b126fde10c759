"""``cockpit serve``: the scheduler daemon.

- One APScheduler job per monitor (``every`` aligned to the epoch, or ``cron``), with
  ``coalesce``, ``max_instances=1`` and a misfire grace time, on a pool of ``daemon.workers``
  threads: a monitor that takes minutes delays no other. One run per (service, monitor) at a
  time: a monitor still running when it is due again skips that tick (logged, counted in
  ``cockpit_daemon_skipped_runs_total``, listed under ``running`` on ``/healthz``).
- After runs, the SLOs are evaluated once for all of them (runs that end while an evaluation
  is under way are taken by the next one, never going back in time), reading only the runs
  saved since the previous evaluation (:mod:`cockpit.engine.slo_cache`); then alerts are
  updated and the outbox delivered.
- On becoming active it catches up the windows missed while nobody was running (bounded, oldest
  first), so no window is silently skipped.
- One active scheduler per store: a PostgreSQL advisory lock or, for SQLite, a file lock beside
  the database. The others stay standby and try again every few seconds.
- ``/metrics`` (the store collector plus the daemon's own counters) and ``/healthz``.
- Retention: the active scheduler prunes the store every ``store_retention.every``, a few
  seconds of short transactions at a time (:mod:`cockpit.engine.retention`).
- SIGTERM / SIGINT: stop scheduling, let the running monitors finish (or abandon it at the
  deadline), flush the outbox, exit 0 within 10 s. SIGHUP: reload the config, keeping the old
  one if the new one is invalid.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
)

from cockpit.config.loader import load_config
from cockpit.engine import alerts, schedule
from cockpit.engine.deliver import Deliverer
from cockpit.engine.retention import prune
from cockpit.engine.runner import Runner
from cockpit.engine.slo_cache import SloCache
from cockpit.errors import CockpitError, ConfigError
from cockpit.store import DatabaseError, Store, utcnow
from cockpit.store.locks import leadership_for
from cockpit.timefmt import iso

log = logging.getLogger("cockpit.daemon")

CATCH_UP_MAX = 288  # windows per monitor replayed after downtime (a day of 5-minute runs)
STANDBY_POLL_S = 5.0
SHUTDOWN_DEADLINE_S = 8.0
PRUNE_SLICE_S = 2.0  # the longest one pass of retention holds the leadership loop


# --- logging ---------------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("service", "monitor", "event", "at", "role"):
            if hasattr(record, key):
                data[key] = getattr(record, key)
        if record.exc_info:
            data["traceback"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


def setup_logging(fmt: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


# --- the daemon ------------------------------------------------------------------------------


class Daemon:
    def __init__(
        self,
        config_path: Path,
        *,
        port: int = 9464,
        host: str = "127.0.0.1",
        clock: Callable[[], datetime] = utcnow,
    ):
        self.config_path = config_path
        self.config = load_config(config_path)
        self.store = Store(self.config.store_url())
        self.runner = Runner(self.config, self.store)
        self.clock = clock
        self.port, self.host = port, host
        self.role = "standby"
        self.started_at = utcnow()
        self.last_run_at: datetime | None = None
        self.pruned_at: datetime | None = None  # when the last complete prune began
        self.stopping = threading.Event()
        self.cycle_lock = threading.Lock()  # one evaluation of SLOs and alerts at a time
        self.slo_cache = SloCache()
        self.evaluated_at: datetime | None = None  # the newest moment evaluated
        self._pending_lock = threading.Lock()
        self._pending: tuple[datetime, set[str]] | None = None  # runs not evaluated yet
        self.running: set[tuple[str, str]] = set()  # (service, monitor) running now
        self.leadership = leadership_for(self.store)
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(self.config.daemon.workers)},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        self.scheduler.add_listener(self._skipped_by_scheduler, EVENT_JOB_MAX_INSTANCES)
        self._jobs: dict[str, tuple[str, str]] = {}  # job id -> (service, monitor)
        self.registry = CollectorRegistry(auto_describe=False)
        from cockpit.metrics import StoreCollector

        self.collector = StoreCollector(self.config, self.store)
        self.registry.register(_SafeCollector(self.collector, self))
        self.errors = Counter(
            "cockpit_daemon_errors",
            "Errors the daemon survived, by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.cycles = Counter(
            "cockpit_daemon_cycles",
            "Monitor cycles run by this process.",
            ["service", "monitor"],
            registry=self.registry,
        )
        self.skipped = Counter(
            "cockpit_daemon_skipped_runs",
            "Ticks skipped because the monitor's previous run was still going.",
            ["service", "monitor"],
            registry=self.registry,
        )
        self.is_active = Gauge(
            "cockpit_daemon_active",
            "1 when this process is the active scheduler.",
            registry=self.registry,
        )
        self.http: ThreadingHTTPServer | None = None

    # --- jobs ------------------------------------------------------------------------------

    def _trigger(self, monitor: Any) -> IntervalTrigger | CronTrigger:
        if monitor.every is not None:
            return IntervalTrigger(
                seconds=monitor.every.total_seconds(), start_date=schedule.EPOCH, timezone=UTC
            )
        return CronTrigger.from_crontab(monitor.cron, timezone="UTC")

    def schedule_jobs(self) -> None:
        for job in self.scheduler.get_jobs():
            job.remove()
        self._jobs = {}
        for service in self.config.services:
            for monitor in service.monitors:
                self._jobs[f"{service.name}/{monitor.name}"] = (service.name, monitor.name)
                grace = max(30, int(schedule.interval(monitor, self.clock()).total_seconds() // 2))
                self.scheduler.add_job(
                    self.run_job,
                    self._trigger(monitor),
                    args=[service.name, monitor.name],
                    id=f"{service.name}/{monitor.name}",
                    name=f"{service.name}/{monitor.name}",
                    misfire_grace_time=grace,
                    replace_existing=True,
                )

    def run_job(self, service_name: str, monitor_name: str, at: datetime | None = None) -> None:
        """One monitor at its tick (skipped while its previous run goes on), then the SLOs,
        alerts and deliveries of what ran (:meth:`evaluate`)."""
        if self.stopping.is_set() or self.role != "active":
            return
        key = (service_name, monitor_name)
        with self._pending_lock:
            if key in self.running:
                self._skip(service_name, monitor_name, "its previous run is still going")
                return
            self.running.add(key)
        try:
            ran_at = self._run_monitor(service_name, monitor_name, at)
        finally:
            with self._pending_lock:
                self.running.discard(key)
        if ran_at is not None:
            self.evaluate(ran_at, service_name)

    def _skip(self, service_name: str, monitor_name: str, why: str) -> None:
        self.skipped.labels(service_name, monitor_name).inc()
        log.warning(
            "skipped %s/%s: %s",
            service_name,
            monitor_name,
            why,
            extra={"service": service_name, "monitor": monitor_name, "event": "skipped"},
        )

    def _skipped_by_scheduler(self, event: JobExecutionEvent) -> None:
        """APScheduler did not start a job whose previous instance still runs."""
        if event.job_id in self._jobs:
            self._skip(*self._jobs[event.job_id], "its previous run is still going")

    def _run_monitor(
        self, service_name: str, monitor_name: str, at: datetime | None
    ) -> datetime | None:
        """Run and save one monitor; the tick it ran at, or None when it could not run."""
        config, runner = self.config, self.runner
        try:
            service = config.service(service_name)
            monitor = service.monitor(monitor_name)
        except StopIteration:
            return None  # removed by a reload
        at = at or schedule.previous_tick(monitor, self.clock())
        try:
            end = runner.window(service, monitor, at).end
            previous = self.store.latest_run(
                service.name, monitor.name, until=end - timedelta(microseconds=1)
            )
            record = runner.run_monitor(
                service, monitor, at, previous.window_end if previous else None
            )
            self.store.save_run(record)
        except Exception as exc:  # noqa: BLE001 - counted and logged by kind, never fatal
            self._count_failure(exc, f"{service_name}/{monitor_name}", at)
            return None
        self.cycles.labels(service.name, monitor.name).inc()
        if record.status == "failed":
            self.errors.labels("monitor_failed").inc()
        self.last_run_at = self.clock()
        log.info(
            "ran %s/%s at %s: %s",
            service.name,
            monitor.name,
            iso(at),
            record.status,
            extra={"service": service.name, "monitor": monitor.name, "event": "run", "at": iso(at)},
        )
        return at

    def evaluate(self, at: datetime, service_name: str) -> None:
        """Evaluate the SLOs after a run of ``service_name`` at ``at``: once for every run that
        ended meanwhile. The thread that gets the cycle lock evaluates; a run ending while it
        does leaves its service pending, for the same thread's next round."""
        with self._pending_lock:
            moment, services = self._pending or (at, set())
            self._pending = (max(moment, at), services | {service_name})
        self._drain()

    def _drain(self) -> None:
        """Evaluate what is pending, unless another thread is evaluating (it will)."""
        while True:
            if not self.cycle_lock.acquire(blocking=False):
                return  # the evaluating thread takes ours in its next round
            try:
                while True:
                    with self._pending_lock:
                        if self._pending is None:
                            break
                        moment, services = self._pending
                        self._pending = None
                    self._evaluate(max(moment, self.evaluated_at or moment), services)
            finally:
                self.cycle_lock.release()
            with self._pending_lock:  # pending added after our last look, before the release
                if self._pending is None:
                    return

    def _evaluate(self, at: datetime, services: set[str]) -> None:
        """SLOs, alerts and deliveries at ``at`` for the services that ran. A slow run ending
        after a newer moment was evaluated is counted at that newer moment (``at`` never goes
        back: alerts move forward in time)."""
        config = self.config
        try:
            reports = [
                r for r in self.slo_cache.evaluate(config, self.store, at) if r.service in services
            ]
            alerts.process(config, self.store, at, reports)
            self.evaluated_at = at
        except Exception as exc:  # noqa: BLE001 - counted and logged by kind, never fatal
            self.slo_cache.clear()  # an evaluation cut short reads in full next time
            self._count_failure(exc, ", ".join(sorted(services)), at)
            return
        self.deliver(max_seconds=5.0)

    def _count_failure(self, exc: Exception, what: str, at: datetime) -> None:
        if isinstance(exc, CockpitError):
            self.errors.labels("store" if "store" in str(exc) else "cycle").inc()
            log.error("cycle %s at %s failed: %s", what, iso(at), exc)
        elif isinstance(exc, DatabaseError):
            self.errors.labels("store").inc()
            log.error("store error in %s: %s", what, exc.__class__.__name__)
        else:
            self.errors.labels("bug").inc()
            log.error("cycle %s crashed", what, exc_info=exc)

    def deliver(self, max_seconds: float) -> None:
        try:
            Deliverer(self.config, self.store).deliver_due(
                max_seconds=max_seconds, quick_retry_s=0.0
            )
        except Exception:  # a delivery outage must never stop the daemon
            self.errors.labels("delivery").inc()
            log.exception("delivery failed")

    def catch_up(self) -> int:
        """Run the windows missed while no scheduler was active, oldest first (bounded)."""
        now = self.clock()
        plan = []
        for service in self.config.services:
            for monitor in service.monitors:
                last = self.store.latest_run(service.name, monitor.name)
                if last is None:
                    continue  # a new monitor starts now; `cockpit backfill` fills history
                ticks = [
                    t
                    for t in schedule.ticks(monitor, last.window_end, now)
                    if self.runner.window(service, monitor, t).end > last.window_end
                ]
                plan += [(t, service.name, monitor.name) for t in ticks[-CATCH_UP_MAX:]]
        for at, service_name, monitor_name in sorted(plan):  # in order: alerts move forward
            if self.stopping.is_set():
                break
            self.run_job(service_name, monitor_name, at)
        if plan:
            log.info("caught up %d missed windows", len(plan), extra={"event": "catch_up"})
        return len(plan)

    # --- leadership loop -------------------------------------------------------------------

    def become_active(self) -> None:
        self.role = "active"
        self.is_active.set(1)
        log.info(
            "active: this process runs the monitors", extra={"role": "active", "event": "active"}
        )
        self.catch_up()
        self.schedule_jobs()

    def leadership_loop(self) -> None:
        """Every few seconds: take or keep the scheduler lock, say this process is alive (the
        cockpit shows whether a daemon runs), and deliver what others queued meanwhile (an
        operator's manual action, an approval) without waiting for the next monitor."""
        while not self.stopping.is_set():
            try:
                if self.role == "standby" and self.leadership.try_acquire():
                    self.beat()
                    self.become_active()
                elif self.role == "active" and not self.leadership.try_acquire():
                    log.error("lost the scheduler lock: standing by", extra={"role": "standby"})
                    self.role = "standby"
                    self.is_active.set(0)
                    for job in self.scheduler.get_jobs():
                        job.remove()
            except Exception:
                self.errors.labels("leadership").inc()
                log.exception("leadership check failed")
            self.beat()
            if self.role == "active" and not self.stopping.is_set():
                self.deliver(max_seconds=2.0)
                self.prune_when_due()
            self.stopping.wait(STANDBY_POLL_S)

    def prune_when_due(self) -> None:
        """Apply ``store_retention`` once every ``store_retention.every``: at most
        :data:`PRUNE_SLICE_S` per call, a prune cut short goes on at the next call."""
        now = self.clock()
        config = self.config
        if self.pruned_at is not None and now - self.pruned_at < config.store_retention.every:
            return
        try:
            pruned = prune(
                config,
                self.store,
                now,
                max_seconds=PRUNE_SLICE_S,
                should_stop=self.stopping.is_set,
            )
        except Exception:  # a failed prune is retried next time, never fatal
            self.errors.labels("retention").inc()
            log.exception("retention failed")
            return
        if pruned.complete:
            self.pruned_at = now
        deleted = pruned.to_json()["deleted"]
        if any(deleted.values()):
            with self.cycle_lock:  # the cached SLO buckets may hold deleted runs
                self.slo_cache.clear()
            self._drain()
        if any(deleted.values()) or not pruned.complete:
            log.info(pruned.summary(), extra={"event": "prune"})

    def beat(self) -> None:
        try:
            self.store.beat(socket.gethostname(), os.getpid(), self.role, self.started_at)
        except Exception as exc:  # noqa: BLE001 - a store outage is counted, never fatal
            self.errors.labels("heartbeat").inc()
            log.warning("heartbeat not recorded: %s", exc.__class__.__name__)

    # --- reload, stop ----------------------------------------------------------------------

    def reload(self) -> None:
        try:
            new = load_config(self.config_path)
        except ConfigError as exc:
            log.error(
                "reload refused, keeping the running config:\n%s",
                exc,
                extra={"event": "reload_refused"},
            )
            self.errors.labels("reload").inc()
            return
        with self.cycle_lock:  # no evaluation sees half of it; running monitors keep theirs
            self.config = new
            self.runner = Runner(new, self.store)
            self.collector.config = new
            self.slo_cache.clear()
        self._drain()  # runs that ended during the reload
        if self.role == "active":
            self.schedule_jobs()
        log.info("config reloaded", extra={"event": "reload"})

    def stop(self) -> None:
        self.stopping.set()

    # --- HTTP ------------------------------------------------------------------------------

    def health(self) -> tuple[int, dict[str, Any]]:
        jobs = [
            {"id": j.id, "next_run_at": iso(j.next_run_time) if j.next_run_time else None}
            for j in self.scheduler.get_jobs()
        ]
        with self._pending_lock:
            running = sorted(f"{s}/{m}" for s, m in self.running)
        body = {
            "status": "ok",
            "role": self.role,
            "jobs": jobs,
            "running": running,
            "last_run_at": iso(self.last_run_at) if self.last_run_at else None,
        }
        try:
            self.store.ping()
        except CockpitError as exc:
            body["status"] = "store_unreachable"
            body["error"] = str(exc)
            return 503, body
        return 200, body

    def serve_http(self) -> None:
        daemon = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path.startswith("/metrics"):
                    payload, status, ctype = (
                        generate_latest(daemon.registry),
                        200,
                        CONTENT_TYPE_LATEST,
                    )
                elif self.path.startswith("/healthz"):
                    status, body = daemon.health()
                    payload, ctype = json.dumps(body).encode(), "application/json"
                else:
                    payload, status, ctype = (
                        b"not found: try /metrics or /healthz\n",
                        404,
                        "text/plain",
                    )
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = self.http.server_address[1]
        threading.Thread(target=self.http.serve_forever, name="http", daemon=True).start()

    # --- main ------------------------------------------------------------------------------

    def run(self) -> int:
        signal.signal(signal.SIGTERM, lambda *_: self.stop())
        signal.signal(signal.SIGINT, lambda *_: self.stop())
        signal.signal(
            signal.SIGHUP, lambda *_: threading.Thread(target=self.reload, daemon=True).start()
        )
        self.serve_http()
        log.info(
            "serving /metrics and /healthz on http://%s:%d",
            self.host,
            self.port,
            extra={"event": "listening"},
        )
        self.scheduler.start()
        leader = threading.Thread(target=self.leadership_loop, name="leadership", daemon=True)
        leader.start()
        while not self.stopping.is_set():
            self.stopping.wait(0.5)
        return self.shutdown()

    def shutdown(self) -> int:
        started = time.monotonic()
        log.info("stopping", extra={"event": "stopping"})
        for job in self.scheduler.get_jobs():
            job.remove()
        done = threading.Event()
        threading.Thread(
            target=lambda: (self.scheduler.shutdown(wait=True), done.set()), daemon=True
        ).start()
        if not done.wait(SHUTDOWN_DEADLINE_S - 2):
            log.warning(
                "abandoned the running monitors at the deadline; their windows run again on the next start"
            )
        remaining = SHUTDOWN_DEADLINE_S - (time.monotonic() - started)
        if remaining > 0.5 and self.role == "active":
            self.deliver(max_seconds=min(remaining - 0.5, 2.0))
        self.leadership.release()
        self.role = "stopped"
        self.beat()  # the cockpit says at once that no daemon runs
        if self.http is not None:
            self.http.shutdown()
        log.info("stopped", extra={"event": "stopped"})
        return 0


class _SafeCollector:
    """The store collector, counting (not raising) a store outage at scrape time."""

    def __init__(self, inner: Any, daemon: Daemon):
        self.inner = inner
        self.daemon = daemon

    def collect(self) -> Any:
        try:
            yield from list(self.inner.collect())
        except Exception as exc:  # noqa: BLE001 - /metrics must answer even when the store does not
            self.daemon.errors.labels("metrics_store").inc()
            log.warning("metrics: store unreachable: %s", exc.__class__.__name__)
