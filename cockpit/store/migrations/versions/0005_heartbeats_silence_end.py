"""Daemon heartbeats (the cockpit says whether a daemon runs) and who ended a silence. (2026-12-02)"""

import sqlalchemy as sa
from alembic import op

from cockpit.store.columns import *  # the column helpers and types

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    create_table(
        "daemon_heartbeat",
        required("host", NAME),
        required("pid", INT),
        required("role", SHORT),
        required("started_at", TS),
        required("beat_at", TS),
        sa.UniqueConstraint("host", "pid", name="uq_daemon_heartbeat_process"),
    )
    with op.batch_alter_table("silence") as batch:
        batch.add_column(optional("ended_by", NAME))


def downgrade() -> None:
    with op.batch_alter_table("silence") as batch:
        batch.drop_column("ended_by")
    op.drop_table("daemon_heartbeat")
