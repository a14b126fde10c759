"""The store: SQLModel tables and the few queries everything else goes through.

SQLite by default, PostgreSQL in production. The schema is owned by Alembic migrations
(``cockpit/migrations``), applied when a :class:`Store` opens and by ``cockpit db upgrade``.
Measurements are written in bulk through SQLAlchemy Core (one ORM object per row is ~10x
slower, see DESIGN.md "Scale path").

Timestamps are stored as UTC and always come back timezone-aware.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Field, SQLModel

from cockpit.errors import NoStoreError, StoreError

MIGRATIONS = Path(__file__).parent / "migrations"


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the backend keeps."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store takes timezone-aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class MonitorRun(SQLModel, table=True):
    """One monitor over one window. Unique per (service, monitor, window end)."""

    __tablename__ = "monitor_run"
    __table_args__ = (
        sa.UniqueConstraint("service", "monitor", "window_end", name="uq_monitor_run_window"),
        sa.Index("ix_monitor_run_service_monitor_end", "service", "monitor", "window_end"),
    )

    id: int | None = Field(default=None, primary_key=True)
    service: str = Field(max_length=200)
    monitor: str = Field(max_length=200)
    kind: str = Field(max_length=40)
    window_start: datetime = Field(sa_type=UTCDateTime)
    window_end: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(max_length=20)  # ok | no_data | failed
    good: float | None = None
    total: float | None = None
    duration_s: float = 0.0
    error: str | None = None
    details: str | None = Field(default=None, sa_type=sa.Text)  # JSON
    reference_version: str | None = Field(default=None, max_length=100)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SliMeasurement(SQLModel, table=True):
    """One SLI value of one run; ``window_end`` is copied from the run for range scans."""

    __tablename__ = "sli_measurement"
    __table_args__ = (sa.Index("ix_sli_series", "service", "monitor", "name", "window_end"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="monitor_run.id", ondelete="CASCADE", index=True)
    service: str = Field(max_length=200)
    monitor: str = Field(max_length=200)
    name: str = Field(max_length=300)
    value: float | None = None
    window_end: datetime = Field(sa_type=UTCDateTime)


class SloEvaluation(SQLModel, table=True):
    """One SLO evaluated at one moment: kept so the cockpit draws budget burn-down and burn
    rates over time without recomputing history. Unique per (service, slo, at)."""

    __tablename__ = "slo_evaluation"
    __table_args__ = (
        sa.UniqueConstraint("service", "slo", "at", name="uq_slo_evaluation_at"),
        sa.Index("ix_slo_evaluation_series", "service", "slo", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    service: str = Field(max_length=200)
    slo: str = Field(max_length=200)
    at: datetime = Field(sa_type=UTCDateTime)
    method: str = Field(max_length=20)
    objective: float
    good: float
    total: float
    error_budget_remaining: float | None = None
    burn_rates: str = Field(sa_type=sa.Text)  # JSON {window: value | null}
    alert_severity: str | None = Field(default=None, max_length=20)
    alert: str | None = Field(default=None, sa_type=sa.Text)  # JSON of the active tier


class Alert(SQLModel, table=True):
    """One episode of one alert (service, SLO, severity): from firing to resolved."""

    __tablename__ = "alert"
    __table_args__ = (sa.Index("ix_alert_fingerprint_started", "fingerprint", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    fingerprint: str = Field(max_length=32)
    service: str = Field(max_length=200)
    slo: str = Field(max_length=200)
    severity: str = Field(max_length=20)
    state: str = Field(max_length=20)  # firing | resolved
    started_at: datetime = Field(sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_evaluated_at: datetime = Field(sa_type=UTCDateTime)
    last_notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    notifications: int = 0
    silenced: bool = False
    acked_by: str | None = Field(default=None, max_length=200)
    acked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    burn_rate: float | None = None
    long_window: str | None = Field(default=None, max_length=20)
    short_window: str | None = Field(default=None, max_length=20)
    factor: float | None = None
    budget_remaining: float | None = None
    evidence: str | None = Field(default=None, sa_type=sa.Text)  # JSON list of lines
    slack_ts: str | None = Field(default=None, max_length=64)
    slack_channel: str | None = Field(default=None, max_length=200)
    incident_id: int | None = Field(default=None)


class Silence(SQLModel, table=True):
    """Mutes matching alerts' notifications until ``ends_at``; ``None`` matches anything."""

    __tablename__ = "silence"

    id: int | None = Field(default=None, primary_key=True)
    service: str | None = Field(default=None, max_length=200)
    slo: str | None = Field(default=None, max_length=200)
    severity: str | None = Field(default=None, max_length=20)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    reason: str = Field(sa_type=sa.Text)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_by: str | None = Field(default=None, max_length=200)  # ended early, by whom


