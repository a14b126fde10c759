"""A Prometheus rules file in Sloth's shape for a config's SLOs: the same error ratios, tiers and
factors as the cockpit, evaluated by Prometheus itself.

Each SLO gets one group, ``cockpit-slo-<service>-<slo>``, with Sloth's rules in Sloth's order:

- ``slo:sli_error:ratio_rate<w>``, the error ratio ``bad / total`` over ``w``, for the windows
  the cockpit reports (5m, 30m, 1h, 2h, 6h, 1d, 3d), the windows of the SLO's own tiers, and
  the SLO window (``ratio_rate28d``);
- ``slo:objective:ratio``, ``slo:error_budget:ratio``, ``slo:time_period:days``,
  ``slo:current_burn_rate:ratio`` (5m), ``slo:period_burn_rate:ratio`` and
  ``slo:period_error_budget_remaining:ratio``;
- one ``SloErrorBudgetBurn`` alert per severity, firing when any of its tiers has both windows
  above ``factor * (1 - objective)`` (and ``min_events`` events in each).

Sloth spreads these over three groups; here they share one because the rules of a group run in
order at one evaluation time: an alert reads the ratios of that same moment, where in a group
of its own it may read the previous evaluation's and fire one interval late (or early).

The ratios are read from one of two places:

- the team's own PromQL, as Sloth does, for an occurrence SLO over a ``kind: system`` monitor
  whose ``prometheus`` block has ``good_query`` and ``total_query`` written with ``$window``:
  ``1 - sum(good) / sum(total)`` with the window put in;
- otherwise the cockpit's counter ``cockpit_slo_events_total{service, slo, result}`` on its
  ``/metrics`` (:mod:`cockpit.metrics`): ``sum(rate(bad[w])) / sum(rate(good + bad[w]))``. A
  window shorter than the monitor's ``every`` reads one interval, as the cockpit widens it.

The rules carry the cockpit's label names ``service``, ``slo`` and ``window`` (those of
``cockpit_slo_burn_rate``) instead of Sloth's ``sloth_service``, ``sloth_slo`` and
``sloth_window``, so one dashboard query reads either. Unlike Sloth, whose SLO-window ratio is
the mean of the 5-minute ratios, ``ratio_rate<W>`` is the true event ratio over the window: the
budget the cockpit reports (its rule: never an average of short ratios). A calendar-month SLO
has no SLO-window rule (a range cannot start on the 1st) and scales its factors by
``days_in_month()``, as the cockpit scales them by the month's length.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import yaml

from cockpit.config import models as cfg
from cockpit.durations import format_duration, parse_duration
from cockpit.engine.slos import slo_spec
from monitors.system import prometheus_window_query
from slo.engine import BURN_WINDOWS
from slo.rules import DAY, Tier

EVENTS_METRIC = "cockpit_slo_events_total"
ALERT_NAME = "SloErrorBudgetBurn"
SEVERITIES = ("page", "ticket")


@dataclass(frozen=True)
class _Source:
    """Where one SLO's ratios come from: the PromQL of its error ratio and of its number of
    events over a window (a Prometheus duration), and a line for the file's header."""

    error_ratio: Callable[[str], str]
    events: Callable[[str], str]
    note: str


def export(config: cfg.Config) -> str:
    """Recording and multi-window multi-burn-rate alert rules, as Prometheus rules YAML."""
    groups: list[dict[str, Any]] = []
    notes: list[str] = []
    for service in config.services:
        for slo in service.slos:
            source = _source(service, slo)
            notes.append(f"#   {service.name}/{slo.name}: {source.note}")
            groups += _groups(service, slo, source)
    name = config.source_file.name if config.source_file else "the config"
    header = [
        f"# Prometheus rules for the SLOs of {name}, in Sloth's shape, written by",
        "# `cockpit slo export CONFIG --format prometheus`: regenerate rather than edit.",
        "# Labels: service, slo, window (as on the cockpit's cockpit_slo_burn_rate).",
        f"# Rules over {EVENTS_METRIC} need a Prometheus that scrapes the cockpit's /metrics",
        "# (`cockpit serve`), keeping the metric's own service and slo labels (honor_labels: true",
        "# when the target has labels of those names), for at least the longest SLO window.",
        "# Where each SLO's ratios come from:",
        *(notes or ["#   (no SLOs)"]),
    ]
    body = yaml.dump({"groups": groups}, Dumper=_Dumper, sort_keys=False, width=1000)
    return "\n".join(header) + "\n" + body


