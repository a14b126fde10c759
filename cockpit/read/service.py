"""The service page's read model: its time ranges, each SLO's SLI and error budget over the
range, the monitors' health and run history. Each monitor's own section comes from its kind
(:mod:`cockpit.read.panels`).

Times are relative to the service's newest data, not the wall clock, so a backfilled scenario
reads the same whenever it is opened. Long series are bucketed (:mod:`cockpit.read.buckets`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pandas as pd

from cockpit.config import models as cfg
from cockpit.durations import format_duration
from cockpit.errors import CockpitError
from cockpit.read.buckets import bucketed, bucketed_sum
from cockpit.read.common import finite as _finite
from cockpit.read.common import parse_json as _json
from cockpit.read.common import sli_spec
from cockpit.store import Store

RANGES: dict[str, timedelta] = {
    "last 24 hours": timedelta(days=1),
    "last 3 days": timedelta(days=3),
    "last 7 days": timedelta(days=7),
    "last 30 days": timedelta(days=30),
}
# Ranges as the service page's URL writes them (``?range=7d``).
RANGE_CODES: dict[str, str] = {
    "24h": "last 24 hours",
    "3d": "last 3 days",
    "7d": "last 7 days",
    "30d": "last 30 days",
}
DEFAULT_RANGE = "7d"


def range_from_query(value: str | None) -> tuple[str, str | None]:
    """The range a ``?range=`` parameter asks for, and what to say when it names none."""
    if value is None or value in RANGE_CODES:
        return RANGE_CODES[value or DEFAULT_RANGE], None
    known = ", ".join(RANGE_CODES)
    return RANGE_CODES[DEFAULT_RANGE], (
        f"Unknown range {value!r} in the link (one of {known}): showing the "
        f"{RANGE_CODES[DEFAULT_RANGE]}."
    )


def range_code(label: str) -> str:
    return next(code for code, name in RANGE_CODES.items() if name == label)


def data_end(store: Store, service: str) -> datetime | None:
    """The newest window end of the service's runs: where the service page's charts end."""
    return store.data_end(service)


def time_range(store: Store, service: str, label: str) -> tuple[datetime, datetime] | None:
    """``(since, until]`` for a range label of :data:`RANGES`, ending at the newest data."""
    until = data_end(store, service)
    if until is None:
        return None
    return until - RANGES[label], until


def slos_of(config: cfg.Config, service: str) -> list[str]:
    return [slo.name for slo in config.service(service).slos]


def slo_of(config: cfg.Config, service: str, slo: str) -> cfg.SLO:
    try:
        return next(s for s in config.service(service).slos if s.name == slo)
    except StopIteration:
        raise CockpitError(f"no SLO {slo!r} in service {service!r}") from None


def service_caption(service: cfg.Service) -> str:
    """The service's description and owner, as one line."""
    parts = [service.description, f"owner: {service.owner}" if service.owner else None]
    return " · ".join(p for p in parts if p)


def service_rows(frame: pd.DataFrame, service: str) -> pd.DataFrame:
    """The overview's rows of one service."""
    return frame[frame["service"] == service].reset_index(drop=True)


# --- SLOs ------------------------------------------------------------------------------------


