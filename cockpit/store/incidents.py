"""Incidents, their timelines and postmortems.

An incident is ``open``, ``mitigated``, ``resolved``, ``postmortem_in_review`` or ``closed``;
the first two are open (alerts of its service join it). Its postmortem is JSON of the
template's fields (:data:`TEMPLATE_FIELDS`, and ``action_items``), and ``version`` counts its
saves: a save based on an older version than the stored one changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cockpit.store.tables import Incident, IncidentEvent, MonitorRun

STATUSES = ("open", "mitigated", "resolved", "postmortem_in_review", "closed")
OPEN_STATUSES = ("open", "mitigated")
# the postmortem template's fields, and its action items'
TEMPLATE_FIELDS = (
    "summary",
    "impact",
    "root_causes",
    "trigger",
    "detection",
    "resolution",
    "lessons_went_well",
    "lessons_went_wrong",
    "lessons_got_lucky",
)
ACTION_ITEM_FIELDS = ("description", "owner", "kind", "priority", "due", "status")

_incident = Incident.__table__
_event = IncidentEvent.__table__


def get(conn: sa.Connection, incident_id: int) -> Incident | None:
    row = conn.execute(sa.select(Incident).where(Incident.id == incident_id)).first()
    return Incident.model_validate(row._mapping) if row else None


def newest_open(
    conn: sa.Connection, service: str, *, opened_by: datetime | None = None
) -> int | None:
    """The service's newest open incident (opened by ``opened_by``, when given)."""
    where = (_incident.c.service == service) & _incident.c.status.in_(OPEN_STATUSES)
    if opened_by is not None:
        where &= _incident.c.opened_at <= opened_by
    query = sa.select(_incident.c.id).where(where).order_by(_incident.c.opened_at.desc()).limit(1)
    return conn.execute(query).scalar()


def open_among(conn: sa.Connection, incident_ids: Sequence[int]) -> list[int]:
    """Which of these incidents are open."""
    query = sa.select(_incident.c.id).where(
        _incident.c.id.in_(list(incident_ids)) & _incident.c.status.in_(OPEN_STATUSES)
    )
    return list(conn.execute(query).scalars())


def open_incident(
    conn: sa.Connection, service: str, title: str, severity: str, at: datetime
) -> int:
    query = sa.insert(_incident).values(
        service=service, title=title, severity=severity, status="open", opened_at=at, version=1
    )
    return int(conn.execute(query).inserted_primary_key[0])


def set_status(
    conn: sa.Connection,
    incident_id: int,
    status: str,
    at: datetime,
    *,
    actor: str | None = None,
) -> None:
    """Move the incident to ``status`` at ``at``: its time of mitigation, resolution or closing
    is stamped; a person's change also records who made it."""
    values: dict[str, Any] = {"status": status}
    stamp = {"mitigated": "mitigated_at", "resolved": "resolved_at", "closed": "closed_at"}
    if status in stamp:
        values[stamp[status]] = at
    if actor is not None:
        values.update(updated_at=at, updated_by=actor)
    conn.execute(sa.update(_incident).where(_incident.c.id == incident_id).values(**values))


def add_event(
    conn: sa.Connection,
    incident_id: int,
    at: datetime,
    kind: str,
    text: str,
    *,
    actor: str | None = None,
    alert_id: int | None = None,
    action_id: int | None = None,
) -> None:
    """One line of the incident's timeline."""
    conn.execute(
        sa.insert(_event).values(
            incident_id=incident_id,
            at=at,
            kind=kind,
            text=text,
            actor=actor,
            alert_id=alert_id,
            action_id=action_id,
        )
    )


def events(conn: sa.Connection, incident_id: int) -> list[IncidentEvent]:
    """The timeline, in time order."""
    query = (
        sa.select(IncidentEvent)
        .where(IncidentEvent.incident_id == incident_id)
        .order_by(IncidentEvent.at, IncidentEvent.id)
    )
    return [IncidentEvent.model_validate(r._mapping) for r in conn.execute(query)]


def listing(conn: sa.Connection, *, limit: int = 200) -> list[Incident]:
    """Incidents newest first."""
    query = sa.select(Incident).order_by(Incident.opened_at.desc(), Incident.id.desc()).limit(limit)
    return [Incident.model_validate(r._mapping) for r in conn.execute(query)]


def save_postmortem(
    conn: sa.Connection,
    incident_id: int,
    fields: dict[str, Any],
    *,
    based_on_version: int,
    actor: str,
    at: datetime,
) -> bool:
    """Merge ``fields`` into the stored postmortem as the next version, if the stored one is
    still ``based_on_version``: False (and nothing written) when it is not."""
    stored = conn.execute(
        sa.select(_incident.c.postmortem).where(_incident.c.id == incident_id)
    ).scalar()
    merged = {**(json.loads(stored) if stored else {}), **fields}
    changed = conn.execute(
        sa.update(_incident)
        .where((_incident.c.id == incident_id) & (_incident.c.version == based_on_version))
        .values(
            postmortem=json.dumps(merged),
            version=based_on_version + 1,
            updated_at=at,
            updated_by=actor,
        )
    ).rowcount
    return changed == 1


def newest_window_end(conn: sa.Connection, service: str) -> datetime | None:
    """The newest window end of the service's runs: what an open incident is counted to."""
    table = MonitorRun.__table__
    query = sa.select(sa.func.max(table.c.window_end)).where(table.c.service == service)
    return conn.execute(query).scalar()
