"""The overview's read model: every SLO of every service, what needs a person first.

A handful of queries whatever the number of SLOs (:meth:`Store.overview_facts`: the newest
evaluation of every SLO and the newest run of every monitor by correlated "newest row"
subqueries), never one query per SLO per metric.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from alerting.health import is_stale, monitor_alert_slo
from cockpit.config import models as cfg
from cockpit.durations import format_duration
from cockpit.engine import schedule
from cockpit.engine.health import stale_after
from cockpit.engine.slos import slo_spec
from cockpit.read.common import finite as _finite
from cockpit.read.common import parse_json as _json
from cockpit.read.common import service_link, service_names, sli_spec
from cockpit.store import Store, utcnow
from slo.status import STATUS_RANK, STATUSES, slo_status

OVERVIEW_WINDOWS = ("5m", "1h", "6h", "1d", "3d")

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
    :func:`cockpit.read.daemon.daemon_status`'s to say."""
    if not service_names(config):
        return pd.DataFrame(columns=OVERVIEW_COLUMNS)
    facts = store.overview_facts(
        [(s.name, slo.name) for s in config.services for slo in s.slos],
        [(s.name, m.name) for s in config.services for m in s.monitors],
        {sli_spec(slo).name for s in config.services for slo in s.slos if slo.good is not None},
    )
    evaluations, runs, last_ok = facts.evaluations, facts.runs, facts.ok_runs
    slis, firing = facts.slis, facts.firing

    newest: dict[str, datetime] = {}  # each service's newest evaluation or run
    moments = [(s, e["at"]) for (s, _), e in evaluations.items()]
    moments += [(s, r["window_end"]) for (s, _), r in runs.items()]
    for name, moment in moments:
        if name not in newest or moment > newest[name]:
            newest[name] = moment

    rows = []
    for service in config.services:
        as_of = newest.get(service.name)
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
