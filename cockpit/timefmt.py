"""Times as the cockpit reads and writes them: one owner for the clock and the formats.

- :func:`utcnow`: the wall clock, timezone-aware UTC (the pure packages never call it: they
  are given their time);

- :func:`iso`: ISO 8601 in UTC with a ``Z`` (``2026-10-10T14:00:00Z``), what JSON, logs and
  payloads carry;
- :func:`minutes`: ``2026-10-10 14:00 UTC``, for people (timeline lines, labels, messages).
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def iso_or_none(value: datetime | None) -> str | None:
    return None if value is None else iso(value)


def minutes(value: datetime) -> str:
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
