"""SLO state from the store: builds each SLO's event series and hands it to the pure engine.

``evaluate_slos`` gives every SLO's state at one moment (``run-once``, the daemon);
``evaluate_history`` gives it at many moments in one vectorised pass (backfills). Both keep
what they computed in ``slo_evaluation`` so the cockpit can draw history without recomputing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from alerting.health import is_stale
from cockpit.config import models as cfg
from cockpit.durations import format_duration
from cockpit.engine import schedule
from cockpit.store import Store
from slo.engine import BURN_WINDOWS, SloSpec, evaluate_timeline
from slo.rules import WORKBOOK_TIERS, Tier
from slo.series import Condition, EventSeries
from slo.status import SloStatus, slo_status


@dataclass(frozen=True)
class SloReport:
    """One SLO at one moment; ``to_json`` is the ``run-once --json`` contract."""

    service: str
    slo: str
    objective: float
    window: str
    method: str
    good: float
    total: float
    error_budget_remaining: float | None
    burn_rates: dict[str, float | None]
    alert: Tier | None
    factor: float | None
    at: datetime

    def alerts_json(self) -> list[dict[str, Any]]:
        if self.alert is None:
            return []
        return [
            {
                "severity": self.alert.severity,
                "long_window": format_duration(timedelta(seconds=self.alert.long_window_s)),
                "short_window": format_duration(timedelta(seconds=self.alert.short_window_s)),
                "factor": round(self.factor or 0.0, 6),
            }
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "slo": self.slo,
            "objective": self.objective,
            "window": self.window,
            "method": self.method,
            "good": self.good,
            "total": self.total,
            "error_budget_remaining": self.error_budget_remaining,
            "burn_rates": self.burn_rates,
            "alerts": self.alerts_json(),
        }

    def row(self) -> dict[str, Any]:
        alerts = self.alerts_json()
        return {
            "service": self.service,
            "slo": self.slo,
            "at": self.at,
            "method": self.method,
            "objective": self.objective,
            "good": self.good,
            "total": self.total,
            "error_budget_remaining": self.error_budget_remaining,
            "burn_rates": json.dumps(self.burn_rates, separators=(",", ":")),
            "alert_severity": alerts[0]["severity"] if alerts else None,
            "alert": json.dumps(alerts[0], separators=(",", ":")) if alerts else None,
        }


def slo_spec(slo: cfg.SLO) -> SloSpec:
    window_s = None if slo.window == "calendar_month" else slo.window.total_seconds()
    tiers = WORKBOOK_TIERS
    if slo.tiers is not None:
        tiers = tuple(
            Tier(
                t.severity,
                t.long_window.total_seconds(),
                t.short_window.total_seconds(),
                budget_share=t.budget_share,
                factor_override=t.factor,
            )
            for t in slo.tiers
        )
    return SloSpec(slo.objective, window_s, tiers, slo.min_events)


def window_name(slo: cfg.SLO) -> str:
    return "calendar_month" if slo.window == "calendar_month" else format_duration(slo.window)


def lookback(slo: cfg.SLO) -> timedelta:
    """The history an evaluation reads: the SLO's window (a calendar month: 31 days) or its
    longest tier window, whichever is longer."""
    longest_tier = max((t.long_window_s for t in slo_spec(slo).tiers), default=0.0)
    return max(slo.window_length, timedelta(seconds=longest_tier))


def load_series(
    store: Store, service: cfg.Service, slo: cfg.SLO, since: datetime, until: datetime
) -> EventSeries:
    """The SLO's event series over ``(since, until]`` from the store."""
    interval_s = schedule.interval(service.monitor(slo.monitor), until).total_seconds()
    return series_of(slo, bucket_rows(store, service, slo, since, until), interval_s)


def bucket_rows(
    store: Store, service: cfg.Service, slo: cfg.SLO, since: datetime, until: datetime | None
) -> list[tuple[datetime, ...]]:
    """The SLO's buckets ending in ``(since, until]`` (no upper bound without ``until``), in
    time order: ``(end, good, total)`` of the ok runs that counted events (occurrences), or
    ``(end, value)`` of the runs whose SLI has a value (timeslices: an undefined SLI is no
    information, neither good nor bad)."""
    monitor = service.monitor(slo.monitor)
    if slo.good is None:
        return store.event_buckets(service.name, monitor.name, since, until)
    sli = Condition.parse(slo.good).sli
    return [
        (end, value)
        for end, _monitor, _name, value in store.measurements(
            service.name, monitor.name, [sli], since=since, until=until
        )
        if value is not None
    ]


