"""Alert episodes and silences.

An episode is one row of ``alert``: one alert (a fingerprint) from firing to resolved; the
newest row of a fingerprint is its current state. A silence mutes matching alerts between its
start and its end; ending one early moves its end to now and keeps who did it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cockpit.store.tables import Alert, Silence

_alert = Alert.__table__
_silence = Silence.__table__


def _alerts(conn: sa.Connection, query: sa.Select) -> list[Alert]:
    return [Alert.model_validate(row._mapping) for row in conn.execute(query)]


# --- episodes -----------------------------------------------------------------------------------


def latest(conn: sa.Connection) -> dict[str, Alert]:
    """The newest episode of every fingerprint."""
    newest = (
        sa.select(_alert.c.fingerprint, sa.func.max(_alert.c.id).label("id"))
        .group_by(_alert.c.fingerprint)
        .subquery()
    )
    rows = _alerts(conn, sa.select(Alert).join(newest, Alert.id == newest.c.id))
    return {row.fingerprint: row for row in rows}


def get(conn: sa.Connection, alert_id: int) -> Alert | None:
    row = conn.execute(sa.select(Alert).where(Alert.id == alert_id)).first()
    return Alert.model_validate(row._mapping) if row else None


def insert(conn: sa.Connection, values: dict[str, Any]) -> Alert:
    """A new episode; returns it as stored."""
    alert_id = conn.execute(sa.insert(_alert).values(**values)).inserted_primary_key[0]
    return get(conn, alert_id)  # type: ignore[return-value]


def update(conn: sa.Connection, alert_id: int, values: dict[str, Any]) -> Alert:
    """Change an episode; returns it as stored."""
    conn.execute(sa.update(_alert).where(_alert.c.id == alert_id).values(**values))
    return get(conn, alert_id)  # type: ignore[return-value]


def firing(conn: sa.Connection) -> list[Alert]:
    return _alerts(conn, sa.select(Alert).where(Alert.state == "firing"))


def firing_at(conn: sa.Connection, at: datetime) -> set[tuple[str, str]]:
    """``(service, slo)`` of every alert episode firing at ``at`` (started by then, not
    resolved by then)."""
    query = (
        sa.select(_alert.c.service, _alert.c.slo)
        .where(
            (_alert.c.started_at <= at)
            & (_alert.c.resolved_at.is_(None) | (_alert.c.resolved_at > at))
        )
        .distinct()
    )
    return {(service, slo) for service, slo in conn.execute(query)}


def listing(conn: sa.Connection, *, firing_only: bool = True, limit: int = 200) -> list[Alert]:
    """Episodes newest first (only the firing ones by default)."""
    query = sa.select(Alert).order_by(Alert.started_at.desc(), Alert.id.desc()).limit(limit)
    if firing_only:
        query = query.where(Alert.state == "firing")
    return _alerts(conn, query)


def of_incident(conn: sa.Connection, incident_id: int) -> list[Alert]:
    """An incident's alerts, oldest first."""
    query = (
        sa.select(Alert)
        .where(Alert.incident_id == incident_id)
        .order_by(Alert.started_at, Alert.id)
    )
    return _alerts(conn, query)


def of_incidents(conn: sa.Connection, incident_ids: Sequence[int]) -> list[Alert]:
    """The alerts of several incidents, by id."""
    query = sa.select(Alert).where(Alert.incident_id.in_(list(incident_ids))).order_by(Alert.id)
    return _alerts(conn, query)


def ack(conn: sa.Connection, alert_id: int, actor: str, at: datetime) -> bool:
    """Acknowledge the episode unless someone has: True when this call did."""
    claimed = conn.execute(
        sa.update(_alert)
        .where((_alert.c.id == alert_id) & _alert.c.acked_at.is_(None))
        .values(acked_by=actor, acked_at=at)
    ).rowcount
    return claimed == 1


def set_silenced(conn: sa.Connection, alert_id: int, silenced: bool) -> None:
    conn.execute(sa.update(_alert).where(_alert.c.id == alert_id).values(silenced=silenced))


def join_incident(conn: sa.Connection, alert_id: int, incident_id: int) -> None:
    conn.execute(sa.update(_alert).where(_alert.c.id == alert_id).values(incident_id=incident_id))


def firing_in_incident(conn: sa.Connection, incident_id: int) -> int:
    """How many of an incident's alerts still fire."""
    query = sa.select(sa.func.count()).where(
        (_alert.c.incident_id == incident_id) & (_alert.c.state == "firing")
    )
    return int(conn.execute(query).scalar() or 0)


# The thread of an alert's first message: replies (its resolution) go under it. The columns
# are named after Slack, the first notifier that threads.


def remember_thread(
    conn: sa.Connection, alert_ids: Sequence[int], ref: str, channel: str | None
) -> None:
    conn.execute(
        sa.update(_alert)
        .where(_alert.c.id.in_(list(alert_ids)))
        .values(slack_ts=ref, slack_channel=channel)
    )


def thread(conn: sa.Connection, alert_id: int) -> str | None:
    return conn.execute(sa.select(_alert.c.slack_ts).where(_alert.c.id == alert_id)).scalar()


# --- silences -----------------------------------------------------------------------------------


def add_silence(
    conn: sa.Connection,
    *,
    service: str | None,
    slo: str | None,
    severity: str | None,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    created_by: str,
    created_at: datetime,
) -> Silence:
    silence_id = conn.execute(
        sa.insert(_silence).values(
            service=service,
            slo=slo,
            severity=severity,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason,
            created_by=created_by,
            created_at=created_at,
        )
    ).inserted_primary_key[0]
    return silence(conn, silence_id)  # type: ignore[return-value]


def silence(conn: sa.Connection, silence_id: int) -> Silence | None:
    row = conn.execute(sa.select(Silence).where(Silence.id == silence_id)).first()
    return Silence.model_validate(row._mapping) if row else None


def active_silences(conn: sa.Connection, at: datetime) -> list[Silence]:
    """Silences in force at ``at``."""
    query = sa.select(Silence).where((Silence.starts_at <= at) & (Silence.ends_at > at))
    return [Silence.model_validate(row._mapping) for row in conn.execute(query)]


def silences_after(conn: sa.Connection, at: datetime) -> list[Silence]:
    """Silences that have not ended by ``at`` (in force or to come), soonest end first."""
    query = sa.select(Silence).where(Silence.ends_at > at).order_by(Silence.ends_at, Silence.id)
    return [Silence.model_validate(row._mapping) for row in conn.execute(query)]


def end_silence(conn: sa.Connection, silence_id: int, ends_at: datetime, actor: str) -> Silence:
    """Move a silence's end to ``ends_at``, recording who ended it; returns it as stored."""
    conn.execute(
        sa.update(_silence)
        .where(_silence.c.id == silence_id)
        .values(ends_at=ends_at, ended_by=actor)
    )
    return silence(conn, silence_id)  # type: ignore[return-value]
