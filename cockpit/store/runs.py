"""Runs and their SLI measurements: one run per (service, monitor, window end)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cockpit.store.newest import newest_ids
from cockpit.store.records import RunRecord
from cockpit.store.tables import MonitorRun, SliMeasurement, SliName, SloEvaluation
from cockpit.store.types import utcnow

COMPACT = (",", ":")  # JSON without the spaces after separators: the same values, fewer bytes


def save(conn: sa.Connection, records: Sequence[RunRecord]) -> list[int]:
    """Insert or replace runs by (service, monitor, window end), in the caller's transaction (backfills): one query finds the
    runs that exist, new runs go in with one multi-row insert."""
    runs, measurements = MonitorRun.__table__, SliMeasurement.__table__
    if not records:
        return []
    existing: dict[tuple[str, str, datetime], int] = {}
    for service, monitor in {(r.service, r.monitor) for r in records}:
        ends = [r.window_end for r in records if (r.service, r.monitor) == (service, monitor)]
        found = conn.execute(
            sa.select(runs.c.id, runs.c.window_end).where(
                (runs.c.service == service)
                & (runs.c.monitor == monitor)
                & (runs.c.window_end >= min(ends))
                & (runs.c.window_end <= max(ends))
            )
        )
        existing.update({(service, monitor, end): run_id for run_id, end in found})
    ids: list[int] = []
    fresh = [r for r in records if (r.service, r.monitor, r.window_end) not in existing]
    stale = [r for r in records if (r.service, r.monitor, r.window_end) in existing]
    if stale:
        stale_ids = [existing[(r.service, r.monitor, r.window_end)] for r in stale]
        conn.execute(sa.delete(measurements).where(measurements.c.run_id.in_(stale_ids)))
        for record, run_id in zip(stale, stale_ids, strict=True):
            conn.execute(sa.update(runs).where(runs.c.id == run_id).values(**_run_values(record)))
    new_ids: list[int] = []
    if fresh:
        result = conn.execute(
            sa.insert(runs).returning(runs.c.id, sort_by_parameter_order=True),
            [_run_values(r) for r in fresh],
        )
        new_ids = [row[0] for row in result]
    by_key = {
        **existing,
        **{(r.service, r.monitor, r.window_end): i for r, i in zip(fresh, new_ids, strict=True)},
    }
    ids = [int(by_key[(r.service, r.monitor, r.window_end)]) for r in records]
    name_ids = _name_ids(conn, list(dict.fromkeys(n for record in records for n in record.slis)))
    rows = [
        {"run_id": run_id, "name_id": name_ids[name], "value": value}
        for record, run_id in zip(records, ids, strict=True)
        for name, value in record.slis.items()
    ]
    if rows:
        conn.execute(sa.insert(measurements), rows)
    return ids


def _name_ids(conn: sa.Connection, names: list[str]) -> dict[str, int]:
    """``{name: id}`` of SLI names, adding the new ones in their order (a writer adding the
    same name at the same moment is not an error: the name is there either way)."""
    table = SliName.__table__

    def found(among: list[str]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for i in range(0, len(among), 500):
            query = sa.select(table.c.name, table.c.id).where(table.c.name.in_(among[i : i + 500]))
            ids.update((name, id_) for name, id_ in conn.execute(query))
        return ids

    ids = found(names)
    missing = [name for name in names if name not in ids]
    if missing:
        insert = _dialect_insert(conn)(table).on_conflict_do_nothing(index_elements=["name"])
        conn.execute(insert, [{"name": name} for name in missing])
        ids.update(found(missing))
    return ids


def _dialect_insert(conn: sa.Connection) -> Any:
    """The backend's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL alike)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def runs(
    conn: sa.Connection,
    service: str | None = None,
    monitor: str | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    status: str | None = None,
    limit: int | None = None,
) -> list[MonitorRun]:
    """Runs (of one status), newest window first (windows ending after ``since``, up to
    ``until``)."""
    query = sa.select(MonitorRun)
    if service is not None:
        query = query.where(MonitorRun.service == service)
    if monitor is not None:
        query = query.where(MonitorRun.monitor == monitor)
    if status is not None:
        query = query.where(MonitorRun.status == status)
    if since is not None:
        query = query.where(MonitorRun.window_end > since)
    if until is not None:
        query = query.where(MonitorRun.window_end <= until)
    query = query.order_by(MonitorRun.window_end.desc(), MonitorRun.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [MonitorRun.model_validate(row._mapping) for row in conn.execute(query)]


def latest(
    conn: sa.Connection,
    service: str,
    monitor: str,
    *,
    until: datetime | None = None,
    status: str | None = None,
) -> MonitorRun | None:
    """The run (of one status) with the newest window end (at or before ``until``)."""
    found = runs(conn, service, monitor, until=until, status=status, limit=1)
    return found[0] if found else None


def latest_of(
    conn: sa.Connection, pairs: Sequence[tuple[str, str]], *, ok_only: bool = False
) -> dict[tuple[str, str], dict[str, Any]]:
    """The newest run (or newest ok run) of each (service, monitor), in one query whatever the
    number of pairs: ``{pair: {id, service, monitor, window_end, status, good, total, error}}``."""
    if not pairs:
        return {}
    table = MonitorRun.__table__
    where = [table.c.status == "ok"] if ok_only else []
    ids = newest_ids(table, ("service", "monitor"), pairs, table.c.window_end, *where)
    query = sa.select(
        table.c.id,
        table.c.service,
        table.c.monitor,
        table.c.window_end,
        table.c.status,
        table.c.good,
        table.c.total,
        table.c.error,
    ).where(table.c.id.in_(ids))
    return {(r.service, r.monitor): dict(r._mapping) for r in conn.execute(query)}


def values_of(
    conn: sa.Connection, run_ids: Sequence[int], names: Iterable[str]
) -> dict[tuple[int, str], float | None]:
    """``{(run id, SLI name): value}`` of some SLIs of some runs."""
    wanted = sorted(set(names))
    if not run_ids or not wanted:
        return {}
    table, names_ = SliMeasurement.__table__, SliName.__table__
    query = (
        sa.select(table.c.run_id, names_.c.name, table.c.value)
        .join(names_, names_.c.id == table.c.name_id)
        .where(table.c.run_id.in_(list(run_ids)) & names_.c.name.in_(wanted))
    )
    return {(r.run_id, r.name): r.value for r in conn.execute(query)}


def all_values(conn: sa.Connection, run_id: int) -> dict[str, float | None]:
    """``{SLI name: value}`` of one run."""
    table, names_ = SliMeasurement.__table__, SliName.__table__
    query = (
        sa.select(names_.c.name, table.c.value)
        .join(names_, names_.c.id == table.c.name_id)
        .where(table.c.run_id == run_id)
    )
    return {r.name: r.value for r in conn.execute(query)}


def newest_end(conn: sa.Connection, service: str) -> datetime | None:
    """The newest window end of the service's runs."""
    table = MonitorRun.__table__
    query = sa.select(sa.func.max(table.c.window_end)).where(table.c.service == service)
    return conn.execute(query).scalar()


def occurrences(
    conn: sa.Connection,
    service: str,
    monitor: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[tuple[datetime, float, float]]:
    """``(window_end, good, total)`` of the ok runs that counted events (``total > 0``), in time
    order (windows ending after ``since``, up to ``until``)."""
    table = MonitorRun.__table__
    query = sa.select(table.c.window_end, table.c.good, table.c.total).where(
        (table.c.service == service)
        & (table.c.monitor == monitor)
        & (table.c.status == "ok")
        & (table.c.total > 0)
    )
    if since is not None:
        query = query.where(table.c.window_end > since)
    if until is not None:
        query = query.where(table.c.window_end <= until)
    return [tuple(row) for row in conn.execute(query.order_by(table.c.window_end))]  # type: ignore[misc]


def latest_errors(conn: sa.Connection, service: str) -> dict[str, str]:
    """``{monitor: error}`` of each monitor's newest failed run."""
    table = MonitorRun.__table__
    newest = (
        sa.select(table.c.monitor, sa.func.max(table.c.window_end).label("end"))
        .where((table.c.service == service) & (table.c.status == "failed"))
        .group_by(table.c.monitor)
        .subquery()
    )
    query = sa.select(table.c.monitor, table.c.error).join(
        newest,
        (table.c.service == service)
        & (table.c.monitor == newest.c.monitor)
        & (table.c.window_end == newest.c.end),
    )
    return {monitor: error for monitor, error in conn.execute(query) if error}


def history(
    conn: sa.Connection, service: str, *, failures_only: bool = False, limit: int = 300
) -> list[tuple[str, str, datetime, datetime, str, float, str | None]]:
    """``(monitor, kind, window_start, window_end, status, duration_s, error)`` of the
    service's runs (not ok ones only, with ``failures_only``), newest first; a run that is not
    ok and has no error gives its reason (a window without data says why)."""
    table = MonitorRun.__table__
    query = sa.select(
        table.c.monitor,
        table.c.kind,
        table.c.window_start,
        table.c.window_end,
        table.c.status,
        table.c.duration_s,
        table.c.error,
        table.c.details,
    ).where(table.c.service == service)
    if failures_only:
        query = query.where(table.c.status != "ok")
    query = query.order_by(table.c.window_end.desc(), table.c.id.desc()).limit(limit)
    return [
        (*row[:6], row.error or (_reason(row.details) if row.status != "ok" else None))
        for row in conn.execute(query)
    ]


def facts(
    conn: sa.Connection, service: str, monitor: str, *, until: datetime, limit: int
) -> list[tuple[datetime, str, str | None, str | None]]:
    """``(window_end, status, error, no_data reason)`` of the newest runs up to ``until``,
    newest first: what a monitor's health needs, without the runs' details."""
    runs = MonitorRun.__table__
    query = (
        sa.select(runs.c.window_end, runs.c.status, runs.c.error, runs.c.details)
        .where(
            (runs.c.service == service) & (runs.c.monitor == monitor) & (runs.c.window_end <= until)
        )
        .order_by(runs.c.window_end.desc(), runs.c.id.desc())
        .limit(limit)
    )
    rows = list(conn.execute(query))
    return [
        (end, status, error, _reason(details) if status == "no_data" else None)
        for end, status, error, details in rows
    ]


def newest_ok(conn: sa.Connection, column: str, service: str, until: datetime, **match: str) -> Any:
    """``column`` of the service's newest ok run whose window ended by ``until`` among the runs
    whose other columns equal ``match`` (``monitor=...`` or ``kind=...``); None if there is none."""
    runs = MonitorRun.__table__
    where = (runs.c.service == service) & (runs.c.status == "ok") & (runs.c.window_end <= until)
    for name, value in match.items():
        where &= runs.c[name] == value
    query = sa.select(runs.c[column]).where(where).order_by(runs.c.window_end.desc()).limit(1)
    return conn.execute(query).scalar()


def last_ok_end(
    conn: sa.Connection, service: str, monitor: str, *, until: datetime
) -> datetime | None:
    """The window end of the newest ok run up to ``until``."""
    return newest_ok(conn, "window_end", service, until, monitor=monitor)


def measurements(
    conn: sa.Connection,
    service: str,
    monitor: str | None = None,
    names: Sequence[str] | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[tuple[datetime, str, str, float | None]]:
    """``(window_end, monitor, name, value)`` in time order (a run's in the order of its
    names' numbers), read through the runs' (service, monitor, window end) index."""
    table, runs, names_ = SliMeasurement.__table__, MonitorRun.__table__, SliName.__table__
    query = (
        sa.select(runs.c.window_end, runs.c.monitor, names_.c.name, table.c.value)
        .select_from(runs)
        .join(table, table.c.run_id == runs.c.id)
        .join(names_, names_.c.id == table.c.name_id)
        .where(runs.c.service == service)
    )
    if monitor is not None:
        query = query.where(runs.c.monitor == monitor)
    if names is not None:
        query = query.where(names_.c.name.in_(list(names)))
    if since is not None:
        query = query.where(runs.c.window_end > since)
    if until is not None:
        query = query.where(runs.c.window_end <= until)
    query = query.order_by(runs.c.window_end, runs.c.id, table.c.name_id)
    return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]


def event_buckets(
    conn: sa.Connection, service: str, monitor: str, since: datetime, until: datetime | None
) -> list[tuple[datetime, float, float]]:
    """``(window_end, good, total)`` of the ok runs with events, in time order (windows ending
    after ``since``, up to ``until`` when given)."""
    runs = MonitorRun.__table__
    query = sa.select(runs.c.window_end, runs.c.good, runs.c.total).where(
        (runs.c.service == service)
        & (runs.c.monitor == monitor)
        & (runs.c.status == "ok")
        & runs.c.total.is_not(None)
        & (runs.c.window_end > since)
    )
    if until is not None:
        query = query.where(runs.c.window_end <= until)
    return [tuple(row) for row in conn.execute(query.order_by(runs.c.window_end))]  # type: ignore[misc]


@dataclass(frozen=True)
class Changed:
    """The runs written after a moment, as they are now (a replaced run comes back with its
    new status and values)."""

    runs: list[tuple[int, str, str, datetime, str, float | None, float | None]]
    values: dict[tuple[int, str], float | None]


def changed(conn: sa.Connection, after: datetime, names: Iterable[str]) -> Changed:
    """Runs saved after ``after``: ``(id, service, monitor, window_end, status, good, total)``
    and their values of the SLIs ``names``, in two reads through the ``saved_at`` index."""
    runs, table, names_ = MonitorRun.__table__, SliMeasurement.__table__, SliName.__table__
    fresh = runs.c.saved_at > after
    query = sa.select(
        runs.c.id,
        runs.c.service,
        runs.c.monitor,
        runs.c.window_end,
        runs.c.status,
        runs.c.good,
        runs.c.total,
    ).where(fresh)
    rows = list(conn.execute(query))
    values: dict[tuple[int, str], float | None] = {}
    wanted = sorted(set(names))
    if rows and wanted:
        query = (
            sa.select(table.c.run_id, names_.c.name, table.c.value)
            .select_from(runs)
            .join(table, table.c.run_id == runs.c.id)
            .join(names_, names_.c.id == table.c.name_id)
            .where(fresh & names_.c.name.in_(wanted))
        )
        values = {(r.run_id, r.name): r.value for r in conn.execute(query)}
    return Changed([tuple(row) for row in rows], values)  # type: ignore[misc]


# --- reads -------------------------------------------------------------------------------


def counts(conn: sa.Connection) -> list[tuple[str, str, str, int]]:
    """``(service, monitor, status, runs)`` over the whole store."""
    runs = MonitorRun.__table__
    query = sa.select(runs.c.service, runs.c.monitor, runs.c.status, sa.func.count()).group_by(
        runs.c.service, runs.c.monitor, runs.c.status
    )
    return [(s, m, st, int(n)) for s, m, st, n in conn.execute(query)]


def _reason(details: str | None) -> str | None:
    if not details:
        return None
    try:
        reason = json.loads(details).get("reason")
    except (ValueError, AttributeError):
        return None
    return str(reason) if reason else None


def details_of(run: MonitorRun) -> dict[str, Any]:
    """A run's details, parsed."""
    return json.loads(run.details) if run.details else {}


def _run_values(record: RunRecord) -> dict[str, Any]:
    kept = record.details
    if record.engine != "pandas":  # where it was computed, when not in process
        kept = {**kept, "engine": record.engine}
    details = json.dumps(kept, default=str, allow_nan=False, separators=COMPACT) if kept else None
    return {
        "service": record.service,
        "monitor": record.monitor,
        "kind": record.kind,
        "window_start": record.window_start,
        "window_end": record.window_end,
        "status": record.status,
        "good": record.good,
        "total": record.total,
        "duration_s": record.duration_s,
        "error": record.error,
        "details": details,
        "reference_version": record.reference_version,
        "started_at": record.started_at or utcnow(),
        "saved_at": utcnow(),
    }


def is_empty(conn: sa.Connection) -> bool:
    """No run and no SLO evaluation recorded yet: a new install."""
    runs_ = conn.execute(sa.select(MonitorRun.__table__.c.id).limit(1)).first()
    evaluations = conn.execute(sa.select(SloEvaluation.__table__.c.id).limit(1)).first()
    return runs_ is None and evaluations is None
