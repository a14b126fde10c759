"""The store's tables (SQLModel). The schema is owned by the Alembic migrations in
``cockpit/store/migrations``; a test keeps the two in agreement."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from cockpit.store.types import UTCDateTime, utcnow


class MonitorRun(SQLModel, table=True):
    """One monitor over one window. Unique per (service, monitor, window end)."""

    __tablename__ = "monitor_run"
    # The unique constraint's index is the one every read of a monitor's runs goes through.
    __table_args__ = (
        sa.UniqueConstraint("service", "monitor", "window_end", name="uq_monitor_run_window"),
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
    error: str | None = Field(default=None, sa_type=sa.Text)
    details: str | None = Field(default=None, sa_type=sa.Text)  # JSON
    reference_version: str | None = Field(default=None, max_length=100)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # when the run was last written (inserted or replaced): what changed since a moment
    saved_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


class SliName(SQLModel, table=True):
    """Each SLI name once (``valid_rows_share``, ``drift_score[age]``): a measurement refers to
    its name by number instead of repeating the text in every row."""

    __tablename__ = "sli_name"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300, unique=True)


class SliMeasurement(SQLModel, table=True):
    """One SLI value of one run, keyed by (run, name). On SQLite the table has no rowid, so its
    key is its only index; a series is read through its runs' (service, monitor, window end)."""

    __tablename__ = "sli_measurement"
    __table_args__ = {"sqlite_with_rowid": False}

    run_id: int = Field(foreign_key="monitor_run.id", ondelete="CASCADE", primary_key=True)
    name_id: int = Field(foreign_key="sli_name.id", primary_key=True)
    value: float | None = None


class SloEvaluation(SQLModel, table=True):
    """One SLO evaluated at one moment: kept so the cockpit draws budget burn-down and burn
    rates over time without recomputing history. Unique per (service, slo, at)."""

    __tablename__ = "slo_evaluation"
    # The unique constraint's index serves every read of an SLO's history.
    __table_args__ = (sa.UniqueConstraint("service", "slo", "at", name="uq_slo_evaluation_at"),)

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


class VersionTraffic(SQLModel, table=True):
    """Requests one model version served in one window of a service's prediction log, and
    its first and last request in it (none when an engine counted them). Unique per (service,
    window start, version): windows tile time, one per cycle."""

    __tablename__ = "version_traffic"
    __table_args__ = (
        sa.UniqueConstraint("service", "window_start", "version", name="uq_version_traffic_window"),
    )

    id: int | None = Field(default=None, primary_key=True)
    service: str = Field(max_length=200)
    window_start: datetime = Field(sa_type=UTCDateTime)
    window_end: datetime = Field(sa_type=UTCDateTime)
    version: str = Field(max_length=200)
    rows: int
    first_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


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
