"""Actions: retrains, rollbacks and custom actions, fired by alert rules or by an operator.

An action's call is one outbox row (``outbox_id``); the action follows it (``delivered``,
``failed``). Also what an action's payload reads of the other aggregates: the SLO's newest burn
rates and the newest ok run of a kind.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cockpit.store.tables import ActionRecord, Outbox, SloEvaluation

_action = ActionRecord.__table__
_outbox = Outbox.__table__


def _actions(conn: sa.Connection, query: sa.Select) -> list[ActionRecord]:
    return [ActionRecord.model_validate(row._mapping) for row in conn.execute(query)]


def get(conn: sa.Connection, action_id: int) -> ActionRecord | None:
    row = conn.execute(sa.select(ActionRecord).where(ActionRecord.id == action_id)).first()
    return ActionRecord.model_validate(row._mapping) if row else None


def exists(conn: sa.Connection, key: str) -> bool:
    """An action with this idempotency key was recorded."""
    query = sa.select(_action.c.id).where(_action.c.idempotency_key == key)
    return conn.execute(query).scalar_one_or_none() is not None


def insert(conn: sa.Connection, values: dict[str, Any]) -> int:
    return int(conn.execute(sa.insert(_action).values(**values)).inserted_primary_key[0])


def usage(
    conn: sa.Connection, service: str, rule: int, states: Sequence[str], since: datetime
) -> tuple[datetime | None, int]:
    """Of one rule's actions in ``states``: when the newest was created, and how many were
    created after ``since``."""
    same = (_action.c.service == service) & (_action.c.rule == rule) & _action.c.status.in_(states)
    last = conn.execute(sa.select(sa.func.max(_action.c.created_at)).where(same)).scalar()
    count = conn.execute(
        sa.select(sa.func.count()).where(same & (_action.c.created_at > since))
    ).scalar()
    return last, int(count or 0)


def watched(conn: sa.Connection) -> list[ActionRecord]:
    """Actions whose SLO is watched for recovery: neither verified nor escalated yet."""
    query = sa.select(ActionRecord).where(
        _action.c.verify_by.is_not(None)
        & _action.c.verified_at.is_(None)
        & _action.c.escalated_at.is_(None)
    )
    return _actions(conn, query)


def _set(conn: sa.Connection, action_id: int, **values: Any) -> None:
    conn.execute(sa.update(_action).where(_action.c.id == action_id).values(**values))


def verified(conn: sa.Connection, action_id: int, at: datetime) -> None:
    _set(conn, action_id, verified_at=at)


def escalated(conn: sa.Connection, action_id: int, at: datetime) -> None:
    _set(conn, action_id, escalated_at=at)


def approve(
    conn: sa.Connection, action_id: int, actor: str, at: datetime, verify_by: datetime | None
) -> None:
    _set(
        conn,
        action_id,
        status="queued",
        approved_by=actor,
        approved_at=at,
        verify_by=verify_by,
    )


def set_status(conn: sa.Connection, action_id: int, status: str, reason: str | None = None) -> None:
    """``delivered``, or ``failed`` with why."""
    if reason is None:
        _set(conn, action_id, status=status)
    else:
        _set(conn, action_id, status=status, reason=reason)


def link_call(conn: sa.Connection, action_id: int, outbox_id: int) -> None:
    """The outbox row that makes the action's call."""
    _set(conn, action_id, outbox_id=outbox_id)


def calling(conn: sa.Connection, outbox_id: int) -> int | None:
    """The action whose call the outbox row makes, if any."""
    return conn.execute(sa.select(_action.c.id).where(_action.c.outbox_id == outbox_id)).scalar()


# --- reads ------------------------------------------------------------------------------------


def listing(conn: sa.Connection, *, limit: int = 200) -> list[ActionRecord]:
    """Actions newest first."""
    query = (
        sa.select(ActionRecord)
        .order_by(ActionRecord.created_at.desc(), ActionRecord.id.desc())
        .limit(limit)
    )
    return _actions(conn, query)


def by_ids(conn: sa.Connection, action_ids: Sequence[int]) -> list[ActionRecord]:
    query = sa.select(ActionRecord).where(_action.c.id.in_(list(action_ids))).order_by(_action.c.id)
    return _actions(conn, query)


def last_of_rule(conn: sa.Connection, service: str, rule: int) -> dict[str, Any] | None:
    """``id, status, created_at, approved_by`` of the newest action of one rule."""
    query = (
        sa.select(_action.c.id, _action.c.status, _action.c.created_at, _action.c.approved_by)
        .where((_action.c.service == service) & (_action.c.rule == rule))
        .order_by(_action.c.created_at.desc(), _action.c.id.desc())
        .limit(1)
    )
    row = conn.execute(query).first()
    return dict(row._mapping) if row else None


@dataclass(frozen=True)
class Call:
    """Where an action's call stands in the outbox."""

    outbox_id: int
    attempts: int
    status: str
    last_error: str | None


def calls(conn: sa.Connection, action_ids: Sequence[int]) -> dict[int, Call]:
    """``{action id: its call}`` for the actions that have one."""
    query = (
        sa.select(
            _action.c.id,
            _outbox.c.id.label("outbox_id"),
            _outbox.c.attempts,
            _outbox.c.status,
            _outbox.c.last_error,
        )
        .join(_outbox, _outbox.c.id == _action.c.outbox_id)
        .where(_action.c.id.in_(list(action_ids)))
    )
    return {
        r.id: Call(r.outbox_id, int(r.attempts), r.status, r.last_error)
        for r in conn.execute(query)
    }


# --- what an action's payload reads of evaluations and runs ------------------------------------


def burn_rates_at(conn: sa.Connection, service: str, slo: str, at: datetime) -> dict[str, Any]:
    """The burn rates of the SLO's newest evaluation at or before ``at`` ({} when none)."""
    table = SloEvaluation.__table__
    query = (
        sa.select(table.c.burn_rates)
        .where((table.c.service == service) & (table.c.slo == slo) & (table.c.at <= at))
        .order_by(table.c.at.desc())
        .limit(1)
    )
    text = conn.execute(query).scalar()
    return json.loads(text) if text else {}
