"""Incidents, their timelines and postmortems. (2026-11-22)"""

import sqlalchemy as sa
from alembic import op

from cockpit.store.columns import *  # the column helpers and types

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    create_table(
        "incident",
        required("service", NAME),
        required("title", sa.String(500)),
        required("severity", SHORT),
        required("status", STATUS),
        required("opened_at", TS),
        optional("mitigated_at", TS),
        optional("resolved_at", TS),
        optional("closed_at", TS),
        optional("postmortem", TEXT),
        required("version", INT),
        optional("updated_at", TS),
        optional("updated_by", NAME),
    )
    create_table(
        "incident_event",
        required("incident_id", INT, refers("incident")),
        required("at", TS),
        required("kind", KIND),
        optional("actor", NAME),
        required("text", TEXT),
        optional("alert_id", INT),
        optional("action_id", INT),
    )
    op.create_index("ix_incident_event_incident_id", "incident_event", ["incident_id"])
    with op.batch_alter_table("alert") as batch:
        batch.add_column(optional("incident_id", INT))


def downgrade() -> None:
    with op.batch_alter_table("alert") as batch:
        batch.drop_column("incident_id")
    op.drop_table("incident_event")
    op.drop_table("incident")