# --- where the ratios come from ------------------------------------------------------------


def _source(service: cfg.Service, slo: cfg.SLO) -> _Source:
    monitor = service.monitor(slo.monitor)
    prometheus = getattr(monitor, "prometheus", None)
    if slo.good is None and prometheus is not None and prometheus.good_query is not None:
        good, total = prometheus.good_query, prometheus.total_query or ""
        if _windowed(good) and _windowed(total):
            return _promql_source(good, total)
        return _counter_source(
            service,
            slo,
            monitor,
            "the cockpit's counter: the monitor's good_query and total_query read a fixed range "
            "(write $window in them to have these rules read the team's own metrics)",
        )
    return _counter_source(service, slo, monitor, f"the cockpit's counter {EVENTS_METRIC}")


def _windowed(promql: str) -> bool:
    """Does the query say where its window goes (``$window``, ``$__range``)?"""
    return prometheus_window_query(promql, "5m") != promql


def _promql_source(good: str, total: str) -> _Source:
    def in_window(promql: str, range_: str) -> str:
        return f"sum({prometheus_window_query(promql, range_).strip()})"

    def error_ratio(range_: str) -> str:
        return f"1 - (\n  {in_window(good, range_)}\n  /\n  {in_window(total, range_)}\n)"

    return _Source(
        error_ratio,
        lambda range_: in_window(total, range_),
        "the monitor's own PromQL (good_query and total_query)",
    )


def _counter_source(service: cfg.Service, slo: cfg.SLO, monitor: Any, note: str) -> _Source:
    every: timedelta | None = getattr(monitor, "every", None)
    selector = _selector(service=service.name, slo=slo.name)
    bad = _selector(service=service.name, slo=slo.name, result="bad")

    def widened(range_: str) -> str:
        # A window shorter than one run interval holds no bucket: the cockpit reads one interval.
        if every is not None and _seconds(range_) < every.total_seconds():
            return format_duration(every)
        return range_

    def error_ratio(range_: str) -> str:
        over = widened(range_)
        return (
            f"sum(rate({EVENTS_METRIC}{bad}[{over}]))\n/\n"
            f"sum(rate({EVENTS_METRIC}{selector}[{over}]))"
        )

    def events(range_: str) -> str:
        return f"sum(increase({EVENTS_METRIC}{selector}[{widened(range_)}]))"

    if every is None:
        note += " (a cron monitor: windows are not widened to its interval)"
    return _Source(error_ratio, events, note)


# --- the groups ----------------------------------------------------------------------------


def _groups(service: cfg.Service, slo: cfg.SLO, source: _Source) -> list[dict[str, Any]]:
    spec = slo_spec(slo)
    labels = {"service": service.name, "slo": slo.name}
    selector = _selector(**labels)
    budget = _number(1 - slo.objective)
    slug = f"{service.name}-{slo.name}"

    windows = _windows(spec.tiers)
    slis = [_sli_rule(w, source, labels) for w in windows]
    meta: list[dict[str, Any]] = [
        _record("slo:objective:ratio", f"vector({_number(slo.objective)})", labels),
        _record("slo:error_budget:ratio", f"vector({budget})", labels),
    ]

    def burn_of(window: str) -> str:
        return (
            f"max without (window) (slo:sli_error:ratio_rate{window}{selector})\n"
            "/ on(service, slo) group_left\n"
            f"slo:error_budget:ratio{selector}"
        )

    meta.append(_record("slo:current_burn_rate:ratio", burn_of("5m"), labels))
    if slo.window == "calendar_month":
        meta.insert(2, _record("slo:time_period:days", "days_in_month()", labels))
    else:
        period = format_duration(slo.window)
        if period not in windows:
            slis.append(_sli_rule(period, source, labels))
        meta.insert(2, _record("slo:time_period:days", f"vector({_number(_days(slo))})", labels))
        meta.append(_record("slo:period_burn_rate:ratio", burn_of(period), labels))
        meta.append(
            _record(
                "slo:period_error_budget_remaining:ratio",
                f"1 - slo:period_burn_rate:ratio{selector}",
                labels,
            )
        )

    alerts = []
    for severity in SEVERITIES:
        tiers = [t for t in spec.tiers if t.severity == severity]
        if tiers:
            alerts.append(_alert(service, slo, severity, tiers, source, budget))
    # One group, in this order: the rules of a group run one after the other at the same
    # evaluation time, so the meta rules and the alerts read the ratios of that very moment.
    return [{"name": f"cockpit-slo-{slug}", "rules": slis + meta + alerts}]


