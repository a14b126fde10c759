"""The outbox: every message and call to deliver, written before it is sent, and each attempt.

A row is ``pending`` (due at ``next_attempt_at``), ``sending`` (claimed at ``claimed_at`` by
one process), ``delivered`` or ``failed`` (given up on; requeued by hand). Claiming is one
conditional update, so two processes never send a row at once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cockpit.store.tables import DeliveryAttempt, Outbox
from cockpit.store.types import utcnow

_outbox = Outbox.__table__
_attempt = DeliveryAttempt.__table__


@dataclass(frozen=True)
class Due:
    """A row that may be sent now: pending and due, or claimed (taken over once the claim
    has expired)."""

    id: int
    kind: str
    target: str
    claimed_at: datetime | None  # None: pending


def add(
    conn: sa.Connection,
    kind: str,
    target: str,
    key: str,
    payload: dict[str, Any],
    *,
    alert_id: int | None = None,
    action_id: int | None = None,
    thread_alert_id: int | None = None,
) -> int:
    """Queue a row, once per idempotency key: the id of the row with ``key``, new or not."""
    exists = conn.execute(
        sa.select(_outbox.c.id).where(_outbox.c.idempotency_key == key)
    ).scalar_one_or_none()
    if exists is not None:
        return exists  # the same message for the same moment: queued once
    now = utcnow()
    return conn.execute(
        sa.insert(_outbox).values(
            idempotency_key=key,
            kind=kind,
            target=target,
            payload=json.dumps(payload, default=str),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            alert_id=alert_id,
            action_id=action_id,
            thread_alert_id=thread_alert_id,
        )
    ).inserted_primary_key[0]


def due(conn: sa.Connection, now: datetime) -> list[Due]:
    """Pending rows due by ``now`` and claimed rows, by id."""
    query = (
        sa.select(
            _outbox.c.id, _outbox.c.status, _outbox.c.kind, _outbox.c.target, _outbox.c.claimed_at
        )
        .where(
            ((_outbox.c.status == "pending") & (_outbox.c.next_attempt_at <= now))
            | (_outbox.c.status == "sending")
        )
        .order_by(_outbox.c.id)
    )
    return [
        Due(r.id, r.kind, r.target, None if r.status == "pending" else r.claimed_at)
        for r in conn.execute(query)
    ]


def next_due(conn: sa.Connection) -> datetime | None:
    """When the soonest pending row is due."""
    query = sa.select(sa.func.min(_outbox.c.next_attempt_at)).where(_outbox.c.status == "pending")
    return conn.execute(query).scalar()  # min() keeps the column's type: an aware time


def where(conn: sa.Connection, outbox_id: int) -> tuple[str, str] | None:
    """A row's ``(kind, target)``."""
    row = conn.execute(
        sa.select(_outbox.c.kind, _outbox.c.target).where(_outbox.c.id == outbox_id)
    ).first()
    return (row.kind, row.target) if row else None


def claim(
    conn: sa.Connection, outbox_id: int, now: datetime, expired_before: datetime
) -> Outbox | None:
    """Take the row for sending when it is due, or claimed before ``expired_before``; None
    when another process has it or it is not due any more."""
    claimed = conn.execute(
        sa.update(_outbox)
        .where(
            (_outbox.c.id == outbox_id)
            & (
                ((_outbox.c.status == "pending") & (_outbox.c.next_attempt_at <= now))
                | ((_outbox.c.status == "sending") & (_outbox.c.claimed_at <= expired_before))
            )
        )
        .values(status="sending", claimed_at=now)
    ).rowcount
    if claimed != 1:
        return None
    row = conn.execute(sa.select(Outbox).where(Outbox.id == outbox_id)).one()
    return Outbox.model_validate(row._mapping)


