"""A Grafana dashboard over the cockpit's own metrics, one row per service.

The metrics are those ``cockpit serve`` exposes on ``/metrics`` (:mod:`cockpit.metrics`). A row
holds, for its service: the error budget left of each SLO, the alerts firing by severity, each
SLO's objective, how long ago each monitor's newest ok run finished (stat panels); then the
burn rates per window and the budget left over time, and the SLI values (time series). Every
query selects the service by its ``service`` label; SLIs are drawn by monitor, SLI and column
(a per-column SLI has a ``column`` label; the others draw without it). A ``datasource``
variable picks the Prometheus that scrapes the cockpit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from cockpit.config import models as cfg

SCHEMA_VERSION = 39
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
WIDTH = 24  # Grafana's grid is 24 columns wide

BUDGET = "cockpit_slo_error_budget_remaining_ratio"
BURN = "cockpit_slo_burn_rate"
OBJECTIVE = "cockpit_slo_objective_ratio"
ALERT = "cockpit_slo_alert_active"
SLI = "cockpit_sli_value"
LAST_SUCCESS = "cockpit_monitor_last_success_timestamp_seconds"
METRICS = (BUDGET, BURN, OBJECTIVE, ALERT, SLI, LAST_SUCCESS)  # what the panels read


def export(config: cfg.Config) -> dict[str, Any]:
    """The dashboard's JSON model."""
    panels: list[dict[str, Any]] = []
    y = 0
    ids = iter(range(1, 10_000))
    for service in config.services:
        row = {
            "type": "row",
            "id": next(ids),
            "title": service.name + (f" ({service.owner})" if service.owner else ""),
            "collapsed": False,
            "gridPos": {"h": 1, "w": WIDTH, "x": 0, "y": y},
            "panels": [],
        }
        panels.append(row)
        y += 1
        for panel, (h, w, x) in _service_panels(config, service):
            panels.append({"id": next(ids), **panel, "gridPos": {"h": h, "w": w, "x": x, "y": y}})
            if x + w == WIDTH:
                y += h
    names = ",".join(s.name for s in config.services)
    return {
        "id": None,
        "uid": "cockpit-" + hashlib.sha1(names.encode()).hexdigest()[:12],
        "title": "ML SRE cockpit",
        "description": "SLOs, error budgets, burn rates and SLIs of the cockpit's services, "
        "from its /metrics.",
        "tags": ["cockpit", "slo"],
        "timezone": "utc",
        "editable": True,
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "refresh": "1m",
        "time": {"from": "now-7d", "to": "now"},
        "annotations": {"list": []},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Prometheus",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {},
                    "hide": 0,
                    "refresh": 1,
                }
            ]
        },
        "panels": panels,
    }


def label_value(value: str) -> str:
    """A PromQL string literal: ``checkout "eu"`` -> ``"checkout \\"eu\\""``."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _service_panels(
    config: cfg.Config, service: cfg.Service
) -> Iterator[tuple[dict[str, Any], tuple[int, int, int]]]:
    """The row's panels with their (height, width, x); a panel ending at x + w = 24 ends a line."""
    only = f"{{service={label_value(service.name)}}}"
    at_risk = config.alerting.at_risk_below
    if service.slos:
        yield (
            _stat(
                "Error budget left",
                f"{BUDGET}{only}",
                "{{slo}}",
                unit="percentunit",
                steps=[("red", None), ("orange", 0), ("green", at_risk)],
                description="Share of each SLO's error budget left over its window "
                f"(orange below {at_risk:g}, red when overspent).",
            ),
            (5, 8, 0),
        )
        yield (
            _stat(
                "Alerts firing",
                f"max by (severity) ({ALERT}{only})",
                "{{severity}}",
                steps=[("green", None), ("red", 1)],
                description="1 while an SLO's most severe firing burn-rate tier has this severity.",
            ),
            (5, 4, 8),
        )
        yield (
            _stat(
                "Objectives",
                f"{OBJECTIVE}{only}",
                "{{slo}}",
                unit="percentunit",
                steps=[("blue", None)],
                decimals=4,
            ),
            (5, 4, 12),
        )
        x = 16
    else:
        x = 0
    if service.monitors:
        yield (
            _stat(
                "Since the newest ok run",
                f"time() - {LAST_SUCCESS}{only}",
                "{{monitor}}",
                unit="s",
                steps=[("green", None), ("orange", 900), ("red", 3600)],
                description="When this stops resetting, the monitor or its feed has stopped.",
            ),
            (5, WIDTH - x, x),
        )
    if service.slos:
        yield (
            _series(
                "Burn rate per window",
                f"{BURN}{only}",
                "{{slo}} {{window}}",
                steps=[("green", None), ("red", 1)],
                description="1 spends the budget exactly over the SLO window; the alert tiers "
                "fire far above it (14.4 over 1h for a 30-day window).",
            ),
            (8, 12, 0),
        )
        yield (
            _series(
                "Error budget left over time",
                f"{BUDGET}{only}",
                "{{slo}}",
                unit="percentunit",
                steps=[("red", None), ("orange", 0), ("green", at_risk)],
            ),
            (8, 12, 12),
        )
    if service.monitors:
        yield (
            _series(
                "SLIs",
                f"{SLI}{only}",
                "{{monitor}} {{sli}} {{column}}",
                description="The latest value of each SLI of each monitor.",
            ),
            (8, WIDTH, 0),
        )


def _target(expr: str, legend: str) -> dict[str, Any]:
    return {"refId": "A", "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}


def _thresholds(steps: list[tuple[str, float | None]]) -> dict[str, Any]:
    return {"mode": "absolute", "steps": [{"color": c, "value": v} for c, v in steps]}


def _stat(
    title: str,
    expr: str,
    legend: str,
    *,
    steps: list[tuple[str, float | None]],
    unit: str = "none",
    decimals: int | None = None,
    description: str = "",
) -> dict[str, Any]:
    defaults: dict[str, Any] = {"unit": unit, "thresholds": _thresholds(steps)}
    if decimals is not None:
        defaults["decimals"] = decimals
    return {
        "type": "stat",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": [_target(expr, legend)],
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "colorMode": "value",
            "graphMode": "none",
            "textMode": "value_and_name",
            "orientation": "auto",
        },
    }


def _series(
    title: str,
    expr: str,
    legend: str,
    *,
    steps: list[tuple[str, float | None]] | None = None,
    unit: str = "none",
    description: str = "",
) -> dict[str, Any]:
    custom: dict[str, Any] = {"drawStyle": "line", "lineWidth": 1, "spanNulls": False}
    defaults: dict[str, Any] = {"unit": unit, "custom": custom}
    if steps is not None:
        defaults["thresholds"] = _thresholds(steps)
        custom["thresholdsStyle"] = {"mode": "line"}
    return {
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": [_target(expr, legend)],
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {
            "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
    }
