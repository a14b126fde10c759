"""Prometheus exposition: the store read at scrape time by a custom collector.

The gauges are read afresh at every scrape, so the numbers are the store's, whichever process
wrote them. Register it on your own ``CollectorRegistry`` (never the global one inside
Streamlit, whose reruns would register it twice).

``cockpit_sli_value{service, monitor, sli, column}``: a per-column SLI such as
``missing_share[age]`` is ``sli="missing_share", column="age"``; a whole-frame one has
``column=""`` (one label set per metric family). ``legacy_sli_names`` (``cockpit serve
--legacy-sli-names``, kept for one release) gives the old ``sli="missing_share[age]"`` without
a ``column`` label.

``cockpit_slo_events_total{service, slo, result="good"|"bad"}`` counts each SLO's events the
way its burn rates do (occurrences: the good and bad events of its monitor's ok runs;
timeslices: good and bad slices, one per run with a value), so ``sum(rate(bad[w])) /
sum(rate(cockpit_slo_events_total[w]))`` is the cockpit's error ratio over ``w``: what the
rules of :mod:`cockpit.interop.prometheus_rules` read. It counts the buckets that reach the
store after the collector starts (those ending after the monitor's newest run then), each once,
when the first scrape sees it: it starts at 0 and only grows, a new process starts again from 0
(a counter reset, which ``rate()`` reads as such), and a prune of old runs takes nothing from
it. A run saved for a window older than one already counted (a backfill, a replay) is history
Prometheus cannot place in the past: it is not counted.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import numpy as np
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from cockpit.config import models as cfg
from cockpit.engine.slos import bucket_rows, series_of
from cockpit.kinds.panels import per_column
from cockpit.store import DatabaseError, Store, utcnow

SEVERITIES = ("page", "ticket")
_TINY = timedelta(microseconds=1)
_BEFORE_ANY_RUN = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class _Counted:
    """One SLO's events counted so far: the buckets ending after ``after``, up to ``through``."""

    through: datetime
    good: float
    bad: float
    created_s: float


