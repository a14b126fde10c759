"""What one delivery attempt gives back, retry timing, and the outgoing-host allowlist."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

# 4xx answers that say "try again later" rather than "this request is wrong"
RETRYABLE_4XX = {408, 409, 425, 429}
_SECRETISH = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]+|whsec_[A-Za-z0-9+/=]+|/services/[A-Za-z0-9/]+|Bearer [^\s\"']+)"
)


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    status_code: int | None  # None: no response (timeout, refused)
    latency_ms: float
    retry_after_s: float | None = None
    retryable: bool = True
    response_excerpt: str = ""
    error: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def redact(text: str) -> str:
    """Tokens, signing secrets, Slack webhook paths and bearer tokens replaced by ``***``."""
    return _SECRETISH.sub("***", text)


def excerpt(text: str, limit: int = 300) -> str:
    return redact(text[:limit])


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from now: a number of seconds or an HTTP date (RFC 9110)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def next_delay_s(
    attempt: int,
    *,
    base_s: float = 1.0,
    cap_s: float = 3600.0,
    retry_after_s: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float:
    """Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
    Jitter"): ``uniform(0, min(cap, base * 2**(attempt-1)))``; a ``Retry-After`` is a floor."""
    ceiling = min(cap_s, base_s * 2 ** max(attempt - 1, 0))
    delay = rand() * ceiling
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, cap_s))
    return delay
