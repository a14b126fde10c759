"""Daemon heartbeats: which ``cockpit serve`` processes are alive, in which role."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from cockpit.store.tables import DaemonHeartbeat
from cockpit.store.types import utcnow


def beat(
    conn: sa.Connection,
    host: str,
    pid: int,
    role: str,
    started_at: datetime,
    at: datetime | None = None,
) -> None:
    """Record that the daemon ``(host, pid)`` is alive in ``role``; forget processes not
    heard from in a day."""
    table = DaemonHeartbeat.__table__
    at = at or utcnow()
    mine = (table.c.host == host) & (table.c.pid == pid)
    updated = conn.execute(sa.update(table).where(mine).values(role=role, beat_at=at)).rowcount
    if not updated:
        conn.execute(
            sa.insert(table).values(
                host=host, pid=pid, role=role, started_at=started_at, beat_at=at
            )
        )
    conn.execute(sa.delete(table).where(table.c.beat_at < at - timedelta(days=1)))


def all_beats(conn: sa.Connection) -> list[dict[str, Any]]:
    """Every daemon heard from in the last day, most recent first."""
    table = DaemonHeartbeat.__table__
    query = sa.select(table).order_by(table.c.beat_at.desc())
    return [dict(row._mapping) for row in conn.execute(query)]
