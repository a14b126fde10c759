"""The outbox's retry policy: backoff with jitter, Retry-After, claims that expire, giving up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerting.delivery import (
    GIVE_UP_AFTER,
    NOT_RETRYABLE_DELAY,
    DeliveryResult,
    Retry,
    after_failure,
    claim_expires,
    next_delay_s,
    parse_retry_after,
    refused,
    short_key,
)

NOW = datetime(2026, 10, 10, 14, tzinfo=UTC)
FAILED = DeliveryResult(ok=False, status_code=500, latency_ms=3.0, error="HTTP 500")


@pytest.mark.parametrize(
    ("attempt", "rand", "retry_after", "delay"),
    [(1, 1.0, None, 1.0), (4, 0.5, None, 4.0), (30, 1.0, None, 3600.0), (1, 0.0, 7.0, 7.0)],
    ids=[
        "the first retry waits up to a second",
        "each attempt doubles the ceiling, jittered",
        "the ceiling stops at an hour",
        "Retry-After is a floor",
    ],
)
def test_next_delay(attempt: int, rand: float, retry_after: float | None, delay: float) -> None:
    assert next_delay_s(attempt, retry_after_s=retry_after, rand=lambda: rand) == delay


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Sat, 10 Oct 2026 14:00:30 GMT", now=NOW) == 30.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_a_failure_is_retried_after_its_backoff() -> None:
    retry = after_failure(FAILED, 3, created_at=NOW - timedelta(minutes=1), now=NOW, rand=lambda: 1)
    assert retry == Retry("pending", NOW + timedelta(seconds=4))


def test_a_refusal_waits_for_someone_to_fix_the_setting() -> None:
    result = refused("environment variable X is not set")
    assert (result.ok, result.retryable, result.status_code) == (False, False, None)
    retry = after_failure(result, 1, created_at=NOW, now=NOW, rand=lambda: 1)
    assert retry == Retry("pending", NOW + NOT_RETRYABLE_DELAY)


def test_a_row_queued_a_day_ago_is_given_up_on() -> None:
    retry = after_failure(FAILED, 40, created_at=NOW - GIVE_UP_AFTER, now=NOW, rand=lambda: 0)
    assert retry.status == "failed"


def test_a_claim_holds_for_the_attempts_time_limit_and_a_margin() -> None:
    assert claim_expires(timedelta(seconds=2)) == timedelta(seconds=7)


def test_a_readable_key_maps_to_one_stable_id() -> None:
    key = short_key("slack", "fire-loan-page-2026-10-10T14:00:00Z")
    assert key == short_key("slack", "fire-loan-page-2026-10-10T14:00:00Z")
    assert key.startswith("msg_slack_") and len(key) == len("msg_slack_") + 24
    assert key != short_key("slack", "fire-loan-page-2026-10-10T14:05:00Z")