class DaemonHeartbeat(SQLModel, table=True):
    """A ``cockpit serve`` process says it is alive, every few seconds."""

    __tablename__ = "daemon_heartbeat"
    __table_args__ = (sa.UniqueConstraint("host", "pid", name="uq_daemon_heartbeat_process"),)

    id: int | None = Field(default=None, primary_key=True)
    host: str = Field(max_length=200)
    pid: int
    role: str = Field(max_length=20)  # active | standby
    started_at: datetime = Field(sa_type=UTCDateTime)
    beat_at: datetime = Field(sa_type=UTCDateTime)


class Outbox(SQLModel, table=True):
    """A message to deliver (Slack) or a call to make (webhook), written before sending.

    The payload holds what happened, never a secret: transports add tokens and signatures at
    send time. The idempotency key is the ``webhook-id`` of every attempt.
    """

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=100, unique=True)
    kind: str = Field(max_length=20)  # slack | webhook
    target: str = Field(max_length=200)  # the webhook's name, or the Slack route (page|ticket)
    payload: str = Field(sa_type=sa.Text)  # JSON
    status: str = Field(default="pending", max_length=20)  # pending | sending | delivered | failed
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    alert_id: int | None = Field(default=None, foreign_key="alert.id")
    action_id: int | None = Field(default=None)
    thread_alert_id: int | None = Field(default=None)  # post in the thread of this alert's message
    meta: str | None = Field(default=None, sa_type=sa.Text)  # JSON: Slack ts and channel


class DeliveryAttempt(SQLModel, table=True):
    __tablename__ = "delivery_attempt"

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox.id", index=True)
    attempt: int
    at: datetime = Field(sa_type=UTCDateTime)
    ok: bool
    status_code: int | None = None
    latency_ms: float
    error: str | None = Field(default=None, sa_type=sa.Text)
    response_excerpt: str | None = Field(default=None, sa_type=sa.Text)


class ActionRecord(SQLModel, table=True):
    """A retrain, rollback or custom action fired by an alert rule."""

    __tablename__ = "action"

    id: int | None = Field(default=None, primary_key=True)
    service: str = Field(max_length=200)
    slo: str = Field(max_length=200)
    severity: str = Field(max_length=20)
    do: str = Field(max_length=100)
    webhook: str = Field(max_length=200)
    rule: int  # index of the rule in the service's actions
    alert_id: int | None = Field(default=None, foreign_key="alert.id")
    status: str = Field(
        max_length=30
    )  # pending_approval | queued | delivered | failed | dry_run | skipped
    reason: str | None = Field(default=None, sa_type=sa.Text)
    idempotency_key: str = Field(max_length=100, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    approved_by: str | None = Field(default=None, max_length=200)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    verify_by: datetime | None = Field(default=None, sa_type=UTCDateTime)
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outbox_id: int | None = Field(default=None, foreign_key="outbox.id")


class Audit(SQLModel, table=True):
    """Every operator write: who, when, what."""

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=200)
    action: str = Field(max_length=100)
    target: str = Field(max_length=300)
    details: str | None = Field(default=None, sa_type=sa.Text)


class Incident(SQLModel, table=True):
    """A page alert's incident, with its postmortem. ``version`` guards concurrent edits."""

    __tablename__ = "incident"

    id: int | None = Field(default=None, primary_key=True)
    service: str = Field(max_length=200)
    title: str = Field(max_length=500)
    severity: str = Field(max_length=20)
    status: str = Field(
        max_length=30
    )  # open | mitigated | resolved | postmortem_in_review | closed
    opened_at: datetime = Field(sa_type=UTCDateTime)
    mitigated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    postmortem: str | None = Field(default=None, sa_type=sa.Text)  # JSON of the template's fields
    version: int = 1
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_by: str | None = Field(default=None, max_length=200)


class IncidentEvent(SQLModel, table=True):
    """One line of an incident's timeline."""

    __tablename__ = "incident_event"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    kind: str = Field(max_length=40)  # alert_fired | alert_resolved | action | ack | note | status
    actor: str | None = Field(default=None, max_length=200)
    text: str = Field(sa_type=sa.Text)
    alert_id: int | None = None
    action_id: int | None = None