class StoreCollector(Collector):
    def __init__(self, config: cfg.Config, store: Store, *, legacy_sli_names: bool = False):
        self.config = config
        self.store = store
        self.legacy_sli_names = legacy_sli_names
        self._lock = threading.Lock()  # scrapes may come at once: one counts at a time
        self._counted: dict[tuple[str, str, str, str | None], _Counted] = {}
        # The counters start here, before the daemon runs anything; with the store down, at
        # the first scrape that reaches it.
        with contextlib.suppress(DatabaseError):
            self._count_events()

    def collect(self) -> Iterator[Metric]:
        sli_labels = ["service", "monitor", "sli"] + ([] if self.legacy_sli_names else ["column"])
        sli = GaugeMetricFamily("cockpit_sli_value", "Latest value of each SLI.", labels=sli_labels)
        duration = GaugeMetricFamily(
            "cockpit_monitor_run_duration_seconds",
            "Duration of the latest run of each monitor.",
            labels=["service", "monitor"],
        )
        last_success = GaugeMetricFamily(
            "cockpit_monitor_last_success_timestamp_seconds",
            "When the newest ok run of each monitor finished (Unix time): alert when it stops "
            "moving, the cockpit or its feed has stopped.",
            labels=["service", "monitor"],
        )
        for service in self.config.services:
            for monitor in service.monitors:
                ok = self.store.runs(service.name, monitor.name, status="ok", limit=1)
                if ok:
                    finished = ok[0].started_at.timestamp() + ok[0].duration_s
                    last_success.add_metric([service.name, monitor.name], finished)
                run = self.store.latest_run(service.name, monitor.name)
                if run is None:
                    continue
                duration.add_metric([service.name, monitor.name], run.duration_s)
                for _end, _mon, name, value in self.store.measurements(
                    service.name, monitor.name, since=run.window_end - _TINY, until=run.window_end
                ):
                    if value is not None:
                        sli.add_metric([service.name, monitor.name, *self._sli_name(name)], value)
        yield sli
        yield duration
        yield last_success

        runs = CounterMetricFamily(
            "cockpit_monitor_runs",
            "Monitor runs by outcome.",
            labels=["service", "monitor", "status"],
        )
        for service, monitor, status, count in self.store.run_counts():
            runs.add_metric([service, monitor, status], count)
        yield runs

        objective = GaugeMetricFamily(
            "cockpit_slo_objective_ratio", "SLO objective.", labels=["service", "slo"]
        )
        remaining = GaugeMetricFamily(
            "cockpit_slo_error_budget_remaining_ratio",
            "Error budget left over the SLO window (1 untouched, < 0 overspent).",
            labels=["service", "slo"],
        )
        burn = GaugeMetricFamily(
            "cockpit_slo_burn_rate",
            "Burn rate over a trailing window.",
            labels=["service", "slo", "window"],
        )
        alert = GaugeMetricFamily(
            "cockpit_slo_alert_active",
            "1 when the SLO's most severe firing burn-rate tier has this severity.",
            labels=["service", "slo", "severity"],
        )
        for service in self.config.services:
            for slo in service.slos:
                labels = [service.name, slo.name]
                objective.add_metric(labels, slo.objective)
                latest = self.store.latest_slo_evaluation(service.name, slo.name)
                if latest is None:
                    continue
                if latest.error_budget_remaining is not None:
                    remaining.add_metric(labels, latest.error_budget_remaining)
                for window, value in json.loads(latest.burn_rates).items():
                    if value is not None:
                        burn.add_metric([*labels, window], value)
                for severity in SEVERITIES:
                    alert.add_metric([*labels, severity], float(latest.alert_severity == severity))
        yield objective
        yield remaining
        yield burn
        yield alert
        yield self._events()

    def _sli_name(self, name: str) -> list[str]:
        """``[sli, column]`` (``["missing_share", "age"]``; ``[name, ""]`` for a whole-frame
        SLI), or ``[name]`` with the legacy names."""
        if self.legacy_sli_names:
            return [name]
        split = per_column(name)
        return list(split) if split else [name, ""]

    def _events(self) -> CounterMetricFamily:
        events = CounterMetricFamily(
            "cockpit_slo_events",
            "Each SLO's good and bad events (timeslice SLOs: slices) of the runs stored since "
            "this process started: rate(bad) / rate(all) over a window is its error ratio.",
            labels=["service", "slo", "result"],
        )
        for (service, slo, _monitor, _good), counted in self._count_events().items():
            for result, value in (("good", counted.good), ("bad", counted.bad)):
                events.add_metric([service, slo, result], value, created=counted.created_s)
        return events

    def _count_events(self) -> dict[tuple[str, str, str, str | None], _Counted]:
        """Every SLO's counts, with the buckets stored since the last call added. An SLO seen
        for the first time (or whose monitor or condition changed, by a reload) starts at 0
        after its monitor's newest run."""
        with self._lock:
            counted: dict[tuple[str, str, str, str | None], _Counted] = {}
            for service in self.config.services:
                for slo in service.slos:
                    key = (service.name, slo.name, slo.monitor, slo.good)
                    state = self._counted.get(key) or self._start(service.name, slo.monitor)
                    rows = bucket_rows(self.store, service, slo, state.through, None)
                    if rows:
                        series = series_of(slo, rows, 0.0)
                        # bad = total - good, never below 0 per bucket: a counter only grows
                        bad = np.clip(series.total - series.good, 0.0, None)
                        state.bad += float(bad.sum())
                        state.good += float((series.total - bad).sum())
                        state.through = rows[-1][0]
                    counted[key] = state
            self._counted = counted
            return {key: replace(state) for key, state in counted.items()}

    def _start(self, service: str, monitor: str) -> _Counted:
        newest = self.store.latest_run(service, monitor)
        through = newest.window_end if newest is not None else _BEFORE_ANY_RUN
        return _Counted(through, 0.0, 0.0, utcnow().timestamp())


def registry(
    config: cfg.Config, store: Store, *, legacy_sli_names: bool = False
) -> CollectorRegistry:
    """A registry holding the store collector (and nothing global)."""
    reg = CollectorRegistry(auto_describe=False)
    reg.register(StoreCollector(config, store, legacy_sli_names=legacy_sli_names))
    return reg
