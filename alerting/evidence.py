"""Short lines of evidence from a monitor run's details, for alerts and messages."""

from __future__ import annotations

from typing import Any


def evidence_lines(kind: str, details: dict[str, Any], *, limit: int = 5) -> list[str]:
    """What a person reads first: the failing columns, the drifted features, the worst slice."""
    try:
        lines = {
            "data_quality": _data_quality,
            "drift": _drift,
            "prediction_quality": _prediction_quality,
            "system": _system,
        }.get(kind, lambda _d: [])(details)
    except (AttributeError, KeyError, TypeError, ValueError):
        return []
    return lines[:limit]


def _data_quality(details: dict[str, Any]) -> list[str]:
    columns = details.get("columns") or {}
    out = []
    for name in details.get("failing_columns") or []:
        column = columns.get(name) or {}
        checks = ", ".join(
            f"{check} {column[check]}"
            for check in ("missing", "type_error", "out_of_range", "unexpected")
            if column.get(check)
        )
        examples = [
            value for values in (column.get("examples") or {}).values() for value in values
        ][:3]
        sample = f", e.g. {', '.join(examples)}" if examples else ""
        out.append(f"{name}: {column.get('bad_share', 0):.0%} of rows bad ({checks}{sample})")
    return out


def _drift(details: dict[str, Any]) -> list[str]:
    columns = details.get("columns") or {}
    out = []
    for name in details.get("top_drifted") or []:
        column = columns.get(name) or {}
        score = column.get("score")
        shown = "n/a" if score is None else f"{score:.3g}"
        out.append(
            f"{name} drifted: {column.get('method', '?')} {shown} (threshold {column.get('threshold', '?')})"
        )
    return out


def _prediction_quality(details: dict[str, Any]) -> list[str]:
    metric = details.get("metric", "metric")
    out = []
    worst = details.get("worst_slice")
    if isinstance(worst, dict) and worst:
        where = worst.get("slice") or f"{worst.get('column', '?')}={worst.get('value', '?')}"
        value = worst.get("metric_value", worst.get(metric))
        shown = f"{value:.3g}" if isinstance(value, int | float) else str(value)
        out.append(f"worst slice {where}: {metric} {shown}")
    for version, values in (details.get("by_model_version") or {}).items():
        if isinstance(values, dict) and isinstance(values.get(metric), int | float):
            out.append(
                f"model {version}: {metric} {values[metric]:.3g} ({values.get('rows', '?')} rows)"
            )
    unlabelled = details.get("unlabelled_share")
    if isinstance(unlabelled, int | float) and unlabelled > 0:
        out.append(f"{unlabelled:.0%} of predictions still without a label")
    return out


def _system(details: dict[str, Any]) -> list[str]:
    out = []
    for key in ("latency_p99", "latency_p95", "error_rate", "missing_latency", "bad_requests"):
        value = details.get(key)
        if isinstance(value, int | float):
            out.append(f"{key.replace('_', ' ')}: {value:.4g}")
    return out
