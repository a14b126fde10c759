"""System SLIs from the prediction log, and the pure half of Prometheus queries.

From the log, over the window ``[window_start, window_end)``:

- ``latency_p50``, ``latency_p95``, ``latency_p99``: ``numpy.percentile`` with linear
  interpolation (pandas' ``quantile`` default) over the rows that have a latency;
- ``error_rate`` = failed / rows, when an error column is configured (True = failed);
- ``throughput_rps`` = rows / window seconds;
- ``freshness_s`` = window_end - newest timestamp, in seconds (the age of the newest row);
- ``good_share`` = good / total for the occurrence metrics below.

Occurrence events (``good``/``total``, total = every request in the window):

- ``latency`` with ``threshold_ms``: good = a request faster than the threshold, strictly
  (``latency_ms < threshold_ms``, "under 300 ms"), that did not fail. A request with no
  recorded latency (missing, NaN, infinite) is not known to be fast, so it is bad; it is
  counted in ``details["missing_latency"]``. A latency column that is not numbers (``"120 ms"``)
  is an error, not a column of missing latencies: that would page on a type error.
- ``error_rate``: good = a request that did not fail. A missing error flag counts as "did
  not fail" (logs usually leave it empty on success) and is counted in
  ``details["missing_error_flag"]``.
- ``throughput`` and ``freshness`` have no events: use them with timeslice SLOs.

Prometheus (the HTTP call lives in ``cockpit.prometheus_source``): ``prometheus_window_query``
puts the window into PromQL, ``prometheus_result_value`` reads ``/api/v1/query``'s answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from monitors import query as q
from monitors.base import MonitorResult, finite_or_none, require_columns

METRICS = ("latency", "error_rate", "throughput", "freshness")
PERCENTILES = (50, 95, 99)


@dataclass(frozen=True)
class SystemSpec:
    """What to measure; ``metric`` is one of ``METRICS``."""

    metric: str  # latency | error_rate | throughput | freshness
    latency_column: str | None = "latency_ms"
    threshold_ms: float | None = None
    error_column: str | None = None  # bool, True = failed request
    timestamp: str = "ts"


@dataclass(frozen=True)
class SystemProfile:
    """What the system SLIs of one window are computed from, wherever it was computed.

    ``failed``/``missing_error_flag``: None without an error column. ``newest``: the newest
    timestamp (None without one). ``missing_latency``, ``percentiles``: None without a latency
    column; ``fast_ok`` (finite, under the threshold, not failed) and ``slow`` (finite, not
    under it): None without a threshold.
    """

    rows: int
    failed: int | None = None
    missing_error_flag: int | None = None
    newest: pd.Timestamp | None = None
    missing_latency: int | None = None
    percentiles: tuple[float | None, ...] | None = None
    fast_ok: int | None = None
    slow: int | None = None


def evaluate(
    window: pd.DataFrame, spec: SystemSpec, *, window_start: datetime, window_end: datetime
) -> MonitorResult:
    """The system SLIs of one window of the log; ``no_data`` when it has no rows.

    Raises ValueError when the spec is inconsistent, a column it needs is not in the window,
    the error column is not boolean, or the latency column is not numbers (text is read only
    when every value is a number written as text, see ``_latency``).
    """
    _check_spec(spec, (window_end - window_start).total_seconds())
    needed = [spec.error_column]
    if spec.metric == "latency":
        needed.append(spec.latency_column)
    if spec.metric == "freshness":
        needed.append(spec.timestamp)
    require_columns(window, needed)
    return statistics(profile(window, spec), spec, window_start=window_start, window_end=window_end)


def profile(window: pd.DataFrame, spec: SystemSpec) -> SystemProfile:
    """The profile of a window held in memory."""
    rows = len(window)
    failed = np.zeros(rows, dtype=bool)
    counts: dict[str, Any] = {}
    if spec.error_column is not None:
        failed, missing_flag = _failed(window[spec.error_column], spec.error_column)
        counts.update(failed=int(failed.sum()), missing_error_flag=missing_flag)
    if spec.timestamp in window.columns and rows:
        newest = _newest(window[spec.timestamp])
        counts["newest"] = None if pd.isna(newest) else newest
    if spec.latency_column is not None and spec.latency_column in window.columns:
        latency = _latency(window[spec.latency_column], spec.latency_column)
        known = np.isfinite(latency)
        counts["missing_latency"] = int((~known).sum())
        counts["percentiles"] = tuple(
            finite_or_none(v)
            for v in (
                np.percentile(latency[known], PERCENTILES)
                if known.any()
                else [None] * len(PERCENTILES)
            )
        )
        if spec.threshold_ms is not None:
            with np.errstate(invalid="ignore"):
                fast = known & (latency < spec.threshold_ms)
            counts.update(fast_ok=int(np.sum(fast & ~failed)), slow=int(np.sum(known & ~fast)))
    return SystemProfile(rows=rows, **counts)


def profile_query(spec: SystemSpec, columns: Sequence[str]) -> dict[str, q.Aggregate]:
    """The aggregates an engine computes for :func:`profile_of` over a window that has
    ``columns`` (the error flag must be boolean or 0/1 and the latency numbers: see
    :func:`check_types`)."""
    aggregates: dict[str, q.Aggregate] = {"rows": q.Count()}
    failed = None
    if spec.error_column is not None:
        failed = q.Truthy(spec.error_column)
        aggregates["failed"] = q.Count(failed)
        aggregates["missing_error_flag"] = q.Count(q.Missing(spec.error_column))
    if spec.timestamp in columns:
        aggregates["newest"] = q.Max(spec.timestamp)
    latency = spec.latency_column
    if latency is not None and latency in columns:
        known = q.Finite(latency)
        aggregates["missing_latency"] = q.Count(q.Not(known))
        aggregates["percentiles"] = q.Quantiles(latency, [p / 100 for p in PERCENTILES], known)
        if spec.threshold_ms is not None:
            fast = q.All((known, q.Compare(latency, "<", spec.threshold_ms)))
            aggregates["fast_ok"] = q.Count(q.all_of(fast, q.Not(failed) if failed else None))
            aggregates["slow"] = q.Count(q.All((known, q.Not(fast))))
    return aggregates


def profile_of(values: dict[str, Any]) -> SystemProfile:
    """The profile from the values of :func:`profile_query`'s aggregates."""
    kept = dict(values)
    newest = kept.get("newest")
    if newest is not None:  # an engine's time: integer nanoseconds since the epoch
        kept["newest"] = pd.Timestamp(int(newest), unit="ns", tz="UTC")
    if kept.get("percentiles") is not None:
        kept["percentiles"] = tuple(finite_or_none(v) for v in kept["percentiles"])
    return SystemProfile(**{k: int(v) if isinstance(v, np.integer) else v for k, v in kept.items()})


