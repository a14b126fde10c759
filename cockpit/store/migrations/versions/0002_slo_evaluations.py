"""SLO evaluations over time. (2026-11-22)"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "slo_evaluation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("slo", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("objective", sa.Float(), nullable=False),
        sa.Column("good", sa.Float(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("error_budget_remaining", sa.Float(), nullable=True),
        sa.Column("burn_rates", sa.Text(), nullable=False),
        sa.Column("alert_severity", sa.String(20), nullable=True),
        sa.Column("alert", sa.Text(), nullable=True),
        sa.UniqueConstraint("service", "slo", "at", name="uq_slo_evaluation_at"),
    )
    op.create_index("ix_slo_evaluation_series", "slo_evaluation", ["service", "slo", "at"])


def downgrade() -> None:
    op.drop_table("slo_evaluation")
