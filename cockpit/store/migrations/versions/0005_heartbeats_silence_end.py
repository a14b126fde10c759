"""Daemon heartbeats (the cockpit says whether a daemon runs) and who ended a silence. (2026-12-02)"""

import sqlalchemy as sa
from alembic import op

from cockpit.store import columns as c

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    c.create_table(
        "daemon_heartbeat",
        c.required("host", c.NAME),
        c.required("pid", c.INT),
        c.required("role", c.SHORT),
        c.required("started_at", c.TS),
        c.required("beat_at", c.TS),
        sa.UniqueConstraint("host", "pid", name="uq_daemon_heartbeat_process"),
    )
    with op.batch_alter_table("silence") as batch:
        batch.add_column(c.optional("ended_by", c.NAME))


def downgrade() -> None:
    with op.batch_alter_table("silence") as batch:
        batch.drop_column("ended_by")
    op.drop_table("daemon_heartbeat")
