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
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from cockpit import config as cfg
from cockpit import schedule
from cockpit.errors import CockpitError, MonitorError, SourceError
from cockpit.sources import DataSource, PreloadedSource, build_source
from cockpit.store import RunRecord, Store
from monitors import data_quality
from monitors.base import MonitorResult, finite_or_none

log = logging.getLogger(__name__)

AnyMonitor = (
    cfg.DataQualityMonitor | cfg.DriftMonitor | cfg.PredictionQualityMonitor | cfg.SystemMonitor
)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


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
    }


class Runner:
    """Runs monitors of one config against one store. Keeps sources and fitted references
    between runs, so a daemon or a backfill reuses them."""

    def __init__(self, config: cfg.Config, store: Store):
        self.config = config
        self.store = store
        self._sources: dict[tuple[str, str], DataSource] = {}
        self._fixed_refs: dict[str, tuple[pd.DataFrame, str]] = {}
        self._fitted: dict[tuple[str, str, str], Any] = {}
        self.reports = True  # Evidently HTML reports for drift monitors that ask for them
        self._rates: dict[tuple[str, str], float | None] = {}
        self._row_checks: dict[tuple[str, str], Any] = {}

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
        started = time.perf_counter()
        reference_version = None
        try:
            result, reference_version = self._evaluate(service, monitor, window, at)
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
        )

    # --- reading ---------------------------------------------------------------------------

    def source(self, service: cfg.Service, role: str) -> DataSource:
        key = (service.name, role)
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
        then sliced from memory (backfills)."""
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
            self._row_checks = {k: v for k, v in self._row_checks.items() if k[0] != service.name}
            try:
                self._sources[(service.name, "current")] = PreloadedSource(
                    inner, None, start - lookback, end
                )
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

    def read_window(
        self, service: cfg.Service, columns: Sequence[str], window: Window
    ) -> pd.DataFrame:
        return self.source(service, "current").read(columns, window.start, window.end)

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
            grain = timedelta(days=1) if spec.window >= timedelta(days=1) else timedelta(hours=1)
            end = _floor(at - spec.offset, grain)
            frame = self.source(service, "current").read(columns, end - spec.window, end)
            return frame, f"rolling:{iso(end - spec.window)}/{iso(end)}"
        if service.name not in self._fixed_refs:
            source = self.source(service, "reference")
            frame = source.read(None)
            digest = hashlib.sha256(
                pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
            ).hexdigest()
            self._fixed_refs[service.name] = (frame, f"fixed:{digest[:16]}")
        frame, version = self._fixed_refs[service.name]
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise SourceError(
                f"{self.source(service, 'reference').label}: column {', '.join(map(repr, missing))} not found"
            )
        return frame, version

    def reference_rate(self, service: cfg.Service, at: datetime) -> float | None:
        """Rows per second in the reference, for the volume check (once per reference version)."""
        spec = service.data.reference
        if spec is None:
            return None
        timestamp = service.data.current.timestamp
        columns = [timestamp] if timestamp and isinstance(spec, cfg.RollingReference) else []
        frame, version = self.reference(service, columns, at)
        key = (service.name, version)
        if key not in self._rates:
            self._rates = {k: v for k, v in self._rates.items() if k[0] != service.name}
            self._rates[key] = self._rate(service, spec, frame, timestamp)
        return self._rates[key]

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

    # --- monitors --------------------------------------------------------------------------

    def _evaluate(
        self, service: cfg.Service, monitor: AnyMonitor, window: Window, at: datetime
    ) -> tuple[MonitorResult, str | None]:
        handler: Callable[..., tuple[MonitorResult, str | None]] = {
            "data_quality": self._data_quality,
            "drift": self._drift,
            "prediction_quality": self._prediction_quality,
            "system": self._system,
        }[monitor.kind]
        return handler(service, monitor, window, at)

    def _data_quality(
        self, service: cfg.Service, monitor: cfg.DataQualityMonitor, window: Window, at: datetime
    ) -> tuple[MonitorResult, str | None]:
        names = monitor.columns or list(service.schema_)
        rules = tuple(
            data_quality.ColumnRule(
                name=name,
                type=rule.type,
                min=rule.min,
                max=rule.max,
                allowed=tuple(rule.allowed) if rule.allowed is not None else None,
                nullable=rule.nullable,
            )
            for name, rule in service.schema_.items()
            if name in names
        )
        spec = data_quality.DataQualitySpec(columns=rules)
        rate = None
        if service.data.reference is not None:
            try:
                rate = self.reference_rate(service, at)
            except SourceError as exc:
                log.warning("volume check skipped: %s", exc)
        source = self.source(service, "current")
        if isinstance(source, PreloadedSource) and source.covers(names, window.start, window.end):
            # a backfill: every row was checked once; a window is two binary searches and sums
            key = (service.name, monitor.name)
            if key not in self._row_checks:
                columns = [*names, source.timestamp] if source.timestamp else names
                self._row_checks[key] = data_quality.RowChecks.of(source.frame[columns], spec)
            lo, hi = source.bounds(window.start, window.end)
            result = self._row_checks[key].summarize(
                lo, hi, window_s=window.seconds, reference_rate_per_s=rate
            )
            return result, None
        frame = self.read_window(service, names, window)
        return data_quality.evaluate(
            frame, spec, window_s=window.seconds, reference_rate_per_s=rate
        ), None

    def _drift(
        self, service: cfg.Service, monitor: cfg.DriftMonitor, window: Window, at: datetime
    ) -> tuple[MonitorResult, str | None]:
        from monitors import drift

        columns, categorical = self._drift_columns(service, monitor)
        spec = drift.DriftSpec(
            columns=tuple(columns),
            method=monitor.method,
            threshold=monitor.threshold,
            categorical=categorical,
        )
        reference, version = self.reference(service, columns, at)
        key = (service.name, monitor.name, version)
        if key not in self._fitted:
            self._fitted = {
                k: v for k, v in self._fitted.items() if k[:2] != key[:2]
            }  # one version kept
            self._fitted[key] = drift.fit_reference(reference, spec)
        frame = self.read_window(service, columns, window)
        if 0 < len(frame) < monitor.min_rows:
            reason = f"{len(frame)} rows in the window, fewer than min_rows ({monitor.min_rows})"
            return MonitorResult.no_data(reason, rows=len(frame)), version
        result = drift.evaluate(frame, self._fitted[key])
        report = report_settings(monitor)
        if self.reports and report is not None and result.status == "ok":
            path = self._save_report(service, monitor, reference, frame, report)
            if path is not None:
                result = replace(result, details={**result.details, "report_path": path})
        return result, version

    def _drift_columns(
        self, service: cfg.Service, monitor: cfg.DriftMonitor
    ) -> tuple[list[str], tuple[str, ...]]:
        """The columns a drift monitor tests, and which of them are categorical."""
        columns = monitor.columns or list(service.schema_)
        categorical = tuple(
            name
            for name in columns
            if name in service.schema_ and service.schema_[name].type in ("category", "str", "bool")
        )
        return columns, categorical

    def keep_report(
        self, service: cfg.Service, monitor: cfg.DriftMonitor, at: datetime, record: RunRecord
    ) -> RunRecord:
        """``record``, the ok drift run at ``at``, with the Evidently report of its window
        written and named in its details (what the run writes itself when ``reports`` is on)."""
        report = report_settings(monitor)
        if report is None:
            return record
        columns, _categorical = self._drift_columns(service, monitor)
        reference, _version = self.reference(service, columns, at)
        frame = self.read_window(service, columns, Window(record.window_start, record.window_end))
        path = self._save_report(service, monitor, reference, frame, report)
        if path is None:
            return record
        return replace(record, details={**record.details, "report_path": path})

    def _save_report(
        self,
        service: cfg.Service,
        monitor: cfg.DriftMonitor,
        reference: pd.DataFrame,
        frame: pd.DataFrame,
        report: cfg.DriftReport,
    ) -> str | None:
        """Evidently's HTML report of this window (sampled, size-capped) for the drill-down;
        the latest one per monitor is kept beside the config. Returns its path relative to the
        config's folder (what a run's details store: any process reading the store with this
        config finds it), or None. Never fails the run."""
        from monitors.evidently_adapter import drift_report_html

        columns, categorical = self._drift_columns(service, monitor)
        try:
            html = drift_report_html(
                reference,
                frame,
                columns,
                categorical=categorical,
                method=monitor.method,
                max_rows=report.max_rows,
                max_bytes=report.max_bytes,
            )
        except Exception:  # a report is a courtesy: the SLIs are already computed
            log.exception("drift report for %s/%s failed", service.name, monitor.name)
            return None
        if html is None:
            log.info("drift report for %s/%s over max_bytes: not kept", service.name, monitor.name)
            return None
        relative = Path("reports", service.name, monitor.name, "latest.html")
        path = self.config.base_dir / relative  # base_dir is absolute
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(path)
        return relative.as_posix()

    def _prediction_quality(
        self,
        service: cfg.Service,
        monitor: cfg.PredictionQualityMonitor,
        window: Window,
        at: datetime,
    ) -> tuple[MonitorResult, str | None]:
        from monitors import prediction_quality as pq

        prediction = service.prediction
        if monitor.metric == "ctr":
            spec = pq.PredictionQualitySpec(
                metric="ctr",
                kind="ctr",
                prediction=None,
                label=None,
                numerator=monitor.numerator,
                denominator=monitor.denominator,
                version_column=prediction.model_version if prediction else "model_version",
                slices=tuple(monitor.slices),
            )
            columns = [monitor.numerator or "", monitor.denominator or "", *monitor.slices]
            frame = self._read_with_optional(service, columns, [spec.version_column], window)
            return pq.evaluate(frame, spec), None
        assert prediction is not None  # checked when the config was loaded
        if prediction.label is None:
            raise SourceError(f"service {service.name!r}: prediction.label names no label column")
        spec = pq.PredictionQualitySpec(
            metric=monitor.metric,
            kind=prediction.kind,
            prediction=prediction.column,
            label=prediction.label,
            threshold=prediction.threshold,
            positive_label=prediction.positive_label,
            version_column=prediction.model_version,
            slices=tuple(monitor.slices),
            regression_tolerance=monitor.tolerance,
        )
        labels_spec = service.data.labels
        columns = [prediction.column, *monitor.slices]
        if labels_spec is None:
            columns.append(prediction.label)
            frame = self._read_with_optional(service, columns, [prediction.model_version], window)
            return self._enough_labels(frame, prediction.label, monitor) or pq.evaluate(
                frame, spec
            ), None
        columns.append(labels_spec.key)
        frame = self._read_with_optional(service, columns, [prediction.model_version], window)
        labels_source = self.source(service, "labels")
        # Labels that have arrived by `at` (their timestamp is the arrival time).
        labels = labels_source.read(
            [labels_spec.key, prediction.label],
            window.start if labels_source.timestamp else None,
            at if labels_source.timestamp else None,
        )
        labels = labels.drop_duplicates(labels_spec.key, keep="last")[
            [labels_spec.key, prediction.label]
        ]
        if prediction.label in frame.columns:
            frame = frame.drop(columns=[prediction.label])
        joined = frame.merge(labels, on=labels_spec.key, how="left")
        return self._enough_labels(joined, prediction.label, monitor) or pq.evaluate(
            joined, spec
        ), None

    def _enough_labels(
        self, frame: pd.DataFrame, label: str, monitor: cfg.PredictionQualityMonitor
    ) -> MonitorResult | None:
        """``no_data`` when fewer than ``min_rows`` predictions have their label yet: a handful
        of rows says nothing about accuracy."""
        labelled = int(frame[label].notna().sum()) if label in frame.columns else 0
        if 0 < labelled < monitor.min_rows:
            return MonitorResult.no_data(
                f"{labelled} labelled predictions, fewer than min_rows ({monitor.min_rows})",
                rows=len(frame),
            )
        return None

    def _system(
        self, service: cfg.Service, monitor: cfg.SystemMonitor, window: Window, at: datetime
    ) -> tuple[MonitorResult, str | None]:
        from monitors import system

        if monitor.prometheus is not None:
            from cockpit.prometheus_source import query_window

            return query_window(monitor.prometheus, window.start, window.end), None
        spec = system.SystemSpec(
            metric=monitor.metric,
            latency_column=monitor.column,
            threshold_ms=monitor.threshold_ms,
            error_column=monitor.error_column,
            timestamp=service.data.current.timestamp or "ts",
        )
        columns = [
            c
            for c in (monitor.column if monitor.metric == "latency" else None, monitor.error_column)
            if c
        ]
        frame = self.read_window(service, columns, window)
        try:
            result = system.evaluate(frame, spec, window_start=window.start, window_end=window.end)
        except ValueError as exc:  # a column of the wrong type: say which source holds it
            raise MonitorError(f"{self.source(service, 'current').label}: {exc}") from None
        return result, None

    def _read_with_optional(
        self,
        service: cfg.Service,
        columns: Sequence[str],
        optional: Iterable[str | None],
        window: Window,
    ) -> pd.DataFrame:
        wanted = [c for c in columns if c]
        extra = [c for c in optional if c and c not in wanted]
        try:
            return self.read_window(service, [*wanted, *extra], window)
        except SourceError as exc:
            if not extra or not any(repr(c) in str(exc) for c in extra):
                raise
            return self.read_window(service, wanted, window)


def report_settings(monitor: AnyMonitor) -> cfg.DriftReport | None:
    """The Evidently report a drift monitor asks for (``report: true`` or a mapping), or None."""
    if not isinstance(monitor, cfg.DriftMonitor):
        return None
    report = cfg.DriftReport() if monitor.report is True else monitor.report
    return report if isinstance(report, cfg.DriftReport) and report.enabled else None


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

    A drift monitor that asks for an Evidently report gets one, of its newest ok window, written
    once at the end (a report takes seconds: one per hour of history would dominate the
    backfill), unless the store already holds a newer ok run of it (older history was filled).
    """
    plan: list[tuple[datetime, int, cfg.Service, AnyMonitor]] = []
    for service in runner.config.services:
        for order, monitor in enumerate(service.monitors):
            for tick in schedule.ticks(monitor, start, end):
                plan.append((tick, order, service, monitor))
    plan.sort(key=lambda item: (item[0], item[2].name, item[1]))
    runner.preload(start, end)
    reports, runner.reports = runner.reports, False  # written once, below
    last_end: dict[tuple[str, str], datetime] = {}
    newest_ok: dict[tuple[str, str], tuple[int, datetime, cfg.Service, cfg.DriftMonitor]] = {}
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
            if record.status == "ok" and isinstance(monitor, cfg.DriftMonitor):
                newest_ok[key] = (len(records) - 1, tick, service, monitor)  # ticks ascend
            if len(pending) >= batch:
                runner.store.save_runs(pending)
                pending.clear()
            if on_progress is not None:
                on_progress(done, len(plan), tick)
    finally:
        runner.reports = reports
    if pending:
        runner.store.save_runs(pending)
    if reports:
        kept = []
        for index, tick, service, monitor in newest_ok.values():
            record = records[index]
            if report_settings(monitor) is None or runner.store.runs(
                service.name, monitor.name, since=record.window_end, status="ok", limit=1
            ):
                continue
            records[index] = runner.keep_report(service, monitor, tick, record)
            if records[index] is not record:
                kept.append(records[index])
        runner.store.save_runs(kept)
    return records
