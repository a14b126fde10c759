"""One HTTP attempt for the sinks that speak plain HTTP (webhooks, Alertmanager, PagerDuty):
a prepared request that never shows its credentials, and a send that never raises."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from alerting import delivery

SECRET_HEADERS = ("authorization",)


@dataclass(frozen=True)
class PreparedRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes

    def __repr__(self) -> str:
        headers = {
            k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in self.headers.items()
        }
        return f"PreparedRequest({self.method} {self.url}, headers={headers}, body={len(self.body)} bytes)"

    __str__ = __repr__


def post(request: PreparedRequest, *, timeout_s: float = 10.0) -> delivery.DeliveryResult:
    """One attempt; never raises. Success is a 2xx answer."""
    return exchange(request, timeout_s=timeout_s)[0]


def exchange(
    request: PreparedRequest, *, timeout_s: float = 10.0
) -> tuple[delivery.DeliveryResult, Any]:
    """One attempt and the answer's JSON (None when there is none, or it is not JSON)."""
    started = time.perf_counter()
    try:
        with httpx.Client(timeout=httpx.Timeout(timeout_s), follow_redirects=False) as client:
            response = client.request(
                request.method, request.url, headers=request.headers, content=request.body
            )
    except httpx.TimeoutException:
        return delivery.DeliveryResult(
            False, None, _ms(started), error=f"timed out after {timeout_s:g}s"
        ), None
    except httpx.HTTPError as exc:
        return delivery.DeliveryResult(
            False, None, _ms(started), error=delivery.redact(f"{exc.__class__.__name__}: {exc}")
        ), None
    status = response.status_code
    ok = 200 <= status < 300
    retry_after = (
        delivery.parse_retry_after(response.headers.get("retry-after"))
        if status in (429, 503)
        else None
    )
    try:
        answer = response.json()
    except ValueError:
        answer = None
    return delivery.DeliveryResult(
        ok=ok,
        status_code=status,
        latency_ms=_ms(started),
        retry_after_s=retry_after,
        retryable=ok or status >= 500 or status in delivery.RETRYABLE_4XX,
        response_excerpt=delivery.excerpt(response.text),
        error=None if ok else f"HTTP {status}",
    ), answer


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
