"""Retention: what may be deleted of the runs (with their SLI values) and SLO evaluations, and
deleting it in short batches.

Every query goes through the unique indexes (service, monitor, window end) and (service, slo,
at): the series in the store are found by skipping from one to the next in the index, and
each series' old rows are a range at its start. Nothing scans a whole table.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cockpit.store.incidents import OPEN_STATUSES
from cockpit.store.tables import (
    ActionRecord,
    Alert,
    Incident,
    MonitorRun,
    Outbox,
    SliMeasurement,
    SloEvaluation,
)

_runs = MonitorRun.__table__
_measurements = SliMeasurement.__table__
_evaluations = SloEvaluation.__table__
UNSENT = ("pending", "sending")  # an outbox row the deliverer will still send


def series(conn: sa.Connection, kind: str) -> Iterator[tuple[str, str]]:
    """Every (service, monitor) with runs (``kind="runs"``) or (service, slo) with evaluations
    (``"evaluations"``), in order: one index seek each, never a scan of the table."""
    table, second = (_runs, "monitor") if kind == "runs" else (_evaluations, "slo")
    a, b = table.c.service, table.c[second]
    after: tuple[str, str] | None = None
    while True:
        query = sa.select(a, b).order_by(a, b).limit(1)
        if after is not None:
            query = query.where(sa.tuple_(a, b) > sa.tuple_(*after))
        row = conn.execute(query).first()
        if row is None:
            return
        after = (row[0], row[1])
        yield after


def newest_kept_run(conn: sa.Connection, service: str, monitor: str) -> datetime | None:
    """The window end of the monitor's newest ok run (its newest run when none is ok): what a
    monitor's staleness is judged by, so it is never deleted, however old."""
    where = (_runs.c.service == service) & (_runs.c.monitor == monitor)
    newest_ok = sa.select(sa.func.max(_runs.c.window_end)).where(where & (_runs.c.status == "ok"))
    found = conn.execute(newest_ok).scalar()
    if found is None:
        found = conn.execute(sa.select(sa.func.max(_runs.c.window_end)).where(where)).scalar()
    return found


def newest_evaluation(conn: sa.Connection, service: str, slo: str) -> datetime | None:
    """When the SLO was last evaluated: that evaluation is what the overview shows."""
    where = (_evaluations.c.service == service) & (_evaluations.c.slo == slo)
    return conn.execute(sa.select(sa.func.max(_evaluations.c.at)).where(where)).scalar()


def referenced_since(conn: sa.Connection) -> dict[str, datetime]:
    """``{service: since}``: the oldest moment something still open refers to, per service:
    an open incident's opening, the start of a firing alert nobody acknowledged, and an
    outbox row still to send (its own creation, or its alert's start)."""
    incident, alert, outbox, action = (
        Incident.__table__,
        Alert.__table__,
        Outbox.__table__,
        ActionRecord.__table__,
    )
    found: list[tuple[str, datetime]] = []
    found += conn.execute(
        sa.select(incident.c.service, sa.func.min(incident.c.opened_at))
        .where(incident.c.status.in_(OPEN_STATUSES))
        .group_by(incident.c.service)
    ).all()
    found += conn.execute(
        sa.select(alert.c.service, sa.func.min(alert.c.started_at))
        .where((alert.c.state == "firing") & alert.c.acked_at.is_(None))
        .group_by(alert.c.service)
    ).all()
    unsent = (
        sa.select(
            sa.func.coalesce(alert.c.service, action.c.service).label("service"),
            outbox.c.created_at,
            alert.c.started_at,
        )
        .select_from(outbox)
        .outerjoin(alert, alert.c.id == outbox.c.alert_id)
        .outerjoin(action, action.c.id == outbox.c.action_id)
        .where(outbox.c.status.in_(UNSENT))
    )
    for service, created_at, started_at in conn.execute(unsent):
        if service is not None:
            found.append((service, min(t for t in (created_at, started_at) if t is not None)))
    since: dict[str, datetime] = {}
    for service, at in found:
        if service not in since or at < since[service]:
            since[service] = at
    return since


def count_runs(
    conn: sa.Connection, service: str, monitor: str, before: datetime
) -> tuple[int, int]:
    """``(runs, SLI values)`` of the monitor with a window ending before ``before``."""
    old = _old_runs(service, monitor, before)
    runs = conn.execute(sa.select(sa.func.count()).select_from(old.subquery())).scalar() or 0
    values = conn.execute(
        sa.select(sa.func.count())
        .select_from(_measurements)
        .where(_measurements.c.run_id.in_(sa.select(old.subquery().c.id)))
    ).scalar()
    return int(runs), int(values or 0)


def delete_runs(
    conn: sa.Connection, service: str, monitor: str, before: datetime, limit: int
) -> tuple[int, int]:
    """Delete the oldest ``limit`` of those runs and their SLI values: ``(runs, values)``."""
    ids = [row[0] for row in conn.execute(_old_runs(service, monitor, before).limit(limit))]
    if not ids:
        return 0, 0
    values = conn.execute(sa.delete(_measurements).where(_measurements.c.run_id.in_(ids)))
    runs = conn.execute(sa.delete(_runs).where(_runs.c.id.in_(ids)))
    return runs.rowcount, values.rowcount


def count_evaluations(conn: sa.Connection, service: str, slo: str, before: datetime) -> int:
    """Evaluations of the SLO made before ``before``."""
    old = _old_evaluations(service, slo, before).subquery()
    return int(conn.execute(sa.select(sa.func.count()).select_from(old)).scalar() or 0)


def delete_evaluations(
    conn: sa.Connection, service: str, slo: str, before: datetime, limit: int
) -> int:
    """Delete the oldest ``limit`` of those evaluations; how many."""
    ids = [row[0] for row in conn.execute(_old_evaluations(service, slo, before).limit(limit))]
    if not ids:
        return 0
    return conn.execute(sa.delete(_evaluations).where(_evaluations.c.id.in_(ids))).rowcount


def _old_runs(service: str, monitor: str, before: datetime) -> Any:
    return (
        sa.select(_runs.c.id)
        .where(
            (_runs.c.service == service)
            & (_runs.c.monitor == monitor)
            & (_runs.c.window_end < before)
        )
        .order_by(_runs.c.window_end)
    )


def _old_evaluations(service: str, slo: str, before: datetime) -> Any:
    return (
        sa.select(_evaluations.c.id)
        .where(
            (_evaluations.c.service == service)
            & (_evaluations.c.slo == slo)
            & (_evaluations.c.at < before)
        )
        .order_by(_evaluations.c.at)
    )
