"""Model versions in the prediction log: requests per version per window (the release
timeline), recorded once per window, read back per service."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from cockpit.store.tables import VersionTraffic

_traffic = VersionTraffic.__table__


@dataclass(frozen=True)
class Served:
    """Requests of one version in one window; ``first_at``/``last_at`` None when an engine
    counted them (the window's bounds are then what is known)."""

    rows: int
    first_at: datetime | None = None
    last_at: datetime | None = None


@dataclass(frozen=True)
class TrafficRow:
    window_start: datetime
    window_end: datetime
    version: str
    rows: int
    first_at: datetime | None
    last_at: datetime | None


def record(
    conn: sa.Connection,
    service: str,
    start: datetime,
    end: datetime,
    served: Mapping[str, Served],
) -> None:
    """The versions that served ``[start, end)``, replacing any recorded window it overlaps
    (a cycle run again, or a backfill over recorded history, counts each request once)."""
    conn.execute(
        sa.delete(_traffic).where(
            (_traffic.c.service == service)
            & (_traffic.c.window_start < end)
            & (_traffic.c.window_end > start)
        )
    )
    if not served:
        return
    rows = [
        {
            "service": service,
            "window_start": start,
            "window_end": end,
            "version": version,
            "rows": int(s.rows),
            "first_at": s.first_at,
            "last_at": s.last_at,
        }
        for version, s in served.items()
    ]
    conn.execute(sa.insert(_traffic), rows)


def record_windows(
    conn: sa.Connection,
    service: str,
    windows: Sequence[tuple[datetime, datetime, Mapping[str, Served]]],
) -> None:
    """Many windows at once (a backfill's), replacing what was recorded over their span."""
    if not windows:
        return
    start, end = min(w[0] for w in windows), max(w[1] for w in windows)
    conn.execute(
        sa.delete(_traffic).where(
            (_traffic.c.service == service)
            & (_traffic.c.window_start < end)
            & (_traffic.c.window_end > start)
        )
    )
    rows = [
        {
            "service": service,
            "window_start": w_start,
            "window_end": w_end,
            "version": version,
            "rows": int(s.rows),
            "first_at": s.first_at,
            "last_at": s.last_at,
        }
        for w_start, w_end, served in windows
        for version, s in served.items()
    ]
    if rows:
        conn.execute(sa.insert(_traffic), rows)


def history(conn: sa.Connection, service: str, until: datetime | None = None) -> list[TrafficRow]:
    """Every recorded window of the service (ending by ``until``), oldest first."""
    query = sa.select(
        _traffic.c.window_start,
        _traffic.c.window_end,
        _traffic.c.version,
        _traffic.c.rows,
        _traffic.c.first_at,
        _traffic.c.last_at,
    ).where(_traffic.c.service == service)
    if until is not None:
        query = query.where(_traffic.c.window_end <= until)
    query = query.order_by(_traffic.c.window_start, _traffic.c.version)
    return [TrafficRow(*row) for row in conn.execute(query)]


def newest_end(conn: sa.Connection, service: str, until: datetime) -> datetime | None:
    """The end of the newest window recorded for the service by ``until``."""
    query = sa.select(sa.func.max(_traffic.c.window_end)).where(
        (_traffic.c.service == service) & (_traffic.c.window_end <= until)
    )
    return conn.execute(query).scalar()
