"""Prometheus exposition: the store read at scrape time by a custom collector.

Nothing is cached between scrapes, so the numbers are the store's, whichever process wrote
them. Register it on your own ``CollectorRegistry`` (never the global one inside Streamlit,
whose reruns would register it twice).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from cockpit.config import models as cfg
from cockpit.store import Store

SEVERITIES = ("page", "ticket")
_TINY = timedelta(microseconds=1)


class StoreCollector(Collector):
    def __init__(self, config: cfg.Config, store: Store):
        self.config = config
        self.store = store

    def collect(self) -> Iterator[Metric]:
        sli = GaugeMetricFamily(
            "cockpit_sli_value", "Latest value of each SLI.", labels=["service", "monitor", "sli"]
        )
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
                        sli.add_metric([service.name, monitor.name, name], value)
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


def registry(config: cfg.Config, store: Store) -> CollectorRegistry:
    """A registry holding the store collector (and nothing global)."""
    reg = CollectorRegistry(auto_describe=False)
    reg.register(StoreCollector(config, store))
    return reg
