"""Read models for the cockpit's pages: the store and the config in, DataFrames and dicts out.

Pages (``app/app_pages``) only lay these out; every query and every reshaping happens here, so
tests call the same functions the screen shows. The overview is a handful of queries whatever
the number of SLOs (the latest evaluation of every SLO in one query, by a correlated "newest
row" subquery per configured SLO; likewise the latest run of every monitor), never one query
per SLO per metric.

Times shown on the service page are relative to the service's newest data, not the wall
clock, so a backfilled scenario reads the same whenever it is opened.

Alerts, actions and incidents have their own read models (:mod:`cockpit.read.alerts`,
:mod:`cockpit.read.actions`, :mod:`cockpit.read.incidents`); operators' writes are
:mod:`cockpit.ops`'s.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from alerting.health import is_stale, monitor_alert_slo
from cockpit.config import models as cfg
from cockpit.durations import format_duration
from cockpit.engine import schedule
from cockpit.errors import CockpitError
from cockpit.read.common import finite as _finite
from cockpit.read.common import parse_json as _json
from cockpit.read.common import (
    service_link,
    service_names,
    sli_spec,
)
from cockpit.store import (
    Alert,
    MonitorRun,
    SliMeasurement,
    SloEvaluation,
    Store,
    utcnow,
)
from slo.series import Condition
from slo.status import STATUS_RANK, STATUSES, slo_status

OVERVIEW_WINDOWS = ("5m", "1h", "6h", "1d", "3d")
DATA_QUALITY_CHECKS = ("missing", "type_error", "out_of_range", "unexpected")
LATENCY_PERCENTILES = ("latency_p50", "latency_p95", "latency_p99")
RANGES: dict[str, timedelta] = {
    "last 24 hours": timedelta(days=1),
    "last 3 days": timedelta(days=3),
    "last 7 days": timedelta(days=7),
    "last 30 days": timedelta(days=30),
}
HEARTBEAT_FRESH = timedelta(seconds=30)  # a daemon beats every 5 s
MAX_POINTS = 1500  # a chart gets at most about this many points per series
_PER_COLUMN = re.compile(r"^(?P<sli>[a-z_]+)\[(?P<column>.+)\]$")


# --- overview --------------------------------------------------------------------------------

OVERVIEW_COLUMNS = [
    "service",
    "slo",
    "status",
    "objective",
    "sli",
    "sli_name",
    "budget_remaining",
    *(f"burn_{w}" for w in OVERVIEW_WINDOWS),
    "alert_severity",
    "active_alerts",
    "monitor",
    "last_run_at",
    "last_ok_at",
    "monitor_status",
    "monitors_healthy",
    "failing_monitors",
    "stale_monitors",
    "evaluated_at",
    "as_of",
    "window",
    "method",
    "owner",
    "link",
]


def overview(store: Store, config: cfg.Config) -> pd.DataFrame:
    """One row per configured SLO, what needs a person first: the statuses of
    :mod:`slo.status` in their order, the fastest 1h burn first among firing and burning ones,
    then least budget left. A handful of queries in all, whatever the number of SLOs.

    Staleness is judged at each service's newest moment in the store (its newest evaluation or
    run): a replayed month reads the same whenever it is opened, and a feed that stopped while
    the daemon kept running shows at once. Whether a daemon runs at all is
    :func:`daemon_status`'s to say."""
    from cockpit.engine.health import stale_after

    services = service_names(config)
    if not services:
        return pd.DataFrame(columns=OVERVIEW_COLUMNS)
    evaluations = _latest_evaluations(store, config)
    pairs = _monitor_pairs(config)
    runs = _latest_runs(store, pairs)
    last_ok = _latest_runs(store, pairs, ok_only=True)
    slis = _measurements_of_runs(
        store,
        [run["id"] for run in last_ok.values()],
        {sli_spec(slo).name for s in config.services for slo in s.slos if slo.good is not None},
    )
    firing = _firing_counts(store, services)

    rows = []
    for service in config.services:
        moments = [e["at"] for (s, _), e in evaluations.items() if s == service.name]
        moments += [r["window_end"] for (s, _), r in runs.items() if s == service.name]
        as_of = max(moments, default=None)
        state: dict[str, str] = {}
        for m in service.monitors:
            last = runs.get((service.name, m.name))
            ok = last_ok.get((service.name, m.name))
            stale = as_of is not None and is_stale(
                ok["window_end"] if ok else None,
                schedule.expected_end(service, m, as_of),
                stale_after(config, m, as_of),
            )
            state[m.name] = "stale" if stale else last["status"] if last else "never run"
        failing = sorted(name for name, st in state.items() if st == "failed")
        stale_names = sorted(name for name, st in state.items() if st == "stale")
        for slo in service.slos:
            spec = sli_spec(slo)
            evaluation = evaluations.get((service.name, slo.name))
            burns = _json(evaluation["burn_rates"]) if evaluation else {}
            remaining = evaluation["error_budget_remaining"] if evaluation else None
            severity = evaluation["alert_severity"] if evaluation else None
            last = runs.get((service.name, slo.monitor))
            ok = last_ok.get((service.name, slo.monitor))
            if ok is None:
                sli = None
            elif spec.method == "occurrences":
                sli = ok["good"] / ok["total"] if ok["total"] else None
            else:
                sli = slis.get((ok["id"], spec.name))
            alerts_now = firing.get((service.name, slo.name), 0)
            status = slo_status(
                firing=alerts_now > 0,
                stale=state[slo.monitor] == "stale",
                burn_1h=burns.get("1h"),
                budget_remaining=remaining if evaluation else None,
                at_risk_below=config.alerting.at_risk_below,
            )
            rows.append(
                {
                    "service": service.name,
                    "slo": slo.name,
                    "status": status,
                    "objective": slo.objective,
                    "sli": _finite(sli),
                    "sli_name": spec.label,
                    "budget_remaining": _finite(remaining),
                    **{f"burn_{w}": _finite(burns.get(w)) for w in OVERVIEW_WINDOWS},
                    "alert_severity": severity,
                    "active_alerts": alerts_now
                    + firing.get((service.name, monitor_alert_slo(slo.monitor)), 0),
                    "monitor": slo.monitor,
                    "last_run_at": last["window_end"] if last else None,
                    "last_ok_at": ok["window_end"] if ok else None,
                    "monitor_status": state[slo.monitor],
                    "monitors_healthy": not failing and not stale_names,
                    "failing_monitors": ", ".join(failing),
                    "stale_monitors": ", ".join(stale_names),
                    "evaluated_at": evaluation["at"] if evaluation else None,
                    "as_of": as_of,
                    "window": "calendar month"
                    if slo.window == "calendar_month"
                    else format_duration(slo.window),
                    "method": slo.method,
                    "owner": service.owner,
                    "link": service_link(service.name),
                }
            )
    frame = pd.DataFrame(rows, columns=OVERVIEW_COLUMNS)
    frame["_rank"] = frame["status"].map(STATUS_RANK)
    live = frame["status"].isin(("firing", "burning"))  # the fastest burn first among these
    frame["_burn"] = (-frame["burn_1h"].astype("float64")).where(live, 0.0)
    frame = frame.sort_values(
        ["_rank", "_burn", "budget_remaining", "service", "slo"], na_position="last", kind="stable"
    )
    return frame.drop(columns=["_rank", "_burn"]).reset_index(drop=True)


