"""System SLIs from the prediction log, and the parsing half of Prometheus queries.

From the log: latency percentiles (numpy's linear interpolation, as ``numpy.percentile``),
good events = requests faster than ``threshold_ms`` that did not fail (a request without a
recorded latency is not counted fast), error rate, throughput and freshness (the age of the
newest row at the window's end).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from monitors.base import MonitorResult, finite_or_none


@dataclass(frozen=True)
class SystemSpec:
    metric: str  # latency | error_rate | throughput | freshness
    latency_column: str | None = "latency_ms"
    threshold_ms: float | None = None
    error_column: str | None = None
    timestamp: str = "ts"


def evaluate(
    window: pd.DataFrame, spec: SystemSpec, *, window_start: datetime, window_end: datetime
) -> MonitorResult:
    for column in (spec.latency_column if spec.metric == "latency" else None, spec.error_column):
        if column is not None and column not in window.columns:
            raise ValueError(f"column {column!r} not in the current window")
    rows = len(window)
    seconds = max((window_end - window_start).total_seconds(), 1e-9)
    if rows == 0:
        return MonitorResult.no_data("no requests in the window", rows=0)
    failed = np.zeros(rows, dtype=bool)
    if spec.error_column:
        failed = window[spec.error_column].fillna(False).astype(bool).to_numpy()
    slis: dict[str, float | None] = {
        "rows": float(rows),
        "throughput_rps": rows / seconds,
        "error_rate": float(failed.mean()),
    }
    details: dict[str, Any] = {"rows": rows, "failed": int(failed.sum())}
    if spec.timestamp in window.columns:
        newest = pd.to_datetime(window[spec.timestamp], utc=True).max()
        slis["freshness_s"] = max(0.0, (pd.Timestamp(window_end) - newest).total_seconds())
    good = float(rows - failed.sum())
    if spec.metric == "latency" and spec.latency_column:
        latency = pd.to_numeric(window[spec.latency_column], errors="coerce").to_numpy(
            dtype="float64"
        )
        known = np.isfinite(latency)
        details["missing_latency"] = int((~known).sum())
        if known.any():
            p50, p95, p99 = np.percentile(latency[known], [50, 95, 99])
            slis.update(latency_p50=float(p50), latency_p95=float(p95), latency_p99=float(p99))
            details.update(latency_p50=float(p50), latency_p95=float(p95), latency_p99=float(p99))
        if spec.threshold_ms is not None:
            fast = known & (latency < spec.threshold_ms) & ~failed
            good = float(fast.sum())
            slis["good_share"] = good / rows
            details["bad_requests"] = int(rows - good)
    elif spec.metric == "error_rate":
        slis["good_share"] = good / rows
    details["error_rate"] = slis["error_rate"]
    has_events = spec.metric in ("latency", "error_rate") and (
        spec.metric != "latency" or spec.threshold_ms is not None
    )
    return MonitorResult(
        status="ok",
        slis={k: finite_or_none(v) for k, v in slis.items()},
        good=good if has_events else None,
        total=float(rows) if has_events else None,
        details=details,
    )


def prometheus_window_query(promql: str, window: str) -> str:
    """``$window`` (or ``$__range``) in a query becomes the window's length, like ``1h``."""
    return (
        promql.replace("$__range", window).replace("${window}", window).replace("$window", window)
    )


def prometheus_result_value(api_json: dict[str, Any]) -> float | None:
    """The single value of an instant query's answer (``/api/v1/query``); None for no sample
    or NaN. Errors, several series and non-numbers raise ValueError with what was wrong."""
    if api_json.get("status") != "success":
        raise ValueError(
            f"Prometheus answered {api_json.get('errorType', 'error')}: {api_json.get('error', api_json)}"
        )
    data = api_json.get("data") or {}
    kind, result = data.get("resultType"), data.get("result")
    if kind == "scalar":
        sample = result
    elif kind == "vector":
        if not result:
            return None
        if len(result) > 1:
            labels = [r.get("metric", {}) for r in result[:3]]
            raise ValueError(
                f"the query returned {len(result)} series (e.g. {labels}); aggregate it to one with sum() or similar"
            )
        sample = result[0].get("value")
    else:
        raise ValueError(f"expected an instant vector or scalar, got resultType {kind!r}")
    try:
        value = float(sample[1])
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"not a number in the answer: {sample!r}") from None
    return None if math.isnan(value) else value