@dataclass(frozen=True)
class RunRecord:
    """What the runner hands the store for one run."""

    service: str
    monitor: str
    kind: str
    window_start: datetime
    window_end: datetime
    status: str
    slis: dict[str, float | None] = field(default_factory=dict)
    good: float | None = None
    total: float | None = None
    duration_s: float = 0.0
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    reference_version: str | None = None


class Store:
    """The store behind one URL. Opening it applies pending migrations."""

    def __init__(self, url: str, *, migrate: bool = True, echo: bool = False):
        self.url = url
        try:
            self.engine: Engine = sa.create_engine(
                url, echo=echo, future=True, **_engine_options(url)
            )
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StoreError(f"cannot open the store {_safe_url(url)}: {exc}") from None
        if url.startswith("sqlite"):
            database = self.engine.url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        if migrate:
            self.upgrade()

    @classmethod
    def existing(cls, url: str, *, echo: bool = False) -> Store:
        """The store at ``url`` if one was ever created there, migrated to head when it is
        behind (as any open does); else NoStoreError, and nothing is created.

        A SQLite store exists when its file does (checked before connecting: connecting
        creates the file); a server's when its schema has Alembic's ``alembic_version`` table,
        which the first migration writes.
        """
        if url.startswith("sqlite"):
            try:
                database = sa.engine.make_url(url).database
            except (SQLAlchemyError, ValueError) as exc:
                raise StoreError(f"cannot open the store {_safe_url(url)}: {exc}") from None
            if not database or database == ":memory:" or not Path(database).is_file():
                raise _no_store(url)
            return cls(url, echo=echo)
        store = cls(url, migrate=False, echo=echo)
        try:
            with store._connect() as connection:
                migrated = sa.inspect(connection).has_table("alembic_version")
        except SQLAlchemyError as exc:
            store.close()
            raise StoreError(f"cannot read the store {_safe_url(url)}: {exc}") from None
        except StoreError:
            store.close()
            raise
        if not migrated:
            store.close()
            raise _no_store(url)
        store.upgrade()
        return store

    def upgrade(self, revision: str = "head") -> None:
        """Apply Alembic migrations up to ``revision``, one process at a time.

        Replicas starting together on a new store would each create the tables, and all but
        one die on the duplicate. So Alembic reads the revision and migrates under a lock
        (:func:`_migration_transaction`): a process that waited finds the store at head and does
        nothing. Raises StoreError when the store cannot be reached or migrated.
        """
        from alembic import command
        from alembic.util import CommandError

        with self._connect() as connection:
            try:
                with _migration_transaction(connection):
                    command.upgrade(_alembic_config(connection), revision)
            except (SQLAlchemyError, CommandError) as exc:
                reason = getattr(exc, "orig", None) or exc
                raise StoreError(
                    f"cannot migrate the store {_safe_url(self.url)} to revision {revision!r}: "
                    f"{reason}; fix that, then run `cockpit db upgrade CONFIG`"
                ) from None

    def _connect(self) -> sa.Connection:
        try:
            return self.engine.connect()
        except SQLAlchemyError as exc:
            reason = getattr(exc, "orig", None) or exc
            raise StoreError(f"cannot reach the store {_safe_url(self.url)}: {reason}") from None

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def close(self) -> None:
        self.engine.dispose()

    # --- writes ------------------------------------------------------------------------------

    def save_run(self, record: RunRecord) -> int:
        """Insert or replace the run for (service, monitor, window_end); returns its id.

        Replacing keeps a moment from counting twice when it is run again (``run-once`` at
        the same ``--at``, a backfill over stored history).
        """
        return self.save_runs([record])[0]

    def save_runs(self, records: Sequence[RunRecord]) -> list[int]:
        """:meth:`save_run` for many runs in one transaction (backfills): one query finds the
        runs that exist, new runs go in with one multi-row insert."""
        runs, measurements = MonitorRun.__table__, SliMeasurement.__table__
        if not records:
            return []
        with self.engine.begin() as conn:
            existing: dict[tuple[str, str, datetime], int] = {}
            for service, monitor in {(r.service, r.monitor) for r in records}:
                ends = [
                    r.window_end for r in records if (r.service, r.monitor) == (service, monitor)
                ]
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
                    conn.execute(
                        sa.update(runs).where(runs.c.id == run_id).values(**_run_values(record))
                    )
            new_ids: list[int] = []
            if fresh:
                result = conn.execute(
                    sa.insert(runs).returning(runs.c.id, sort_by_parameter_order=True),
                    [_run_values(r) for r in fresh],
                )
                new_ids = [row[0] for row in result]
            by_key = {
                **existing,
                **{
                    (r.service, r.monitor, r.window_end): i
                    for r, i in zip(fresh, new_ids, strict=True)
                },
            }
            ids = [int(by_key[(r.service, r.monitor, r.window_end)]) for r in records]
            rows = [
                {
                    "run_id": run_id,
                    "service": record.service,
                    "monitor": record.monitor,
                    "name": name,
                    "value": value,
                    "window_end": record.window_end,
                }
                for record, run_id in zip(records, ids, strict=True)
                for name, value in record.slis.items()
            ]
            if rows:
                conn.execute(sa.insert(measurements), rows)
        return ids

    def save_slo_evaluations(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert or replace evaluations by (service, slo, at)."""
        table = SloEvaluation.__table__
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault((row["service"], row["slo"]), []).append(row)
        with self.engine.begin() as conn:
            for (service, slo), group in groups.items():
                for i in range(0, len(group), 500):
                    chunk = group[i : i + 500]
                    conn.execute(
                        sa.delete(table).where(
                            (table.c.service == service)
                            & (table.c.slo == slo)
                            & table.c.at.in_([row["at"] for row in chunk])
                        )
                    )
                    conn.execute(sa.insert(table), chunk)

    def slo_evaluations(
        self,
        service: str,
        slo: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[SloEvaluation]:
        """Evaluations of one SLO in time order."""
        query = sa.select(SloEvaluation).where(
            (SloEvaluation.service == service) & (SloEvaluation.slo == slo)
        )
        if since is not None:
            query = query.where(SloEvaluation.at > since)
        if until is not None:
            query = query.where(SloEvaluation.at <= until)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(SloEvaluation.at))
            return [SloEvaluation.model_validate(row._mapping) for row in rows]

    def latest_slo_evaluation(self, service: str, slo: str) -> SloEvaluation | None:
        query = (
            sa.select(SloEvaluation)
            .where((SloEvaluation.service == service) & (SloEvaluation.slo == slo))
            .order_by(SloEvaluation.at.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return SloEvaluation.model_validate(row._mapping) if row else None

    def run_counts(self) -> list[tuple[str, str, str, int]]:
        """``(service, monitor, status, runs)`` over the whole store."""
        runs = MonitorRun.__table__
        query = sa.select(runs.c.service, runs.c.monitor, runs.c.status, sa.func.count()).group_by(
            runs.c.service, runs.c.monitor, runs.c.status
        )
        with self.engine.connect() as conn:
            return [(s, m, st, int(n)) for s, m, st, n in conn.execute(query)]

    def event_buckets(
        self, service: str, monitor: str, since: datetime, until: datetime
    ) -> list[tuple[datetime, float, float]]:
        """``(window_end, good, total)`` of the ok runs with events, in time order."""
        runs = MonitorRun.__table__
        query = (
            sa.select(runs.c.window_end, runs.c.good, runs.c.total)
            .where(
                (runs.c.service == service)
                & (runs.c.monitor == monitor)
                & (runs.c.status == "ok")
                & runs.c.total.is_not(None)
                & (runs.c.window_end > since)
                & (runs.c.window_end <= until)
            )
            .order_by(runs.c.window_end)
        )
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]

    # --- reads -------------------------------------------------------------------------------

    def runs(
        self,
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
        with self.engine.connect() as conn:
            return [MonitorRun.model_validate(row._mapping) for row in conn.execute(query)]

    def latest_run(
        self, service: str, monitor: str, *, until: datetime | None = None
    ) -> MonitorRun | None:
        """The run with the newest window end (at or before ``until``)."""
        found = self.runs(service, monitor, until=until, limit=1)
        return found[0] if found else None

    def run_facts(
        self, service: str, monitor: str, *, until: datetime, limit: int
    ) -> list[tuple[datetime, str, str | None, str | None]]:
        """``(window_end, status, error, no_data reason)`` of the newest runs up to ``until``,
        newest first: what a monitor's health needs, without the runs' details."""
        runs = MonitorRun.__table__
        query = (
            sa.select(runs.c.window_end, runs.c.status, runs.c.error, runs.c.details)
            .where(
                (runs.c.service == service)
                & (runs.c.monitor == monitor)
                & (runs.c.window_end <= until)
            )
            .order_by(runs.c.window_end.desc(), runs.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = list(conn.execute(query))
        return [
            (end, status, error, _reason(details) if status == "no_data" else None)
            for end, status, error, details in rows
        ]

    def firing_at(self, at: datetime) -> set[tuple[str, str]]:
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
        with self.engine.connect() as conn:
            return {(service, slo) for service, slo in conn.execute(query)}

    def last_ok_end(self, service: str, monitor: str, *, until: datetime) -> datetime | None:
        """The window end of the newest ok run up to ``until``."""
        runs = MonitorRun.__table__
        query = (
            sa.select(runs.c.window_end)
            .where(
                (runs.c.service == service)
                & (runs.c.monitor == monitor)
                & (runs.c.status == "ok")
                & (runs.c.window_end <= until)
            )
            .order_by(runs.c.window_end.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def measurements(
        self,
        service: str,
        monitor: str | None = None,
        names: Sequence[str] | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[tuple[datetime, str, str, float | None]]:
        """``(window_end, monitor, name, value)`` in time order."""
        table = SliMeasurement.__table__
        query = sa.select(table.c.window_end, table.c.monitor, table.c.name, table.c.value).where(
            table.c.service == service
        )
        if monitor is not None:
            query = query.where(table.c.monitor == monitor)
        if names is not None:
            query = query.where(table.c.name.in_(list(names)))
        if since is not None:
            query = query.where(table.c.window_end > since)
        if until is not None:
            query = query.where(table.c.window_end <= until)
        query = query.order_by(table.c.window_end, table.c.id)
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]

    def beat(
        self, host: str, pid: int, role: str, started_at: datetime, at: datetime | None = None
    ) -> None:
        """Record that the daemon ``(host, pid)`` is alive in ``role``; forget processes not
        heard from in a day."""
        table = DaemonHeartbeat.__table__
        at = at or utcnow()
        mine = (table.c.host == host) & (table.c.pid == pid)
        with self.engine.begin() as conn:
            updated = conn.execute(
                sa.update(table).where(mine).values(role=role, beat_at=at)
            ).rowcount
            if not updated:
                conn.execute(
                    sa.insert(table).values(
                        host=host, pid=pid, role=role, started_at=started_at, beat_at=at
                    )
                )
            conn.execute(sa.delete(table).where(table.c.beat_at < at - timedelta(days=1)))

    def heartbeats(self) -> list[dict[str, Any]]:
        """Every daemon heard from in the last day, most recent first."""
        table = DaemonHeartbeat.__table__
        query = sa.select(table).order_by(table.c.beat_at.desc())
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def ping(self) -> None:
        """Raise StoreError when the store cannot be reached."""
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot reach the store {_safe_url(self.url)}: {exc}") from None


def _same_run(runs: sa.Table, record: RunRecord) -> sa.ColumnElement[bool]:
    return (
        (runs.c.service == record.service)
        & (runs.c.monitor == record.monitor)
        & (runs.c.window_end == record.window_end)
    )


def _reason(details: str | None) -> str | None:
    if not details:
        return None
    try:
        reason = json.loads(details).get("reason")
    except (ValueError, AttributeError):
        return None
    return str(reason) if reason else None


def run_details(run: MonitorRun) -> dict[str, Any]:
    return json.loads(run.details) if run.details else {}


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# The key of the PostgreSQL advisory lock migrations run under. Not the daemon's leader lock
# (``AdvisoryLock.KEY``): the leader holds that for as long as it runs, and a replica starting
# meanwhile must still be able to open the store.
MIGRATION_LOCK_KEY = 0x636F6D69  # "comi"


@contextmanager
def _migration_transaction(connection: sa.Connection) -> Iterator[None]:
    """A transaction on ``connection`` that holds the store's migration lock until it has
    committed: on PostgreSQL a transaction-level advisory lock, which the commit releases; on
    SQLite an exclusive ``flock`` on ``<database>.migrate.lock`` beside the file, released
    after the commit (before it, the next process would read the old revision). An in-memory
    SQLite is one process's own: no lock."""
    if connection.dialect.name == "postgresql":
        with connection.begin():
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
            yield
        return
    database = connection.engine.url.database
    if connection.dialect.name != "sqlite" or not database or database == ":memory:":
        with connection.begin():
            yield
        return
    with open(database + ".migrate.lock", "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # released when the file is closed
        with connection.begin():
            yield


def _alembic_config(connection: sa.Connection) -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _no_store(url: str) -> NoStoreError:
    return NoStoreError(f"no store at {_safe_url(url)}: nothing has written to it yet")


def _safe_url(url: str) -> str:
    """The URL with any password masked, for messages and logs."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL we cannot parse is shown without its credentials
        return url.split("@")[-1]


def _run_values(record: RunRecord) -> dict[str, Any]:
    details = json.dumps(record.details, default=str, allow_nan=False) if record.details else None
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
        "started_at": utcnow(),
    }