def _windows(tiers: Iterable[Tier]) -> list[str]:
    """The cockpit's reported windows and the tiers' windows, shortest first, by name."""
    seconds = {*BURN_WINDOWS.values()}
    for tier in tiers:
        seconds |= {tier.long_window_s, tier.short_window_s}
    return [format_duration(timedelta(seconds=s)) for s in sorted(seconds)]


def _sli_rule(window: str, source: _Source, labels: dict[str, str]) -> dict[str, Any]:
    return _record(
        f"slo:sli_error:ratio_rate{window}",
        source.error_ratio(window),
        {**labels, "window": window},
    )


def _alert(
    service: cfg.Service,
    slo: cfg.SLO,
    severity: str,
    tiers: list[Tier],
    source: _Source,
    budget: str,
) -> dict[str, Any]:
    """One alert for the severity: any of its tiers with both windows above its threshold,
    ``factor * (1 - objective)``, and at least ``min_events`` events in each."""
    selector = _selector(service=service.name, slo=slo.name)
    clauses, said = [], []
    for tier in tiers:
        threshold = f"({_factor(slo, tier)} * {budget})"
        windows = [_name(tier.long_window_s), _name(tier.short_window_s)]
        parts = []
        for window in windows:
            part = f"max(slo:sli_error:ratio_rate{window}{selector} > {threshold}) without (window)"
            if slo.min_events > 0:
                part += f" and on() ({source.events(window)} >= {slo.min_events})"
            parts.append(part)
        clauses.append("(\n  " + "\n  and\n  ".join(parts) + "\n)")
        said.append(f"{windows[0]} and {windows[1]} burning above {_said_factor(slo, tier)}")
    return {
        "alert": ALERT_NAME,
        "expr": "\nor\n".join(clauses),
        # the SLO's labels too: each rule of the file is told apart by its name and labels
        "labels": {"severity": severity, "service": service.name, "slo": slo.name},
        "annotations": {
            "summary": "{{ $labels.service }} {{ $labels.slo }}: the error budget burns too fast",
            "description": (
                f"({severity}) {service.name}/{slo.name}, objective {_number(slo.objective)} "
                f"over {_window_text(slo)}: the error ratio is {{{{ $value | humanizePercentage }}}}; "
                f"fires on {' or '.join(said)}."
            ),
        },
    }


def _factor(slo: cfg.SLO, tier: Tier) -> str:
    """The tier's burn-rate threshold as PromQL: a number, or for a calendar month the factor
    per day of the month times ``days_in_month()`` (``budget_share * W / long_window``)."""
    if slo.window != "calendar_month" or tier.factor_override is not None:
        return _number(tier.factor(slo.window_length.total_seconds()))
    per_day = tier.factor(DAY)
    return f"{_number(per_day)} * scalar(days_in_month())"


def _said_factor(slo: cfg.SLO, tier: Tier) -> str:
    if slo.window != "calendar_month" or tier.factor_override is not None:
        return f"{tier.factor(slo.window_length.total_seconds()):.4g}x"
    return f"{tier.factor(DAY):.4g}x per day of the month"


def _window_text(slo: cfg.SLO) -> str:
    return "the calendar month" if slo.window == "calendar_month" else format_duration(slo.window)


# --- small pieces --------------------------------------------------------------------------


def _record(name: str, expr: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"record": name, "expr": expr, "labels": dict(labels)}


def _selector(**labels: str) -> str:
    return "{" + ", ".join(f"{k}={_quoted(v)}" for k, v in labels.items()) + "}"


def _quoted(value: str) -> str:
    """A PromQL string literal."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _number(value: float) -> str:
    """Twelve significant digits: 0.001, not 0.0009999999999999432."""
    return f"{value:.12g}"


def _name(seconds: float) -> str:
    return format_duration(timedelta(seconds=seconds))


def _seconds(window: str) -> float:
    return parse_duration(window).total_seconds()


def _days(slo: cfg.SLO) -> float:
    return slo.window_length.total_seconds() / DAY


class _Dumper(yaml.SafeDumper):
    """Block scalars for multi-line expressions, as a person writes them."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)
