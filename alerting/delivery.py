"""What one delivery attempt gives back, and the outbox's retry policy: when to try again, when
a claim has expired, when to give up.

Pure: times come in as arguments. The outbox (``cockpit.engine.deliver``) applies these rules
to every sink alike.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Literal

# 4xx answers that say "try again later" rather than "this request is wrong"
RETRYABLE_4XX = {408, 409, 425, 429}
_SECRETISH = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]+|whsec_[A-Za-z0-9+/=]+|/services/[A-Za-z0-9/]+|Bearer [^\s\"']+)"
)

DEFAULT_TIMEOUT = timedelta(seconds=10)  # an attempt's time limit when a sink sets none
STALE_MARGIN = timedelta(seconds=5)
NOT_RETRYABLE_DELAY = timedelta(minutes=5)
# then `failed`: shown in the cockpit, requeued by `deliver --retry-failed`
GIVE_UP_AFTER = timedelta(hours=24)


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


def refused(reason: str) -> DeliveryResult:
    """Not sent at all: a setting to fix (a missing variable, a host not allowed). No quick
    retries, but still retried, never dropped."""
    return DeliveryResult(ok=False, status_code=None, latency_ms=0.0, retryable=False, error=reason)


def short_key(kind: str, key: str) -> str:
    """A stable id from a readable key: the same moment always maps to the same id."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return f"msg_{kind[:5]}_{digest}"


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


def claim_expires(timeout: timedelta) -> timedelta:
    """How long a claim on a row holds: an attempt's time limit plus a margin. A claim older
    than that belongs to a process that died mid-send (a live sender would have recorded its
    attempt by then), so the row is claimed again and sent with the same idempotency key."""
    return timeout + STALE_MARGIN


@dataclass(frozen=True)
class Retry:
    """What becomes of a row after a failed attempt."""

    status: Literal["pending", "failed"]
    next_attempt_at: datetime


def after_failure(
    result: DeliveryResult,
    attempt: int,
    *,
    created_at: datetime,
    now: datetime,
    rand: Callable[[], float] = random.random,
) -> Retry:
    """Backoff (honouring ``Retry-After``); an answer that will not change by itself (a 4xx, a
    missing setting) waits at least :data:`NOT_RETRYABLE_DELAY` for someone to fix it; a row
    queued :data:`GIVE_UP_AFTER` ago is given up on (``failed``)."""
    delay = next_delay_s(attempt, retry_after_s=result.retry_after_s, rand=rand)
    if not result.retryable:
        delay = max(delay, NOT_RETRYABLE_DELAY.total_seconds())
    give_up = now - created_at >= GIVE_UP_AFTER
    return Retry("failed" if give_up else "pending", now + timedelta(seconds=delay))
