"""SLO evaluations over time. (2026-11-22)"""

import sqlalchemy as sa
from alembic import op

from cockpit.store.columns import *  # the column helpers and types

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    create_table(
        "slo_evaluation",
        required("service", NAME),
        required("slo", NAME),
        required("at", TS),
        required("method", SHORT),
        required("objective", FLOAT),
        required("good", FLOAT),
        required("total", FLOAT),
        optional("error_budget_remaining", FLOAT),
        required("burn_rates", TEXT),
        optional("alert_severity", SHORT),
        optional("alert", TEXT),
        sa.UniqueConstraint("service", "slo", "at", name="uq_slo_evaluation_at"),
    )
    op.create_index("ix_slo_evaluation_series", "slo_evaluation", ["service", "slo", "at"])


def downgrade() -> None:
    op.drop_table("slo_evaluation")