def check_types(spec: SystemSpec, dtypes: dict[str, q.DType]) -> None:
    """What :func:`_latency` and :func:`_failed` refuse, from an engine's column types."""
    latency = spec.latency_column
    if latency is not None and dtypes.get(latency) not in (None, "float", "int"):
        raise ValueError(
            f"latency column {latency!r} must be numbers of milliseconds, got "
            f"{dtypes[latency]} values (write 120, not '120 ms')"
        )
    error = spec.error_column
    if error is not None and dtypes.get(error) not in (None, "bool", "int", "float"):
        raise ValueError(
            f"error column {error!r} must be boolean (True = failed request), got "
            f"{dtypes[error]} values"
        )


def statistics(
    profile: SystemProfile, spec: SystemSpec, *, window_start: datetime, window_end: datetime
) -> MonitorResult:
    """The system SLIs from a window's profile."""
    window_s = (window_end - window_start).total_seconds()
    rows = profile.rows
    if rows == 0:
        # Nothing since window_start: the newest row, if any, is at least window_s old.
        return MonitorResult.no_data(
            "no requests in the window", rows=0, freshness_s=None, freshness_at_least_s=window_s
        )

    slis: dict[str, float | None] = {"rows": float(rows), "throughput_rps": rows / window_s}
    details: dict[str, Any] = {"rows": rows, "window_s": window_s}
    failed = profile.failed or 0
    if profile.failed is not None:
        slis["error_rate"] = failed / rows
        details.update(
            failed=failed,
            missing_error_flag=profile.missing_error_flag,
            error_rate=slis["error_rate"],
        )
    else:
        slis["error_rate"] = None

    slis["freshness_s"] = None
    if profile.newest is not None:
        # Not clamped: a negative age means rows stamped after window_end reached the window.
        slis["freshness_s"] = (_utc(window_end) - profile.newest).total_seconds()
        details["newest"] = profile.newest.isoformat()

    if profile.percentiles is not None:
        details["missing_latency"] = profile.missing_latency
        for p, value in zip(PERCENTILES, profile.percentiles, strict=True):
            slis[f"latency_p{p}"] = details[f"latency_p{p}"] = value

    good: float | None = None
    if spec.metric == "latency" and spec.threshold_ms is not None:
        assert profile.fast_ok is not None  # the column is required for this metric
        good = float(profile.fast_ok)
        details.update(
            threshold_ms=spec.threshold_ms, slow=profile.slow, bad_requests=rows - int(good)
        )
    elif spec.metric == "error_rate":
        good = float(rows - failed)
        details["bad_requests"] = failed
    if good is not None:
        slis["good_share"] = good / rows
    return MonitorResult(
        status="ok",
        slis=slis,
        good=good,
        total=float(rows) if good is not None else None,
        details=details,
    )


