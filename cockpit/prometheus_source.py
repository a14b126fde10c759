"""SLIs a serving stack already exports, read from Prometheus's HTTP API at a window's end.

``query`` gives one value (``slis["value"]``); ``good_query`` and ``total_query`` give event
counts for an occurrence SLO (``good``/``total`` and ``slis["good_share"]``). ``$window`` in a
query becomes the window's length, e.g. ``sum(increase(http_requests_total[$window]))``.
"""

from __future__ import annotations

import os
from datetime import datetime

import httpx

from cockpit.durations import format_duration
from cockpit.errors import SourceError
from cockpit.kinds.system import PrometheusQuery
from monitors.base import MonitorResult
from monitors.system import prometheus_result_value, prometheus_window_query


def _base_url(spec: PrometheusQuery) -> str:
    if spec.url_env is not None:
        url = os.environ.get(spec.url_env)
        if not url:
            raise SourceError(
                f"Prometheus: environment variable {spec.url_env} is not set (it holds the URL)"
            )
        return url.rstrip("/")
    return (spec.url or "").rstrip("/")


def instant_query(base_url: str, promql: str, at: datetime, timeout_s: float) -> float | None:
    """One instant query at ``at``; SourceError names the server and the query on failure."""
    try:
        response = httpx.get(
            f"{base_url}/api/v1/query",
            params={"query": promql, "time": f"{at.timestamp():.3f}"},
            timeout=timeout_s,
        )
    except httpx.HTTPError as exc:
        raise SourceError(f"Prometheus at {base_url}: {exc.__class__.__name__}: {exc}") from None
    try:
        body = response.json()
    except ValueError:
        raise SourceError(
            f"Prometheus at {base_url}: HTTP {response.status_code}, not JSON: {response.text[:200]!r}"
        ) from None
    try:
        return prometheus_result_value(body)
    except ValueError as exc:
        raise SourceError(f"Prometheus at {base_url}, query {promql!r}: {exc}") from None


def query_window(spec: PrometheusQuery, start: datetime, end: datetime) -> MonitorResult:
    base = _base_url(spec)
    window = format_duration(end - start)
    timeout = spec.timeout.total_seconds()
    if spec.query is not None:
        value = instant_query(base, prometheus_window_query(spec.query, window), end, timeout)
        if value is None:
            return MonitorResult.no_data("the query returned no sample", query=spec.query)
        return MonitorResult(status="ok", slis={"value": value}, details={"query": spec.query})
    good = instant_query(base, prometheus_window_query(spec.good_query or "", window), end, timeout)
    total = instant_query(
        base, prometheus_window_query(spec.total_query or "", window), end, timeout
    )
    if good is None or total is None or total == 0:
        return MonitorResult.no_data("no events in the window", good=good, total=total)
    return MonitorResult(
        status="ok",
        slis={"good_share": good / total, "value": good / total},
        good=good,
        total=total,
        details={"good_query": spec.good_query, "total_query": spec.total_query},
    )