def sli_series(
    store: Store,
    config: cfg.Config,
    service: str,
    slo: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> pd.DataFrame:
    """``at, value, threshold`` of the SLO's SLI; long ranges are bucketed, keeping each
    bucket's true ratio (occurrences) or its worst value (timeslices)."""
    spec = sli_spec(slo_of(config, service, slo))
    columns = ["at", "value", "threshold"]
    if spec.method == "occurrences":
        rows = store.occurrences(service, spec.monitor, since=since, until=until)
        raw = pd.DataFrame(rows, columns=["at", "good", "total"])
        if raw.empty:
            return pd.DataFrame(columns=columns)
        raw = bucketed_sum(raw, ["good", "total"])
        frame = pd.DataFrame({"at": raw["at"], "value": raw["good"] / raw["total"]})
    else:
        found = store.measurements(service, spec.monitor, [spec.name], since=since, until=until)
        frame = pd.DataFrame([(t, v) for t, _m, _n, v in found], columns=["at", "value"])
        if frame.empty:
            return pd.DataFrame(columns=columns)
        worst = "max" if spec.op in ("<", "<=") else "min"
        frame = bucketed(frame, {"value": worst})
    frame["threshold"] = spec.threshold
    return frame[columns].reset_index(drop=True)


def budget_series(
    store: Store,
    service: str,
    slo: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> pd.DataFrame:
    """The error budget's burn-down from the kept evaluations: ``at, budget_remaining,
    burn_1h, burn_6h, burn_1d, alert_severity`` (the last evaluation of each bucket)."""
    evaluations = store.slo_evaluations(service, slo, since=since, until=until)
    columns = ["at", "budget_remaining", "burn_1h", "burn_6h", "burn_1d", "alert_severity"]
    if not evaluations:
        return pd.DataFrame(columns=columns)
    rows = []
    for e in evaluations:
        burns = _json(e.burn_rates)
        rows.append(
            (
                e.at,
                _finite(e.error_budget_remaining),
                _finite(burns.get("1h")),
                _finite(burns.get("6h")),
                _finite(burns.get("1d")),
                e.alert_severity,
            )
        )
    frame = pd.DataFrame(rows, columns=columns)
    return bucketed(frame, {c: "last" for c in columns[1:]})[columns]


def metric_series(
    store: Store,
    service: str,
    monitor: str,
    names: Sequence[str] | None,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    how: str | None = "mean",
) -> pd.DataFrame:
    """Long form ``at, name, value`` of some SLIs of one monitor (all with ``names=None``),
    each name bucketed by ``how`` (``mean``, ``max``...; every stored value with None)."""
    wanted = None if names is None else list(names)
    rows = store.measurements(service, monitor, wanted, since=since, until=until)
    frame = pd.DataFrame(
        [(t, n, _finite(v)) for t, _m, n, v in rows], columns=["at", "name", "value"]
    )
    if frame.empty or how is None:
        return frame
    parts = [
        bucketed(group[["at", "value"]], {"value": how}).assign(name=name)
        for name, group in frame.groupby("name", sort=True)
    ]
    return pd.concat(parts, ignore_index=True)[["at", "name", "value"]]


# --- the monitors' own health ----------------------------------------------------------------


def monitor_health(store: Store, config: cfg.Config, service: str) -> pd.DataFrame:
    """One row per monitor: kind, schedule, newest run and its status, runs by outcome, the
    newest error."""
    counts: dict[tuple[str, str], int] = {}
    for s, monitor, status, n in store.run_counts():
        if s == service:
            counts[(monitor, status)] = n
    monitors = config.service(service).monitors
    latest = store.latest_runs([(service, m.name) for m in monitors])
    errors = store.latest_errors(service)
    rows = []
    for m in monitors:
        run = latest.get((service, m.name))
        rows.append(
            {
                "monitor": m.name,
                "kind": m.kind,
                "every": format_duration(m.every) if m.every else m.cron,
                "last_run_at": run["window_end"] if run else None,
                "last_status": run["status"] if run else "never run",
                "ok": counts.get((m.name, "ok"), 0),
                "no_data": counts.get((m.name, "no_data"), 0),
                "failed": counts.get((m.name, "failed"), 0),
                "last_error": errors.get(m.name),
            }
        )
    return pd.DataFrame(rows)


def run_history(
    store: Store, service: str, *, failures_only: bool = False, limit: int = 300
) -> pd.DataFrame:
    """The service's runs, newest first: monitor, window, status, duration, and the error (or,
    for a window without data, the monitor's reason)."""
    columns = ["monitor", "kind", "window_start", "window_end", "status", "duration_s", "error"]
    rows = store.run_history(service, failures_only=failures_only, limit=limit)
    return pd.DataFrame(rows, columns=columns)
