"""Alerts, silences, the delivery outbox and its attempts, actions, the audit log. (2026-11-22)"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fingerprint", sa.String(32), nullable=False),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("slo", sa.String(200), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("last_evaluated_at", TS, nullable=False),
        sa.Column("last_notified_at", TS, nullable=True),
        sa.Column("notifications", sa.Integer(), nullable=False),
        sa.Column("silenced", sa.Boolean(), nullable=False),
        sa.Column("acked_by", sa.String(200), nullable=True),
        sa.Column("acked_at", TS, nullable=True),
        sa.Column("burn_rate", sa.Float(), nullable=True),
        sa.Column("long_window", sa.String(20), nullable=True),
        sa.Column("short_window", sa.String(20), nullable=True),
        sa.Column("factor", sa.Float(), nullable=True),
        sa.Column("budget_remaining", sa.Float(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("slack_ts", sa.String(64), nullable=True),
        sa.Column("slack_channel", sa.String(200), nullable=True),
    )
    op.create_index("ix_alert_fingerprint_started", "alert", ["fingerprint", "started_at"])
    op.create_table(
        "silence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("service", sa.String(200), nullable=True),
        sa.Column("slo", sa.String(200), nullable=True),
        sa.Column("severity", sa.String(20), nullable=True),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("idempotency_key", sa.String(100), nullable=False, unique=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("claimed_at", TS, nullable=True),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alert.id"), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("thread_alert_id", sa.Integer(), nullable=True),
        sa.Column("meta", sa.Text(), nullable=True),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])
    op.create_table(
        "delivery_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("outbox_id", sa.Integer(), sa.ForeignKey("outbox.id"), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("response_excerpt", sa.Text(), nullable=True),
    )
    op.create_index("ix_delivery_attempt_outbox_id", "delivery_attempt", ["outbox_id"])
    op.create_table(
        "action",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("slo", sa.String(200), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("do", sa.String(100), nullable=False),
        sa.Column("webhook", sa.String(200), nullable=False),
        sa.Column("rule", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alert.id"), nullable=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(100), nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("approved_by", sa.String(200), nullable=True),
        sa.Column("approved_at", TS, nullable=True),
        sa.Column("verify_by", TS, nullable=True),
        sa.Column("verified_at", TS, nullable=True),
        sa.Column("escalated_at", TS, nullable=True),
        sa.Column("outbox_id", sa.Integer(), sa.ForeignKey("outbox.id"), nullable=True),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    for table in ("audit", "action", "delivery_attempt", "outbox", "silence", "alert"):
        op.drop_table(table)
