"""Alerts, silences, the delivery outbox and its attempts, actions, the audit log. (2026-11-22)"""

import sqlalchemy as sa
from alembic import op

from cockpit.store import columns as c

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    c.create_table(
        "alert",
        c.required("fingerprint", sa.String(32)),
        c.required("service", c.NAME),
        c.required("slo", c.NAME),
        c.required("severity", c.SHORT),
        c.required("state", c.SHORT),
        c.required("started_at", c.TS),
        c.optional("resolved_at", c.TS),
        c.required("last_evaluated_at", c.TS),
        c.optional("last_notified_at", c.TS),
        c.required("notifications", c.INT),
        c.required("silenced", c.BOOL),
        c.optional("acked_by", c.NAME),
        c.optional("acked_at", c.TS),
        c.optional("burn_rate", c.FLOAT),
        c.optional("long_window", c.SHORT),
        c.optional("short_window", c.SHORT),
        c.optional("factor", c.FLOAT),
        c.optional("budget_remaining", c.FLOAT),
        c.optional("evidence", c.TEXT),
        c.optional("slack_ts", sa.String(64)),
        c.optional("slack_channel", c.NAME),
    )
    op.create_index("ix_alert_fingerprint_started", "alert", ["fingerprint", "started_at"])
    c.create_table(
        "silence",
        c.optional("service", c.NAME),
        c.optional("slo", c.NAME),
        c.optional("severity", c.SHORT),
        c.required("starts_at", c.TS),
        c.required("ends_at", c.TS),
        c.required("reason", c.TEXT),
        c.required("created_by", c.NAME),
        c.required("created_at", c.TS),
    )
    c.create_table(
        "outbox",
        c.required("idempotency_key", c.KEY, unique=True),
        c.required("kind", c.SHORT),
        c.required("target", c.NAME),
        c.required("payload", c.TEXT),
        c.required("status", c.SHORT),
        c.required("attempts", c.INT),
        c.required("next_attempt_at", c.TS),
        c.required("created_at", c.TS),
        c.optional("claimed_at", c.TS),
        c.optional("delivered_at", c.TS),
        c.optional("last_error", c.TEXT),
        c.optional("alert_id", c.INT, c.refers("alert")),
        c.optional("action_id", c.INT),
        c.optional("thread_alert_id", c.INT),
        c.optional("meta", c.TEXT),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])
    c.create_table(
        "delivery_attempt",
        c.required("outbox_id", c.INT, c.refers("outbox")),
        c.required("attempt", c.INT),
        c.required("at", c.TS),
        c.required("ok", c.BOOL),
        c.optional("status_code", c.INT),
        c.required("latency_ms", c.FLOAT),
        c.optional("error", c.TEXT),
        c.optional("response_excerpt", c.TEXT),
    )
    op.create_index("ix_delivery_attempt_outbox_id", "delivery_attempt", ["outbox_id"])
    c.create_table(
        "action",
        c.required("service", c.NAME),
        c.required("slo", c.NAME),
        c.required("severity", c.SHORT),
        c.required("do", c.KEY),
        c.required("webhook", c.NAME),
        c.required("rule", c.INT),
        c.optional("alert_id", c.INT, c.refers("alert")),
        c.required("status", c.STATUS),
        c.optional("reason", c.TEXT),
        c.required("idempotency_key", c.KEY, unique=True),
        c.required("created_at", c.TS),
        c.optional("approved_by", c.NAME),
        c.optional("approved_at", c.TS),
        c.optional("verify_by", c.TS),
        c.optional("verified_at", c.TS),
        c.optional("escalated_at", c.TS),
        c.optional("outbox_id", c.INT, c.refers("outbox")),
    )
    c.create_table(
        "audit",
        c.required("at", c.TS),
        c.required("actor", c.NAME),
        c.required("action", c.KEY),
        c.required("target", sa.String(300)),
        c.optional("details", c.TEXT),
    )


def downgrade() -> None:
    for table in ("audit", "action", "delivery_attempt", "outbox", "silence", "alert"):
        op.drop_table(table)