def record_attempt(
    conn: sa.Connection,
    outbox_id: int,
    attempt: int,
    at: datetime,
    *,
    ok: bool,
    status_code: int | None,
    latency_ms: float,
    error: str | None,
    response_excerpt: str | None,
) -> None:
    conn.execute(
        sa.insert(_attempt).values(
            outbox_id=outbox_id,
            attempt=attempt,
            at=at,
            ok=ok,
            status_code=status_code,
            latency_ms=latency_ms,
            error=error,
            response_excerpt=(response_excerpt or "")[:500] or None,
        )
    )


def delivered(
    conn: sa.Connection, outbox_id: int, attempts: int, at: datetime, meta: dict[str, Any]
) -> None:
    conn.execute(
        sa.update(_outbox)
        .where(_outbox.c.id == outbox_id)
        .values(
            status="delivered",
            attempts=attempts,
            delivered_at=at,
            last_error=None,
            meta=json.dumps(meta),
        )
    )


def not_delivered(
    conn: sa.Connection,
    outbox_id: int,
    attempts: int,
    *,
    status: str,
    next_attempt_at: datetime,
    error: str,
) -> None:
    """After a failed attempt: pending again (retried at ``next_attempt_at``) or failed."""
    conn.execute(
        sa.update(_outbox)
        .where(_outbox.c.id == outbox_id)
        .values(status=status, attempts=attempts, next_attempt_at=next_attempt_at, last_error=error)
    )


def requeue_failed(conn: sa.Connection, now: datetime) -> int:
    """Every failed row pending again, as if queued ``now``; how many."""
    return conn.execute(
        sa.update(_outbox)
        .where(_outbox.c.status == "failed")
        .values(status="pending", next_attempt_at=now, created_at=now)
    ).rowcount


# --- reads ------------------------------------------------------------------------------------

LOG_COLUMNS = (
    "id",
    "kind",
    "target",
    "status",
    "attempts",
    "created_at",
    "next_attempt_at",
    "delivered_at",
    "last_error",
    "alert_id",
    "action_id",
    "idempotency_key",
)
ATTEMPT_COLUMNS = (
    "outbox_id",
    "kind",
    "target",
    "attempt",
    "at",
    "ok",
    "status_code",
    "latency_ms",
    "error",
)


def log(conn: sa.Connection, *, limit: int = 200) -> list[tuple[Any, ...]]:
    """Rows newest first, as :data:`LOG_COLUMNS`."""
    query = (
        sa.select(*(_outbox.c[name] for name in LOG_COLUMNS))
        .order_by(_outbox.c.created_at.desc(), _outbox.c.id.desc())
        .limit(limit)
    )
    return [tuple(row) for row in conn.execute(query)]


def attempts(
    conn: sa.Connection, *, outbox_id: int | None = None, limit: int = 500
) -> list[tuple[Any, ...]]:
    """Delivery attempts newest first, as :data:`ATTEMPT_COLUMNS`."""
    query = sa.select(
        _attempt.c.outbox_id,
        _outbox.c.kind,
        _outbox.c.target,
        _attempt.c.attempt,
        _attempt.c.at,
        _attempt.c.ok,
        _attempt.c.status_code,
        _attempt.c.latency_ms,
        _attempt.c.error,
    ).join(_outbox, _outbox.c.id == _attempt.c.outbox_id)
    if outbox_id is not None:
        query = query.where(_attempt.c.outbox_id == outbox_id)
    query = query.order_by(_attempt.c.at.desc(), _attempt.c.id.desc()).limit(limit)
    return [tuple(row) for row in conn.execute(query)]


def attempt_counts(conn: sa.Connection, outbox_ids: Sequence[int]) -> dict[int, int]:
    """``{outbox id: attempts so far}``."""
    if not outbox_ids:
        return {}
    query = sa.select(_outbox.c.id, _outbox.c.attempts).where(_outbox.c.id.in_(list(outbox_ids)))
    return {outbox_id: n for outbox_id, n in conn.execute(query)}
