"""Alerts, silences, the delivery outbox and its attempts, actions, the audit log. (2026-11-22)"""

import sqlalchemy as sa
from alembic import op

from cockpit.store.columns import *  # the column helpers and types

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    create_table(
        "alert",
        required("fingerprint", sa.String(32)),
        required("service", NAME),
        required("slo", NAME),
        required("severity", SHORT),
        required("state", SHORT),
        required("started_at", TS),
        optional("resolved_at", TS),
        required("last_evaluated_at", TS),
        optional("last_notified_at", TS),
        required("notifications", INT),
        required("silenced", BOOL),
        optional("acked_by", NAME),
        optional("acked_at", TS),
        optional("burn_rate", FLOAT),
        optional("long_window", SHORT),
        optional("short_window", SHORT),
        optional("factor", FLOAT),
        optional("budget_remaining", FLOAT),
        optional("evidence", TEXT),
        optional("slack_ts", sa.String(64)),
        optional("slack_channel", NAME),
    )
    op.create_index("ix_alert_fingerprint_started", "alert", ["fingerprint", "started_at"])
    create_table(
        "silence",
        optional("service", NAME),
        optional("slo", NAME),
        optional("severity", SHORT),
        required("starts_at", TS),
        required("ends_at", TS),
        required("reason", TEXT),
        required("created_by", NAME),
        required("created_at", TS),
    )
    create_table(
        "outbox",
        required("idempotency_key", KEY, unique=True),
        required("kind", SHORT),
        required("target", NAME),
        required("payload", TEXT),
        required("status", SHORT),
        required("attempts", INT),
        required("next_attempt_at", TS),
        required("created_at", TS),
        optional("claimed_at", TS),
        optional("delivered_at", TS),
        optional("last_error", TEXT),
        optional("alert_id", INT, refers("alert")),
        optional("action_id", INT),
        optional("thread_alert_id", INT),
        optional("meta", TEXT),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])
    create_table(
        "delivery_attempt",
        required("outbox_id", INT, refers("outbox")),
        required("attempt", INT),
        required("at", TS),
        required("ok", BOOL),
        optional("status_code", INT),
        required("latency_ms", FLOAT),
        optional("error", TEXT),
        optional("response_excerpt", TEXT),
    )
    op.create_index("ix_delivery_attempt_outbox_id", "delivery_attempt", ["outbox_id"])
    create_table(
        "action",
        required("service", NAME),
        required("slo", NAME),
        required("severity", SHORT),
        required("do", KEY),
        required("webhook", NAME),
        required("rule", INT),
        optional("alert_id", INT, refers("alert")),
        required("status", STATUS),
        optional("reason", TEXT),
        required("idempotency_key", KEY, unique=True),
        required("created_at", TS),
        optional("approved_by", NAME),
        optional("approved_at", TS),
        optional("verify_by", TS),
        optional("verified_at", TS),
        optional("escalated_at", TS),
        optional("outbox_id", INT, refers("outbox")),
    )
    create_table(
        "audit",
        required("at", TS),
        required("actor", NAME),
        required("action", KEY),
        required("target", sa.String(300)),
        optional("details", TEXT),
    )


def downgrade() -> None:
    for table in ("audit", "action", "delivery_attempt", "outbox", "silence", "alert"):
        op.drop_table(table)
