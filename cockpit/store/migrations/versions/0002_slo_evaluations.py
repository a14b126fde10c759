"""SLO evaluations over time. (2026-11-22)"""

import sqlalchemy as sa
from alembic import op

from cockpit.store import columns as c

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    c.create_table(
        "slo_evaluation",
        c.required("service", c.NAME),
        c.required("slo", c.NAME),
        c.required("at", c.TS),
        c.required("method", c.SHORT),
        c.required("objective", c.FLOAT),
        c.required("good", c.FLOAT),
        c.required("total", c.FLOAT),
        c.optional("error_budget_remaining", c.FLOAT),
        c.required("burn_rates", c.TEXT),
        c.optional("alert_severity", c.SHORT),
        c.optional("alert", c.TEXT),
        sa.UniqueConstraint("service", "slo", "at", name="uq_slo_evaluation_at"),
    )
    op.create_index("ix_slo_evaluation_series", "slo_evaluation", ["service", "slo", "at"])


def downgrade() -> None:
    op.drop_table("slo_evaluation")