def _check_spec(spec: SystemSpec, window_s: float) -> None:
    if spec.metric not in METRICS:
        raise ValueError(f"unknown system metric {spec.metric!r}: one of {', '.join(METRICS)}")
    if spec.metric == "latency" and spec.latency_column is None:
        raise ValueError("metric 'latency' needs a latency column")
    if spec.metric == "error_rate" and spec.error_column is None:
        raise ValueError("metric 'error_rate' needs error_column (a bool column, True = failed)")
    if spec.threshold_ms is not None and not spec.threshold_ms > 0:
        raise ValueError(f"threshold_ms must be positive, got {spec.threshold_ms!r}")
    if not window_s > 0:
        raise ValueError(f"window_end must be after window_start (window of {window_s!r} s)")


def _utc(moment: datetime) -> pd.Timestamp:
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _newest(stamps: pd.Series) -> pd.Timestamp:
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):  # already aware: no parsing (the usual case)
        return stamps.max().tz_convert("UTC")
    return pd.to_datetime(stamps, utc=True).max()


def _latency(series: pd.Series, column: str) -> np.ndarray:
    """Latencies in milliseconds as float64, NaN where missing.

    A number column is taken as it is. A text column is taken only when every value in it
    reads as a number, as when a CSV or SQL source keeps numbers as text (``"120"`` is 120.0,
    ``"3.1e2"`` 310.0: nothing is lost); a single value that does not (``"120 ms"``, ``"slow"``,
    ``""``) refuses the whole column. Coercing those to missing would count every such request
    as slow and page on a type error. Booleans and durations are refused too: True is not
    1 ms, and a duration's nanoseconds are not milliseconds."""
    if pd.api.types.is_bool_dtype(series.dtype):
        raise _not_milliseconds(series, column, series.dropna())
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype="float64", na_value=np.nan)
    text_like = isinstance(series.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(
        series.dtype
    )  # object columns count as text here (of any Python values)
    if not text_like:
        raise _not_milliseconds(series, column, series.dropna())
    values = series.astype(object)
    numbers = pd.to_numeric(values, errors="coerce")
    unread = numbers.isna() & values.notna()
    unread |= values.map(lambda v: isinstance(v, bool | np.bool_)).astype(bool)
    if unread.any():
        raise _not_milliseconds(series, column, values[unread])
    return numbers.to_numpy(dtype="float64", na_value=np.nan)


def _not_milliseconds(series: pd.Series, column: str, bad: pd.Series) -> ValueError:
    examples = sorted({repr(v) for v in bad.head(1000)})[:3]
    return ValueError(
        f"latency column {column!r} must be numbers of milliseconds, "
        f"got {series.dtype} values like {', '.join(examples)} (write 120, not '120 ms')"
    )


def _failed(series: pd.Series, column: str) -> tuple[np.ndarray, int]:
    """``(failed, missing)`` from a boolean column (or 0/1 numbers); missing = not failed.

    Text is refused rather than guessed: ``bool("False")`` is True."""
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        flags = series.to_numpy(dtype="float64", na_value=np.nan)
    else:
        present = series.dropna()
        if not present.map(lambda v: isinstance(v, bool | np.bool_)).all():
            examples = sorted({repr(v) for v in present.head(1000)})[:3]
            raise ValueError(
                f"error column {column!r} must be boolean (True = failed request), "
                f"got {series.dtype} values like {', '.join(examples)}"
            )
        flags = series.map(lambda v: np.nan if pd.isna(v) else float(v)).to_numpy(dtype="float64")
    missing = np.isnan(flags)
    return (flags != 0) & ~missing, int(missing.sum())


# --- Prometheus ---------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\$(?:\{(?:window|__range)\}|(?:window|__range)\b)")
_DURATION = re.compile(r"(?:\d+(?:ms|[smhdwy]))+")


def prometheus_window_query(promql: str, window: str) -> str:
    """The query with each ``$window``, ``${window}``, ``$__range`` or ``${__range}`` (Grafana's
    spelling) replaced by the window's length, a Prometheus duration like ``1h`` or ``1h30m``:
    ``rate(x[$window])`` -> ``rate(x[1h])``. A query without a placeholder is returned as is."""
    if not _DURATION.fullmatch(window):
        raise ValueError(
            f"window must be a Prometheus duration like '5m' or '1h30m', got {window!r}"
        )
    return _PLACEHOLDER.sub(window, promql)


def prometheus_result_value(api_json: dict[str, Any]) -> float | None:
    """The one value of an instant query's answer (``GET /api/v1/query``).

    ``{"status": "success", "data": {"resultType": "vector", "result": [{"metric": {...},
    "value": [<unix time>, "<number>"]}]}}`` gives the number; ``resultType: "scalar"`` with
    ``"result": [<unix time>, "<number>"]`` too. An empty vector (no sample: no traffic, or
    a series that does not exist) and ``NaN`` / ``±Inf`` (like 0/0 in a ratio) give None.
    An error answer, several series, a range vector or a value that is not a number raise
    ValueError saying which.
    """
    if not isinstance(api_json, dict):
        raise ValueError(
            f"expected the JSON object of /api/v1/query, got {type(api_json).__name__}"
        )
    status = api_json.get("status")
    if status != "success":
        raise ValueError(
            f"Prometheus answered status {status!r}: "
            f"{api_json.get('errorType', 'error')}: {api_json.get('error', '(no message)')}"
        )
    data = api_json.get("data")
    if not isinstance(data, dict):
        raise ValueError(f"the answer has no 'data' object: {api_json!r:.200}")
    kind, result = data.get("resultType"), data.get("result")
    if kind == "scalar":
        sample = result
    elif kind == "vector":
        if not isinstance(result, list):
            raise ValueError(f"a vector answer whose result is not a list: {result!r:.200}")
        if not result:
            return None
        if len(result) > 1:
            labels = ", ".join(_labels(series) for series in result[:3])
            raise ValueError(
                f"the query returned {len(result)} series ({labels}{', ...' if len(result) > 3 else ''}); "
                "aggregate them to one, e.g. with sum(...)"
            )
        series = result[0]
        if isinstance(series, dict) and "histogram" in series and "value" not in series:
            raise ValueError(
                "the sample is a native histogram, not a number; "
                "wrap the query in histogram_quantile(...) or histogram_fraction(...)"
            )
        sample = series.get("value") if isinstance(series, dict) else None
    elif kind == "matrix":
        raise ValueError(
            "the query returned a range vector (matrix); use a range inside a function, "
            "like rate(x[$window]), so that the instant query returns one value"
        )
    else:
        raise ValueError(f"expected resultType 'vector' or 'scalar', got {kind!r}")
    if not (isinstance(sample, list | tuple) and len(sample) == 2):
        raise ValueError(f'expected a sample [<time>, "<value>"], got {sample!r:.200}')
    try:
        value = float(sample[1])
    except (TypeError, ValueError):
        raise ValueError(f"the sample's value is not a number: {sample[1]!r:.100}") from None
    return value if math.isfinite(value) else None


def _labels(series: Any) -> str:
    metric = series.get("metric", {}) if isinstance(series, dict) else {}
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(metric.items())) + "}"
