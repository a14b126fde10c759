"""One cycle of the cockpit: run the monitors due at a time, store what they found.

The runner is where I/O meets the pure monitors: it reads each window through the data
sources, hands DataFrames to ``monitors/``, and writes runs and SLI measurements to the store.
A monitor that fails is recorded as ``failed`` with its error; it never stops the others.

Windows: a monitor at time ``T`` looks at ``[T - window, T)``. A monitor without an explicit
``window`` counts events in buckets that tile time: its window starts where its previous run
ended (when that was less than two windows ago), so no event is counted twice. A prediction-quality monitor
with a label delay ``d`` evaluates ``[T - d - window, T - d)``: only windows whose labels have
had time to arrive.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from cockpit.config import models as cfg
from cockpit.config.base import MonitorBase
from cockpit.engine import fit_cache, schedule, traffic
from cockpit.engine.fit_cache import FOLDER as FIT_FOLDER
from cockpit.engine.fit_cache import FitCache
from cockpit.engines.choose import engine_for
from cockpit.errors import CockpitError, MonitorError, SourceError
from cockpit.kinds.base import Preloaded, Window
from cockpit.kinds.registry import KINDS
from cockpit.sources import (
    DataSource,
    FileDataSource,
    PreloadedSource,
    SqlDataSource,
    TableDataSource,
    build_source,
)
from cockpit.store import RunRecord, Store, utcnow
from cockpit.timefmt import iso
from monitors.base import MonitorResult, finite_or_none

log = logging.getLogger(__name__)

AnyMonitor = MonitorBase  # a model of its kind (cockpit.kinds)
PRELOAD_COLUMNS_GUESS = 8  # columns a preload reads at least (all of them: every monitor's)
T = TypeVar("T")


@dataclass
class CycleResult:
    """What one cycle did; ``to_json()`` is the ``run-once --json`` contract."""

    at: datetime
    runs: list[RunRecord] = field(default_factory=list)
    slos: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "at": iso(self.at),
            "runs": [run_json(r) for r in self.runs],
            "slos": self.slos,
            "alerts": self.alerts,
            "actions": self.actions,
        }


def run_json(record: RunRecord) -> dict[str, Any]:
    return {
        "service": record.service,
        "monitor": record.monitor,
        "kind": record.kind,
        "status": record.status,
        "window_start": iso(record.window_start),
        "window_end": iso(record.window_end),
        "slis": {name: finite_or_none(value) for name, value in record.slis.items()},
        "good": finite_or_none(record.good),
        "total": finite_or_none(record.total),
        "duration_s": round(record.duration_s, 6),
        "error": record.error,
        "engine": record.engine,
    }


class Runner:
    """Runs monitors of one config against one store. Keeps sources and fitted references
    between runs, so a daemon or a backfill reuses them.

    Several threads may run monitors on one runner at once (the daemon's pool), one run per
    monitor at a time: what belongs to a run (where its window was computed) is the calling
    thread's own, the shared caches are filled under a lock, and the memo hands each caller
    the value made for its own version (its keys name a service or a monitor, whose values
    are never changed once made).
    """

    def __init__(self, config: cfg.Config, store: Store):
        self.config = config
        self.store = store
        self._sources: dict[tuple[str, str], DataSource] = {}
        # service -> (its files' fingerprint, the reference's rows, their version)
        self._fixed_refs: dict[str, tuple[str | None, pd.DataFrame, str]] = {}
        self.reports = True  # artefacts such as Evidently reports, for monitors that ask
        self.fit_cache: FitCache | None = FitCache(config.base_dir / FIT_FOLDER)
        self._rates: dict[tuple[str, str], float | None] = {}
        self._memo: dict[Hashable, tuple[Hashable, Any]] = {}  # kinds' caches, by version
        self._preloads = 0  # the version of the preloaded rows
        self._engines: dict[str, Any] = {}  # engine name -> the engine, started when first used
        self._lock = threading.RLock()  # fills the shared caches above, one thread at a time
        self._run = threading.local()  # per run: .engine, where its window was computed
        for kind in {m.kind for service in config.services for m in service.monitors}:
            KINDS.get(kind).warm()  # imports paid now, not inside the first run's duration_s

    @property
    def _engine_used(self) -> str:
        return getattr(self._run, "engine", "pandas")

    @_engine_used.setter
    def _engine_used(self, name: str) -> None:
        self._run.engine = name

    # --- scheduling ------------------------------------------------------------------------

    def due(self, at: datetime) -> list[tuple[cfg.Service, AnyMonitor]]:
        """Monitors on schedule at ``at``, plus any whose last run is more than one interval old
        (so ``run-once`` at any moment runs what has not run lately)."""
        due = []
        for service in self.config.services:
            for monitor in service.monitors:
                if schedule.on_schedule(monitor, at):
                    due.append((service, monitor))
                    continue
                end = self.window(service, monitor, at).end
                last = self.store.latest_run(service.name, monitor.name, until=end)
                if last is None or last.window_end <= end - schedule.interval(monitor, at):
                    due.append((service, monitor))
        return due

    def window(
        self,
        service: cfg.Service,
        monitor: AnyMonitor,
        at: datetime,
        previous_end: datetime | None = None,
    ) -> Window:
        end = at - self._label_delay(service, monitor)
        start = end - monitor.window_length
        # Occurrence buckets tile time: start where the previous run ended, when it ended less
        # than two windows ago (a longer gap is left for a backfill to fill).
        tiles = monitor.window is None and previous_end is not None
        if tiles and end - 2 * monitor.window_length <= previous_end < end:
            start = previous_end
        return Window(start, end)

    def _label_delay(self, service: cfg.Service, monitor: AnyMonitor) -> timedelta:
        return schedule.label_delay(service, monitor)

    # --- one cycle -------------------------------------------------------------------------

    def run_once(self, at: datetime) -> CycleResult:
        """Run every monitor due at ``at`` and store the runs."""
        result = CycleResult(at=at)
        for service, monitor in self.due(at):
            end = self.window(service, monitor, at).end
            previous = self.store.latest_run(
                service.name, monitor.name, until=end - timedelta(microseconds=1)
            )
            record = self.run_monitor(
                service, monitor, at, previous.window_end if previous else None
            )
            self.store.save_run(record)
            result.runs.append(record)
        traffic.record_cycle(self, at)
        return result

    def run_monitor(
        self,
        service: cfg.Service,
        monitor: AnyMonitor,
        at: datetime,
        previous_end: datetime | None = None,
    ) -> RunRecord:
        """One monitor at ``at``. Never raises for a user-caused problem: it becomes ``failed``."""
        window = self.window(service, monitor, at, previous_end)
        started_at = utcnow()
        started = time.perf_counter()
        reference_version = None
        self._engine_used = "pandas"
        try:
            result, reference_version = KINDS.get(monitor.kind).run(
                self, service, monitor, window, at
            )
            status, error = result.status, None
        except (CockpitError, ValueError) as exc:
            result, status, error = MonitorResult(status="ok"), "failed", str(exc)
            log.warning(
                "monitor %s/%s failed at %s: %s",
                service.name,
                monitor.name,
                iso(at),
                error,
                extra={"service": service.name, "monitor": monitor.name},
            )
        except Exception as exc:  # a bug: log the traceback, keep the other monitors going
            log.exception("monitor crashed: %s/%s", service.name, monitor.name)
            result, status, error = (
                MonitorResult(status="ok"),
                "failed",
                f"internal error: {exc.__class__.__name__}: {exc}",
            )
        return RunRecord(
            service=service.name,
            monitor=monitor.name,
            kind=monitor.kind,
            window_start=window.start,
            window_end=window.end,
            status=status,
            slis={k: finite_or_none(v) for k, v in result.slis.items()}
            if status != "failed"
            else {},
            good=finite_or_none(result.good) if status == "ok" else None,
            total=finite_or_none(result.total) if status == "ok" else None,
            duration_s=time.perf_counter() - started,
            error=error,
            details=dict(result.details),
            reference_version=reference_version,
            engine=self._engine_used,
            started_at=started_at,
        )

    # --- reading ---------------------------------------------------------------------------

    def source(self, service: cfg.Service, role: str) -> DataSource:
        key = (service.name, role)
        found = self._sources.get(key)
        if found is not None:
            return found
        with self._lock:
            if key not in self._sources:
                spec = getattr(service.data, role)
                if spec is None:
                    raise SourceError(f"service {service.name!r} has no data.{role}")
                index = self.config.services.index(service)
                self._sources[key] = build_source(
                    spec, self.config.base_dir, f"services[{index}].data.{role}"
                )
            return self._sources[key]

    def preload(self, start: datetime, end: datetime) -> None:
        """Read each service's current data over ``[start, end)`` once; windows inside it are
        then sliced from memory (backfills). A service whose span is computed by an engine
        (named, or chosen by ``auto`` because the span would not fit in memory) is not
        preloaded: its backfill goes window by window through the engine."""
        self._preloads += 1
        for service in self.config.services:
            inner = self.source(service, "current")
            if isinstance(inner, PreloadedSource):
                inner = inner.inner
            lookback = max((m.window_length for m in service.monitors), default=timedelta(0))
            lookback += max(
                (self._label_delay(service, m) for m in service.monitors), default=timedelta(0)
            )
            if isinstance(service.data.reference, cfg.RollingReference):
                ref = service.data.reference
                lookback = max(lookback, ref.offset + ref.window + timedelta(days=1))
            try:
                columns = max(len(service.schema_), PRELOAD_COLUMNS_GUESS)
                if engine_for(service, inner, columns, start - lookback, end) == "pandas":
                    self._sources[(service.name, "current")] = PreloadedSource(
                        inner, None, start - lookback, end
                    )
                else:
                    self._sources[(service.name, "current")] = inner
            except SourceError as exc:
                log.warning("could not preload %s: %s", service.name, exc)
            if service.data.labels is not None:
                labels = self.source(service, "labels")
                labels = labels.inner if isinstance(labels, PreloadedSource) else labels
                if labels.timestamp:  # labels are read by arrival time, up to each tick
                    try:
                        self._sources[(service.name, "labels")] = PreloadedSource(
                            labels, None, start - lookback, end + timedelta(seconds=1)
                        )
                    except SourceError as exc:
                        log.warning("could not preload labels of %s: %s", service.name, exc)

    def reference(
        self, service: cfg.Service, columns: Sequence[str], at: datetime
    ) -> tuple[pd.DataFrame, str]:
        """The reference rows and a version string that changes when the reference does.

        A rolling reference ``{window, offset}`` ends at ``at - offset`` floored to the hour
        (to the day for windows of a day or more), so runs within that hour share one fitted
        reference.
        """
        spec = service.data.reference
        if spec is None:
            raise SourceError(f"service {service.name!r} has no data.reference")
        if isinstance(spec, cfg.RollingReference):
            start, end = _rolling_bounds(spec, at)
            frame = self.source(service, "current").read(columns, start, end)
            return frame, _rolling_version(start, end)
        source = self.source(service, "reference")
        known = source.fingerprint()  # files changed since they were read: read them again
        kept = self._fixed_refs.get(service.name)
        if kept is None or (known is not None and kept[0] != known):
            frame = source.read(None)
            digest = hashlib.sha256(
                pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
            ).hexdigest()
            with self._lock:  # two first runs read it both; the last keeps it
                self._fixed_refs[service.name] = (known, frame, f"fixed:{digest[:16]}")
        _known, frame, version = self._fixed_refs[service.name]
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise SourceError(
                f"{self.source(service, 'reference').label}: column {', '.join(map(repr, missing))} not found"
            )
        return frame, version

    def fitted_reference(
        self,
        service: cfg.Service,
        monitor: str,
        columns: Sequence[str],
        at: datetime,
        spec: str,
        fit: Callable[[pd.DataFrame], T],
    ) -> tuple[T, str]:
        """``fit(reference)`` for a monitor, and the reference's version: fitted once per
        version and ``spec``, kept in this process and, where the reference's version is known
        without reading it, in the fit cache beside the config (see
        :mod:`cockpit.engine.fit_cache`): a new process then neither reads nor fits it."""
        known = self._reference_fingerprint(service, at)
        name = None if known is None or self.fit_cache is None else fit_cache.token(spec, known)
        key = (service.name, monitor, "fitted")
        cache = self.fit_cache
        if name is None or cache is None:  # known once read: kept in this process only
            frame, version = self.reference(service, columns, at)
            return self.remember(key, (spec, version), lambda: (fit(frame), version))
        kept = self._memo.get(key)
        if kept is not None and kept[0] == name:
            return kept[1]
        made = cache.load(service.name, monitor, name)
        if made is None:
            frame, version = self.reference(service, columns, at)
            made = (fit(frame), version)
            cache.save(service.name, monitor, name, made)
        with self._lock:
            self._memo[key] = (name, made)
        return made

    def _reference_fingerprint(self, service: cfg.Service, at: datetime) -> str | None:
        """The reference's version without reading it: a rolling window's bounds, or a fixed
        reference's files (None for a table: only its rows tell)."""
        spec = service.data.reference
        if isinstance(spec, cfg.RollingReference):
            return _rolling_version(*_rolling_bounds(spec, at))
        if spec is None:
            return None
        try:
            return self.source(service, "reference").fingerprint()
        except SourceError:
            return None  # reading it says what is wrong

    def reference_rate(self, service: cfg.Service, at: datetime) -> float | None:
        """Rows per second in the reference, for the volume check (once per reference version)."""
        spec = service.data.reference
        if spec is None:
            return None
        timestamp = service.data.current.timestamp
        columns = [timestamp] if timestamp and isinstance(spec, cfg.RollingReference) else []
        frame, version = self.reference(service, columns, at)
        key = (service.name, version)
        if key in self._rates:
            return self._rates[key]
        rate = self._rate(service, spec, frame, timestamp)
        with self._lock:  # one version kept per service
            self._rates = {k: v for k, v in self._rates.items() if k[0] != service.name}
            self._rates[key] = rate
        return rate

    def _rate(
        self, service: cfg.Service, spec: Any, frame: pd.DataFrame, timestamp: str | None
    ) -> float | None:
        if isinstance(spec, cfg.RollingReference):
            return len(frame) / spec.window.total_seconds() if len(frame) else None
        ts_col = getattr(self.source(service, "reference"), "timestamp", None) or timestamp
        if ts_col not in frame.columns or len(frame) < 2:
            return None
        times = pd.to_datetime(frame[ts_col], utc=True)
        span = (times.max() - times.min()).total_seconds()
        return len(frame) / span if span > 0 else None

    # --- what a kind may ask (cockpit.kinds.base.RunContext) ---------------------------------

    def read_window(
        self,
        service: cfg.Service,
        columns: Sequence[str],
        window: Window,
        optional: Iterable[str | None] = (),
    ) -> pd.DataFrame:
        """The window's rows of ``columns``, with those of ``optional`` the source has."""
        wanted = [c for c in columns if c]
        extra = [c for c in optional if c and c not in wanted]
        read = self.source(service, "current").read
        try:
            return read([*wanted, *extra], window.start, window.end)
        except SourceError as exc:
            if not extra or not any(repr(c) in str(exc) for c in extra):
                raise
            return read(wanted, window.start, window.end)

    def engine(self, service: cfg.Service, columns: Sequence[str], window: Window) -> str:
        source = self.source(service, "current")
        if isinstance(source, PreloadedSource):
            return "pandas"
        # auto reads Parquet metadata: once per window, whichever of the service's monitors asks
        name = self.remember(
            ("engine", service.name, len(columns)),
            (window.start, window.end),
            lambda: engine_for(service, source, len(columns), window.start, window.end),
        )
        return name

    def relation(self, service: cfg.Service, columns: Sequence[str], window: Window) -> Any:
        source = self.source(service, "current")
        wanted = [c for c in dict.fromkeys(columns) if c]
        if isinstance(source, SqlDataSource):  # whichever engine was named: its own database
            name = "sql"
        elif self.engine(service, columns, window) == "spark" or isinstance(
            source, TableDataSource
        ):
            name = "spark"
        elif isinstance(source, FileDataSource):
            name = "duckdb"
        else:
            raise MonitorError(
                f"{source.label}: no engine computes this source; use engine: pandas"
            )
        self._engine_used = name
        return self._window_on(name, source, wanted, window.start, window.end)

    def _window_on(
        self,
        name: str,
        source: DataSource,
        columns: Sequence[str],
        start: datetime | None,
        end: datetime | None,
    ) -> Any:
        """``source``'s rows from ``start`` to ``end`` on the engine ``name`` (``sql``: the
        source's own database; ``duckdb`` and ``spark``: one engine for every thread, started
        when first used; DuckDB hands each window its own cursor)."""
        if name == "sql":
            from cockpit.engines import database

            assert isinstance(source, SqlDataSource)
            return database.window(source, columns, start, end)
        with self._lock:
            if name not in self._engines:
                if name == "spark":
                    from cockpit.engines.spark import SparkEngine

                    self._engines[name] = SparkEngine(self.config.engines.spark)
                else:
                    from cockpit.engines.duckdb import DuckDBEngine

                    self._engines[name] = DuckDBEngine(self.config.engines.duckdb)
            engine = self._engines[name]
        return engine.window(source, columns, start, end)

    def labelled_relation(
        self,
        service: cfg.Service,
        columns: Sequence[str],
        window: Window,
        key: str,
        label: str,
        arrived: tuple[datetime | None, datetime | None],
        optional: Iterable[str | None] = (),
    ) -> tuple[Any, str | None]:
        from cockpit.engines import labelled

        current = self.source(service, "current")
        labels = self.source(service, "labels")
        if isinstance(labels, PreloadedSource):  # a backfill's labels: the engine reads its own
            labels = labels.inner
        spark = self.engine(service, columns, window) == "spark"
        why = labelled.joinable(current, labels, spark)
        if why is not None:
            return None, why
        wanted = [c for c in dict.fromkeys([*columns, key]) if c and c != label]
        # joinable: both files or both in one database (or both read by Spark)
        used = "spark" if spark else "sql" if isinstance(current, SqlDataSource) else "duckdb"
        ours = self._window_on(used, current, wanted, window.start, window.end)
        theirs = self._window_on(used, labels, [key, label], *arrived)
        wanted += [c for c in optional if c and c not in wanted and c != label and ours.has(c)]
        arrival = labels.timestamp if arrived != (None, None) else None
        joined = labelled.join_latest(ours, theirs, key, label, arrival, wanted)
        ambiguous = labelled.ambiguous_rows(joined)
        if ambiguous:
            return None, (
                f"{ambiguous} predictions have a key with different labels that arrived at the "
                f"same time in {labels.label}; which one wins depends on the order the rows "
                "are read in, so this window was joined in process"
            )
        self._engine_used = used
        return joined, None

    def read_source(
        self,
        service: cfg.Service,
        role: str,
        columns: Sequence[str] | None,
        start: datetime | None,
        end: datetime | None,
    ) -> pd.DataFrame:
        return self.source(service, role).read(columns, start, end)

    def has_timestamp(self, service: cfg.Service, role: str) -> bool:
        return bool(self.source(service, role).timestamp)

    def source_label(self, service: cfg.Service, role: str) -> str:
        return self.source(service, role).label

    def preloaded(
        self, service: cfg.Service, columns: Sequence[str], window: Window
    ) -> Preloaded | None:
        source = self.source(service, "current")
        if not isinstance(source, PreloadedSource) or not source.covers(
            columns, window.start, window.end
        ):
            return None
        lo, hi = source.bounds(window.start, window.end)
        frame = source.frame[[*columns, source.timestamp] if source.timestamp else list(columns)]
        return Preloaded(frame, lo, hi, self._preloads)

    def query_prometheus(self, spec: Any, window: Window) -> MonitorResult:
        from cockpit.prometheus_source import query_window

        return query_window(spec, window.start, window.end)

    def keep_artifact(self, service: cfg.Service, monitor: Any, name: str, text: str) -> str:
        relative = Path("reports", service.name, monitor.name, name)
        path = self.config.base_dir / relative  # base_dir is absolute
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        return relative.as_posix()

    def remember(self, key: Hashable, version: Hashable, make: Callable[[], T]) -> T:
        kept = self._memo.get(key)
        if kept is None or kept[0] != version:
            kept = (version, make())  # one version kept per key
            self._memo[key] = kept
        return kept[1]


def _rolling_bounds(spec: cfg.RollingReference, at: datetime) -> tuple[datetime, datetime]:
    """A rolling reference ``{window, offset}`` ends at ``at - offset`` floored to the hour (to
    the day for windows of a day or more), so runs within that hour share one fitted reference."""
    grain = timedelta(days=1) if spec.window >= timedelta(days=1) else timedelta(hours=1)
    end = _floor(at - spec.offset, grain)
    return end - spec.window, end


def _rolling_version(start: datetime, end: datetime) -> str:
    return f"rolling:{iso(start)}/{iso(end)}"


def _floor(value: datetime, grain: timedelta) -> datetime:
    return schedule.EPOCH + ((value - schedule.EPOCH) // grain) * grain


# --- backfill ----------------------------------------------------------------------------------


def backfill(
    runner: Runner,
    start: datetime,
    end: datetime,
    *,
    on_progress: Callable[[int, int, datetime], None] | None = None,
    batch: int = 500,
) -> list[RunRecord]:
    """Replay every scheduled run in ``(start, end]``, oldest first; returns the records.

    A kind with an ``after_backfill`` step (the drift monitor's Evidently report) runs it once,
    on each monitor's newest ok window, instead of once per run (a report takes seconds),
    unless the store already holds a newer ok run of it (older history was filled).
    """
    plan: list[tuple[datetime, int, cfg.Service, AnyMonitor]] = []
    for service in runner.config.services:
        for order, monitor in enumerate(service.monitors):
            for tick in schedule.ticks(monitor, start, end):
                plan.append((tick, order, service, monitor))
    plan.sort(key=lambda item: (item[0], item[2].name, item[1]))
    runner.preload(start, end)
    reports, runner.reports = runner.reports, False  # made once, below
    # a replay passes through many rolling references once each: fits stay in memory
    kept_fits, runner.fit_cache = runner.fit_cache, None
    last_end: dict[tuple[str, str], datetime] = {}
    newest_ok: dict[tuple[str, str], tuple[int, datetime, cfg.Service, AnyMonitor]] = {}
    pending: list[RunRecord] = []
    records: list[RunRecord] = []
    try:
        for done, (tick, _order, service, monitor) in enumerate(plan, start=1):
            key = (service.name, monitor.name)
            if key not in last_end:
                previous = runner.store.latest_run(
                    service.name,
                    monitor.name,
                    until=runner.window(service, monitor, tick).end - timedelta(microseconds=1),
                )
                if previous is not None:
                    last_end[key] = previous.window_end
            record = runner.run_monitor(service, monitor, tick, last_end.get(key))
            last_end[key] = record.window_end
            pending.append(record)
            records.append(record)
            if record.status == "ok":
                newest_ok[key] = (len(records) - 1, tick, service, monitor)  # ticks ascend
            if len(pending) >= batch:
                runner.store.save_runs(pending)
                pending.clear()
            if on_progress is not None:
                on_progress(done, len(plan), tick)
    finally:
        runner.reports, runner.fit_cache = reports, kept_fits
    if pending:
        runner.store.save_runs(pending)
    traffic.record_ticks(runner, ((service, tick) for tick, _o, service, _m in plan))
    if reports:
        runner.store.save_runs(_after_backfill(runner, records, newest_ok.values()))
    return records


def _after_backfill(
    runner: Runner,
    records: list[RunRecord],
    newest_ok: Iterable[tuple[int, datetime, cfg.Service, AnyMonitor]],
) -> list[RunRecord]:
    """Each kind's once-per-backfill step on its newest ok run; the runs it changed."""
    changed = []
    for index, tick, service, monitor in newest_ok:
        step = KINDS.get(monitor.kind).after_backfill
        record = records[index]
        if step is None or runner.store.runs(
            service.name, monitor.name, since=record.window_end, status="ok", limit=1
        ):
            continue
        details = step(
            runner, service, monitor, tick, Window(record.window_start, record.window_end)
        )
        if details:
            records[index] = replace(record, details={**record.details, **details})
            changed.append(records[index])
    return changed
