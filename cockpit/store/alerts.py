"""Alert episodes and silences."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from cockpit.store.tables import Alert


def firing_at(conn: sa.Connection, at: datetime) -> set[tuple[str, str]]:
    """``(service, slo)`` of every alert episode firing at ``at`` (started by then, not
    resolved by then)."""
    alerts = Alert.__table__
    query = (
        sa.select(alerts.c.service, alerts.c.slo)
        .where(
            (alerts.c.started_at <= at)
            & (alerts.c.resolved_at.is_(None) | (alerts.c.resolved_at > at))
        )
        .distinct()
    )
    return {(service, slo) for service, slo in conn.execute(query)}
