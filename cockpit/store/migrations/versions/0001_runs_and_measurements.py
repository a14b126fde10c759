"""Monitor runs and SLI measurements. (2026-11-22)"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "monitor_run",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("monitor", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("good", sa.Float(), nullable=True),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("reference_version", sa.String(100), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("service", "monitor", "window_end", name="uq_monitor_run_window"),
    )
    op.create_index(
        "ix_monitor_run_service_monitor_end", "monitor_run", ["service", "monitor", "window_end"]
    )
    op.create_table(
        "sli_measurement",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "run_id",
            sa.Integer(),
            sa.ForeignKey("monitor_run.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("monitor", sa.String(200), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sli_measurement_run_id", "sli_measurement", ["run_id"])
    op.create_index(
        "ix_sli_series", "sli_measurement", ["service", "monitor", "name", "window_end"]
    )


def downgrade() -> None:
    op.drop_table("sli_measurement")
    op.drop_table("monitor_run")
