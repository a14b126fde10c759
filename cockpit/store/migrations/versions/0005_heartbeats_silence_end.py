"""Daemon heartbeats (the cockpit says whether a daemon runs) and who ended a silence. (2026-12-02)"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "daemon_heartbeat",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("beat_at", TS, nullable=False),
        sa.UniqueConstraint("host", "pid", name="uq_daemon_heartbeat_process"),
    )
    with op.batch_alter_table("silence") as batch:
        batch.add_column(sa.Column("ended_by", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("silence") as batch:
        batch.drop_column("ended_by")
    op.drop_table("daemon_heartbeat")