def overview_counts(frame: pd.DataFrame) -> dict[str, int]:
    """How many SLOs are in each status, and how many alerts fire: the overview's headline."""
    counts = {status: int((frame["status"] == status).sum()) for status in STATUSES}
    counts["active_alerts"] = int(frame["active_alerts"].sum()) if len(frame) else 0
    counts["slos"] = len(frame)
    return counts


def service_badges(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One line per service, worst first: its worst status and a short summary."""
    out = []
    for service, rows in frame.groupby("service", sort=False):
        statuses = rows["status"].tolist()
        worst = min(statuses, key=STATUS_RANK.__getitem__)
        parts = [
            f"{statuses.count(status)} {status_label(status)}"
            for status in STATUSES
            if statuses.count(status) and status != "healthy"
        ]
        firing = int(rows["active_alerts"].sum())
        summary = (", ".join(parts) or "all healthy") + f" of {len(statuses)} SLOs"
        if firing:
            summary += f"; {firing} alert{'s' if firing > 1 else ''} firing"
        if rows["stale_monitors"].iloc[0]:
            summary += f"; no data from: {rows['stale_monitors'].iloc[0]}"
        if rows["failing_monitors"].iloc[0]:
            summary += f"; failing monitors: {rows['failing_monitors'].iloc[0]}"
        out.append({"service": service, "status": worst, "summary": summary})
    return sorted(out, key=lambda row: STATUS_RANK[row["status"]])


def status_label(status: str) -> str:
    """A status word as people read it: ``at_risk`` -> ``at risk``."""
    return status.replace("_", " ")


def burn_rate_caption(config: cfg.Config, at: datetime | None = None) -> str:
    """What a burn rate means and where the alert tiers fire, for the SLO windows in this
    config (the factors scale with the window: 14.4 for 30 days is 13.44 for 28)."""
    from cockpit.engine.slos import slo_spec

    at = at or utcnow()
    groups: dict[tuple[str, tuple[tuple[str, str, float], ...]], list[str]] = {}
    for service in config.services:
        for slo in service.slos:
            spec = slo_spec(slo)
            window_s = spec.tier_window_s(at)
            tiers = tuple(
                (
                    t.severity,
                    format_duration(timedelta(seconds=t.long_window_s)),
                    t.factor(window_s),
                )
                for t in spec.tiers
            )
            name = (
                "calendar-month" if slo.window == "calendar_month" else format_duration(slo.window)
            )
            groups.setdefault((name, tiers), []).append(f"{service.name}/{slo.name}")
    parts = []
    for (window, tiers), slos in groups.items():
        by_severity: dict[str, list[str]] = {}
        for severity, long_window, factor in tiers:
            by_severity.setdefault(severity, []).append(f"{factor:.4g} ({long_window})")
        tiers_text = "; ".join(
            f"{severity} at {', '.join(factors)}" for severity, factors in by_severity.items()
        )
        scope = f"{window} SLOs" if len(groups) > 1 else f"these {window} SLOs"
        if len(groups) > 1 and len(slos) <= 3:
            scope += f" ({', '.join(slos)})"
        parts.append(f"for {scope}, the tiers fire at burn rates of {tiers_text}")
    return (
        "Burn rate 1 spends the error budget exactly over the SLO window; " + ". ".join(parts) + "."
    )


def daemon_status(store: Store, now: datetime | None = None) -> dict[str, Any]:
    """Whether a ``cockpit serve`` runs against this store, from the heartbeats daemons write:
    ``{"running", "active", "last_seen", "text"}``. Without a running daemon nothing runs the
    monitors or delivers what is queued (alerts, manual actions)."""
    now = now or utcnow()
    beats = store.heartbeats()
    alive = [b for b in beats if b["role"] != "stopped" and now - b["beat_at"] <= HEARTBEAT_FRESH]
    active = [b for b in alive if b["role"] == "active"]
    last_seen = max((b["beat_at"] for b in beats), default=None)
    if active:
        beat = active[0]
        text = (
            f"Daemon running: active on {beat['host']} (pid {beat['pid']}), "
            f"seen {format_duration(max(now - beat['beat_at'], timedelta(0)))} ago"
        )
        if len(alive) > 1:
            text += f", {len(alive) - 1} on standby"
    elif alive:
        text = (
            "Daemon on standby only: no process holds the scheduler lock yet; "
            "monitors and deliveries wait until one does"
        )
    elif last_seen is not None:
        text = (
            f"No daemon running: last seen {format_duration(now - last_seen)} ago. Nothing runs "
            "the monitors or delivers queued alerts and actions until `cockpit serve CONFIG` runs"
        )
    else:
        text = (
            "No daemon has run against this store: nothing runs the monitors or delivers queued "
            "alerts and actions until `cockpit serve CONFIG` runs"
        )
    return {"running": bool(active), "active": bool(active), "last_seen": last_seen, "text": text}


def _keys(pairs: Sequence[tuple[str, str]], names: tuple[str, str]) -> sa.Subquery:
    """The configured (service, slo) or (service, monitor) pairs as a small derived table."""
    return sa.union_all(
        *(sa.select(sa.literal(a).label(names[0]), sa.literal(b).label(names[1])) for a, b in pairs)
    ).subquery("k")


def _newest_ids(
    table: sa.Table,
    names: tuple[str, str],
    pairs: Sequence[tuple[str, str]],
    order: sa.Column,
    *where: sa.ColumnElement[bool],
) -> sa.Select:
    """The id of the newest row (by ``order``) of each pair: one correlated subquery per pair,
    each an index seek on (service, slo|monitor, time), so the cost does not grow with history
    (a GROUP BY max() scans the whole index: ~200 ms at 50 services x 30 days)."""
    keys = _keys(pairs, names)
    newest = (
        sa.select(table.c.id)
        .where(table.c[names[0]] == keys.c[names[0]], table.c[names[1]] == keys.c[names[1]], *where)
        .order_by(order.desc())  # (service, slo|monitor, time) is unique: no ties
        .limit(1)
        .correlate(keys)
        .scalar_subquery()
    )
    return sa.select(newest).select_from(keys)


def _latest_evaluations(store: Store, config: cfg.Config) -> dict[tuple[str, str], dict]:
    pairs = [(s.name, slo.name) for s in config.services for slo in s.slos]
    if not pairs:
        return {}
    table = SloEvaluation.__table__
    query = sa.select(
        table.c.service,
        table.c.slo,
        table.c.at,
        table.c.error_budget_remaining,
        table.c.burn_rates,
        table.c.alert_severity,
    ).where(table.c.id.in_(_newest_ids(table, ("service", "slo"), pairs, table.c.at)))
    with store.engine.connect() as conn:
        return {(r.service, r.slo): dict(r._mapping) for r in conn.execute(query)}


def _latest_runs(
    store: Store, pairs: Sequence[tuple[str, str]], *, ok_only: bool = False
) -> dict[tuple[str, str], dict]:
    """The newest run (or newest ok run) of each (service, monitor)."""
    if not pairs:
        return {}
    table = MonitorRun.__table__
    where = [table.c.status == "ok"] if ok_only else []
    ids = _newest_ids(table, ("service", "monitor"), pairs, table.c.window_end, *where)
    query = sa.select(
        table.c.id,
        table.c.service,
        table.c.monitor,
        table.c.window_end,
        table.c.status,
        table.c.good,
        table.c.total,
        table.c.error,
    ).where(table.c.id.in_(ids))
    with store.engine.connect() as conn:
        return {(r.service, r.monitor): dict(r._mapping) for r in conn.execute(query)}


def _monitor_pairs(config: cfg.Config, service: str | None = None) -> list[tuple[str, str]]:
    return [
        (s.name, m.name)
        for s in config.services
        if service is None or s.name == service
        for m in s.monitors
    ]


def _measurements_of_runs(
    store: Store, run_ids: Sequence[int], names: Iterable[str]
) -> dict[tuple[int, str], float | None]:
    names = sorted(set(names))
    if not run_ids or not names:
        return {}
    table = SliMeasurement.__table__
    query = sa.select(table.c.run_id, table.c.name, table.c.value).where(
        table.c.run_id.in_(list(run_ids)) & table.c.name.in_(names)
    )
    with store.engine.connect() as conn:
        return {(r.run_id, r.name): r.value for r in conn.execute(query)}


def _firing_counts(store: Store, services: Sequence[str]) -> dict[tuple[str, str], int]:
    table = Alert.__table__
    query = (
        sa.select(table.c.service, table.c.slo, sa.func.count())
        .where((table.c.state == "firing") & table.c.service.in_(services))
        .group_by(table.c.service, table.c.slo)
    )
    with store.engine.connect() as conn:
        return {(s, slo): int(n) for s, slo, n in conn.execute(query)}


# --- service page ----------------------------------------------------------------------------


def data_end(store: Store, service: str) -> datetime | None:
    """The newest window end of the service's runs: where the service page's charts end."""
    table = MonitorRun.__table__
    with store.engine.connect() as conn:
        return conn.execute(
            sa.select(sa.func.max(table.c.window_end)).where(table.c.service == service)
        ).scalar()


def time_range(store: Store, service: str, label: str) -> tuple[datetime, datetime] | None:
    """``(since, until]`` for a range label of :data:`RANGES`, ending at the newest data."""
    until = data_end(store, service)
    if until is None:
        return None
    return until - RANGES[label], until


def slos_of(config: cfg.Config, service: str) -> list[str]:
    return [slo.name for slo in config.service(service).slos]


def monitors_of(config: cfg.Config, service: str, kind: str | None = None) -> list[str]:
    return [m.name for m in config.service(service).monitors if kind is None or m.kind == kind]


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
    definition = slo_of(config, service, slo)
    spec = sli_spec(definition)
    columns = ["at", "value", "threshold"]
    if spec.method == "occurrences":
        table = MonitorRun.__table__
        query = sa.select(table.c.window_end, table.c.good, table.c.total).where(
            (table.c.service == service)
            & (table.c.monitor == spec.monitor)
            & (table.c.status == "ok")
            & (table.c.total > 0)
        )
        query = _between(query, table.c.window_end, since, until).order_by(table.c.window_end)
        with store.engine.connect() as conn:
            raw = pd.DataFrame(conn.execute(query).all(), columns=["at", "good", "total"])
        if raw.empty:
            return pd.DataFrame(columns=columns)
        raw = _bucketed_sum(raw, ["good", "total"])
        frame = pd.DataFrame({"at": raw["at"], "value": raw["good"] / raw["total"]})
    else:
        rows = store.measurements(service, spec.monitor, [spec.name], since=since, until=until)
        frame = pd.DataFrame([(t, v) for t, _m, _n, v in rows], columns=["at", "value"])
        if frame.empty:
            return pd.DataFrame(columns=columns)
        worst = "max" if spec.op in ("<", "<=") else "min"
        frame = _bucketed(frame, {"value": worst})
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
    return _bucketed(frame, {c: "last" for c in columns[1:]})[columns]


def drift_scores(
    store: Store,
    config: cfg.Config,
    service: str,
    monitor: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> pd.DataFrame:
    """Long form ``from, at, column, score, severity`` of the measurements
    ``drift_score[<column>]`` (``from``: one run interval before ``at``, where its cell begins).

    ``severity`` puts every method on one scale, 1 at the drift threshold and above 1 when
    drifted: score / threshold for distances, threshold / score for p-value tests (method and
    threshold of each column from its newest run). None when they are unknown."""
    rows = store.measurements(service, monitor, since=since, until=until)
    data = []
    for at, _monitor, name, value in rows:
        match = _PER_COLUMN.match(name)
        if match and match["sli"] == "drift_score":
            data.append((at, match["column"], _finite(value)))
    frame = pd.DataFrame(data, columns=["at", "column", "score"])
    step = schedule.interval(config.service(service).monitor(monitor), until or utcnow())
    frame.insert(0, "from", frame["at"] - step)  # each cell spans the run's interval in time
    latest = drift_latest(store, service, monitor).set_index("column")
    frame["severity"] = [
        _severity(
            score, *(latest.loc[c, ["method", "threshold"]] if c in latest.index else (None, None))
        )
        for c, score in zip(frame["column"], frame["score"], strict=True)
    ]
    return frame


def _severity(score: float | None, method: str | None, threshold: float | None) -> float | None:
    """How far past its threshold a score is (1 = at the threshold), capped at 10."""
    from monitors.drift import P_VALUE_METHODS

    if score is None or method is None or not threshold:
        return None
    if method in P_VALUE_METHODS:
        value = threshold / score if score > 0 else math.inf
    else:
        value = score / threshold
    return min(value, 10.0)


def drift_matrix(scores: pd.DataFrame) -> pd.DataFrame:
    """The heatmap's matrix: one row per run, one column per feature."""
    if scores.empty:
        return pd.DataFrame()
    return scores.pivot_table(index="at", columns="column", values="score", aggfunc="last")


def drift_latest(store: Store, service: str, monitor: str) -> pd.DataFrame:
    """Per column of the newest ok drift run: method, score, threshold, drifted."""
    run = _latest_ok_run(store, service, monitor)
    columns = ["column", "method", "score", "threshold", "drifted", "problem"]
    if run is None:
        return pd.DataFrame(columns=columns)
    details = _json(run.details).get("columns") or {}
    rows = [
        (
            name,
            entry.get("method"),
            entry.get("score"),
            entry.get("threshold"),
            bool(entry.get("drifted")),
            entry.get("problem"),
        )
        for name, entry in details.items()
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["drifted", "column"], ascending=[False, True]).reset_index(drop=True)


def drift_report(
    store: Store, config: cfg.Config, service: str, monitor: str, *, look_back: int = 50
) -> dict[str, Any] | None:
    """The newest stored Evidently report of a drift monitor: ``{"at", "path", "html"}``, or
    None when no recent run kept one (reports are optional) or its file is gone. A stored path
    is relative to the config's folder (older runs may hold an absolute one)."""
    for run in store.runs(service, monitor, limit=look_back):
        path = _json(run.details).get("report_path")
        if not path:
            continue
        file = Path(path)
        if not file.is_absolute():
            file = config.base_dir / file
        if file.is_file():
            return {"at": run.window_end, "path": str(file), "html": file.read_text("utf-8")}
    return None


def data_quality_shares(
    store: Store,
    config: cfg.Config,
    service: str,
    monitor: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> pd.DataFrame:
    """Long form ``at, column, check, share`` of the per-column data-quality SLIs
    (``missing_share[col]``, ``out_of_range_share[col]``...), each bucket's worst."""
    definition = config.service(service).monitor(monitor)
    columns = getattr(definition, "columns", None) or list(config.service(service).schema_)
    names = [f"{check}_share[{c}]" for check in DATA_QUALITY_CHECKS for c in columns]
    rows = store.measurements(service, monitor, names, since=since, until=until)
    data = []
    for at, _monitor, name, value in rows:
        match = _PER_COLUMN.match(name)
        if match:
            data.append((at, match["column"], match["sli"].removesuffix("_share"), _finite(value)))
    frame = pd.DataFrame(data, columns=["at", "column", "check", "share"])
    if frame.empty:
        return frame
    parts = [
        _bucketed(group[["at", "share"]], {"share": "max"}).assign(column=c, check=k)
        for (c, k), group in frame.groupby(["column", "check"], sort=True)
    ]
    return pd.concat(parts, ignore_index=True)[["at", "column", "check", "share"]]


def data_quality_summary(shares: pd.DataFrame) -> pd.DataFrame:
    """One row per column: each check's worst share over the range, and the latest."""
    if shares.empty:
        return pd.DataFrame()
    worst = shares.pivot_table(index="column", columns="check", values="share", aggfunc="max")
    latest_at = shares["at"].max()
    latest = shares[shares["at"] == latest_at].pivot_table(
        index="column", columns="check", values="share", aggfunc="last"
    )
    out = worst.add_prefix("worst ").join(latest.add_prefix("latest "))
    order = [f"{kind} {c}" for c in DATA_QUALITY_CHECKS for kind in ("worst", "latest")]
    out = out[[c for c in order if c in out.columns]]
    return out.sort_values(out.columns[0], ascending=False) if len(out.columns) else out


def prediction_quality(store: Store, config: cfg.Config, service: str, monitor: str) -> dict:
    """The newest ok prediction-quality run: its metric, and its details broken down
    ``by_model_version`` and ``by_slice`` as tables (empty when the run has none)."""
    definition = config.service(service).monitor(monitor)
    metric = getattr(definition, "metric", None)
    run = _latest_ok_run(store, service, monitor)
    out: dict[str, Any] = {
        "metric": metric,
        "at": None,
        "value": None,
        "by_model_version": pd.DataFrame(),
        "by_slice": pd.DataFrame(),
    }
    if run is None:
        return out
    details = _json(run.details)
    value = None
    if metric is not None:
        values = _measurements_of_runs(store, [run.id or 0], [metric])
        value = values.get((run.id or 0, metric))
    out.update(
        at=run.window_end,
        value=_finite(value),
        by_model_version=_breakdown(details.get("by_model_version"), "model_version"),
        by_slice=_breakdown(details.get("by_slice"), "slice"),
    )
    return out


def metric_series(
    store: Store,
    service: str,
    monitor: str,
    names: Sequence[str],
    since: datetime | None = None,
    until: datetime | None = None,
) -> pd.DataFrame:
    """Long form ``at, name, value`` of some SLIs of one monitor (bucketed means)."""
    rows = store.measurements(service, monitor, list(names), since=since, until=until)
    frame = pd.DataFrame(
        [(t, n, _finite(v)) for t, _m, n, v in rows], columns=["at", "name", "value"]
    )
    if frame.empty:
        return frame
    parts = [
        _bucketed(group[["at", "value"]], {"value": "mean"}).assign(name=name)
        for name, group in frame.groupby("name", sort=True)
    ]
    return pd.concat(parts, ignore_index=True)[["at", "name", "value"]]


def latency(
    store: Store,
    config: cfg.Config,
    service: str,
    monitor: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """``{"series": at, percentile, ms; "threshold_ms", "title"}`` of a latency monitor; the
    title says which SLOs count on it."""
    series = metric_series(store, service, monitor, LATENCY_PERCENTILES, since, until)
    series = series.rename(columns={"name": "percentile", "value": "ms"})
    definition = config.service(service).monitor(monitor)
    threshold = getattr(definition, "threshold_ms", None)
    slos = [
        f"{slo.name}: {slo.objective:.4g} of requests under {threshold:g} ms"
        if slo.good is None and threshold is not None
        else f"{slo.name}: {slo.good}"
        for slo in config.service(service).slos
        if slo.monitor == monitor
    ]
    title = "Latency percentiles (ms)" + (f"; SLO {'; '.join(slos)}" if slos else "")
    return {"series": series, "threshold_ms": threshold, "title": title}


def slo_lines(config: cfg.Config, service: str, monitor: str, sli: str) -> list[dict[str, Any]]:
    """The thresholds that SLOs set on one SLI of a monitor (timeslice SLOs whose condition
    names it), to draw on its chart: ``[{"slo", "threshold", "label"}]``."""
    lines = []
    for slo in config.service(service).slos:
        if slo.monitor != monitor or slo.good is None:
            continue
        condition = Condition.parse(slo.good)
        if condition.sli == sli:
            lines.append(
                {
                    "slo": slo.name,
                    "threshold": condition.threshold,
                    "label": f"{slo.name}: {condition}",
                }
            )
    return lines


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


def monitor_health(store: Store, config: cfg.Config, service: str) -> pd.DataFrame:
    """One row per monitor: kind, schedule, newest run and its status, runs by outcome, the
    newest error."""
    counts: dict[tuple[str, str], int] = {}
    for s, monitor, status, n in store.run_counts():
        if s == service:
            counts[(monitor, status)] = n
    latest = _latest_runs(store, _monitor_pairs(config, service))
    errors = _latest_errors(store, service)
    rows = []
    for m in config.service(service).monitors:
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
    table = MonitorRun.__table__
    query = sa.select(
        table.c.monitor,
        table.c.kind,
        table.c.window_start,
        table.c.window_end,
        table.c.status,
        table.c.duration_s,
        table.c.error,
        table.c.details,
    ).where(table.c.service == service)
    if failures_only:
        query = query.where(table.c.status != "ok")
    query = query.order_by(table.c.window_end.desc(), table.c.id.desc()).limit(limit)
    columns = ["monitor", "kind", "window_start", "window_end", "status", "duration_s", "error"]
    with store.engine.connect() as conn:
        rows = [
            (
                *row[:6],
                row.error or (_json(row.details).get("reason") if row.status != "ok" else None),
            )
            for row in conn.execute(query)
        ]
    return pd.DataFrame(rows, columns=columns)


def _latest_errors(store: Store, service: str) -> dict[str, str]:
    table = MonitorRun.__table__
    newest = (
        sa.select(table.c.monitor, sa.func.max(table.c.window_end).label("end"))
        .where((table.c.service == service) & (table.c.status == "failed"))
        .group_by(table.c.monitor)
        .subquery()
    )
    query = sa.select(table.c.monitor, table.c.error).join(
        newest,
        (table.c.service == service)
        & (table.c.monitor == newest.c.monitor)
        & (table.c.window_end == newest.c.end),
    )
    with store.engine.connect() as conn:
        return {m: e for m, e in conn.execute(query) if e}


def _latest_ok_run(store: Store, service: str, monitor: str) -> MonitorRun | None:
    query = (
        sa.select(MonitorRun)
        .where(
            (MonitorRun.service == service)
            & (MonitorRun.monitor == monitor)
            & (MonitorRun.status == "ok")
        )
        .order_by(MonitorRun.window_end.desc())
        .limit(1)
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    return MonitorRun.model_validate(row._mapping) if row else None


def _breakdown(value: Any, key: str) -> pd.DataFrame:
    """``{name: {metric: value}}`` (or ``{column: {value: {metric: value}}}``, or a list of
    records) as one row per name with its scalar fields."""
    if not value:
        return pd.DataFrame()
    rows: list[dict[str, Any]] = []
    if isinstance(value, list):
        rows = [dict(item) for item in value if isinstance(item, Mapping)]
    elif isinstance(value, Mapping):
        for name, entry in value.items():
            if (
                isinstance(entry, Mapping)
                and entry
                and all(isinstance(v, Mapping) for v in entry.values())
            ):
                rows += [{key: f"{name}={inner}", **_scalars(v)} for inner, v in entry.items()]
            elif isinstance(entry, Mapping):
                rows.append({key: str(name), **_scalars(entry)})
            else:
                rows.append({key: str(name), "value": entry})
    return pd.DataFrame(rows)


def _scalars(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if not isinstance(v, Mapping | list)}


def service_caption(service: cfg.Service) -> str:
    """The service's description and owner, as one line."""
    parts = [service.description, f"owner: {service.owner}" if service.owner else None]
    return " · ".join(p for p in parts if p)


def service_rows(frame: pd.DataFrame, service: str) -> pd.DataFrame:
    """The overview's rows of one service."""
    return frame[frame["service"] == service].reset_index(drop=True)


def slo_of(config: cfg.Config, service: str, slo: str) -> cfg.SLO:
    try:
        return next(s for s in config.service(service).slos if s.name == slo)
    except StopIteration:
        raise CockpitError(f"no SLO {slo!r} in service {service!r}") from None


def _between(
    query: sa.Select, column: Any, since: datetime | None, until: datetime | None
) -> sa.Select:
    if since is not None:
        query = query.where(column > since)
    if until is not None:
        query = query.where(column <= until)
    return query


def _bucket(frame: pd.DataFrame) -> str | None:
    """The coarsest grain needed to keep a series under :data:`MAX_POINTS`."""
    if len(frame) <= MAX_POINTS:
        return None
    span = frame["at"].max() - frame["at"].min()
    for grain, delta in (("15min", 900), ("1h", 3600), ("6h", 21600), ("1D", 86400)):
        if span.total_seconds() / delta <= MAX_POINTS:
            return grain
    return "1D"


def _bucketed(frame: pd.DataFrame, how: Mapping[str, str]) -> pd.DataFrame:
    grain = _bucket(frame)
    if grain is None:
        return frame.reset_index(drop=True)
    keys = frame["at"].dt.floor(grain)
    out = frame.drop(columns="at").groupby(keys).agg(dict(how)).reset_index()
    return out


def _bucketed_sum(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    return _bucketed(frame, dict.fromkeys(columns, "sum"))
