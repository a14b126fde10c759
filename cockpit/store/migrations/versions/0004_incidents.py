"""Incidents, their timelines and postmortems. (2026-11-22)"""

import sqlalchemy as sa
from alembic import op

from cockpit.store import columns as c

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    c.create_table(
        "incident",
        c.required("service", c.NAME),
        c.required("title", sa.String(500)),
        c.required("severity", c.SHORT),
        c.required("status", c.STATUS),
        c.required("opened_at", c.TS),
        c.optional("mitigated_at", c.TS),
        c.optional("resolved_at", c.TS),
        c.optional("closed_at", c.TS),
        c.optional("postmortem", c.TEXT),
        c.required("version", c.INT),
        c.optional("updated_at", c.TS),
        c.optional("updated_by", c.NAME),
    )
    c.create_table(
        "incident_event",
        c.required("incident_id", c.INT, c.refers("incident")),
        c.required("at", c.TS),
        c.required("kind", c.KIND),
        c.optional("actor", c.NAME),
        c.required("text", c.TEXT),
        c.optional("alert_id", c.INT),
        c.optional("action_id", c.INT),
    )
    op.create_index("ix_incident_event_incident_id", "incident_event", ["incident_id"])
    with op.batch_alter_table("alert") as batch:
        batch.add_column(c.optional("incident_id", c.INT))


def downgrade() -> None:
    with op.batch_alter_table("alert") as batch:
        batch.drop_column("incident_id")
    op.drop_table("incident_event")
    op.drop_table("incident")