def series_of(slo: cfg.SLO, rows: Sequence[tuple[Any, ...]], interval_s: float) -> EventSeries:
    """The event series of :func:`bucket_rows` rows."""
    if not rows:
        return series_from(slo, np.array([]), [np.array([]), np.array([])], interval_s)
    ends, *columns = zip(*rows, strict=True)
    return series_from(slo, _seconds(ends), [np.array(c) for c in columns], interval_s)


def series_from(
    slo: cfg.SLO, ends_s: np.ndarray, columns: Sequence[np.ndarray], interval_s: float
) -> EventSeries:
    """The event series of bucket ends (seconds) and columns: ``[good, total]`` for
    occurrences, ``[value]`` for timeslices."""
    if slo.good is None:
        return EventSeries(ends_s, columns[0], columns[1], interval_s)
    values = np.asarray(columns[0], dtype="float64")
    return EventSeries.timeslices(ends_s, values, Condition.parse(slo.good), interval_s)


def _seconds(times: Sequence[datetime]) -> np.ndarray:
    return np.array([t.timestamp() for t in times], dtype="float64")


def evaluate_slos(
    config: cfg.Config, store: Store, at: datetime, *, save: bool = True
) -> list[SloReport]:
    """Every SLO's state at ``at``: :func:`evaluate_history` at one moment (one owner for how
    a state is computed)."""
    history = evaluate_history(config, store, [at], save=save)
    return [series[0] for series in history.values()]


def statuses(
    config: cfg.Config, store: Store, at: datetime, reports: Sequence[SloReport]
) -> dict[tuple[str, str], SloStatus]:
    """Each report's status word at ``at`` (see :mod:`slo.status`): firing from the alerts
    that fire at ``at``, stale from its monitor's newest ok run."""
    from cockpit.engine.health import stale_after

    firing = store.firing_at(at)
    stale: dict[tuple[str, str], bool] = {}
    out: dict[tuple[str, str], SloStatus] = {}
    for report in reports:
        service = config.service(report.service)
        monitor = service.monitor(next(s for s in service.slos if s.name == report.slo).monitor)
        key = (service.name, monitor.name)
        if key not in stale:
            expected = schedule.expected_end(service, monitor, at)
            last_ok = store.last_ok_end(service.name, monitor.name, until=expected)
            stale[key] = is_stale(last_ok, expected, stale_after(config, monitor, at))
        out[(report.service, report.slo)] = slo_status(
            firing=(report.service, report.slo) in firing,
            stale=stale[key],
            burn_1h=report.burn_rates.get("1h"),
            budget_remaining=report.error_budget_remaining,
            at_risk_below=config.alerting.at_risk_below,
        )
    return out


def evaluate_history(
    config: cfg.Config, store: Store, ats: Sequence[datetime], *, save: bool = True
) -> dict[tuple[str, str], list[SloReport]]:
    """Every SLO's state at each moment of ``ats`` (sorted), in one pass per SLO."""
    out: dict[tuple[str, str], list[SloReport]] = {}
    if not ats:
        return out
    for service in config.services:
        for slo in service.slos:
            series = load_series(store, service, slo, ats[0] - lookback(slo), ats[-1])
            reports = reports_of(service, slo, series, ats)
            out[(service.name, slo.name)] = reports
            if save:
                store.save_slo_evaluations([r.row() for r in reports])
    return out


def reports_of(
    service: cfg.Service, slo: cfg.SLO, series: EventSeries, ats: Sequence[datetime]
) -> list[SloReport]:
    """The SLO's reports at each moment of ``ats`` from its event series."""
    spec = slo_spec(slo)
    timeline = evaluate_timeline(series, spec, ats)
    reports = []
    for i, at in enumerate(ats):
        burns, tier = timeline.state_at(i, spec)
        remaining = timeline.error_budget_remaining[i]
        reports.append(
            SloReport(
                service=service.name,
                slo=slo.name,
                objective=slo.objective,
                window=window_name(slo),
                method=slo.method,
                good=float(timeline.good[i]),
                total=float(timeline.total[i]),
                error_budget_remaining=None if np.isnan(remaining) else float(remaining),
                burn_rates=burns,
                alert=tier,
                factor=tier.factor(spec.tier_window_s(at)) if tier else None,
                at=at,
            )
        )
    return reports


__all__ = [
    "BURN_WINDOWS",
    "SloReport",
    "evaluate_history",
    "evaluate_slos",
    "bucket_rows",
    "load_series",
    "reports_of",
    "series_from",
    "series_of",
    "slo_spec",
]
