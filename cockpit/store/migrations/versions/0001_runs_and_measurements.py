"""Monitor runs and SLI measurements. (2026-11-22)"""

import sqlalchemy as sa
from alembic import op

from cockpit.store import columns as c

revision = "0001"
down_revision = None


def upgrade() -> None:
    c.create_table(
        "monitor_run",
        c.required("service", c.NAME),
        c.required("monitor", c.NAME),
        c.required("kind", c.KIND),
        c.required("window_start", c.TS),
        c.required("window_end", c.TS),
        c.required("status", c.SHORT),
        c.optional("good", c.FLOAT),
        c.optional("total", c.FLOAT),
        c.required("duration_s", c.FLOAT),
        c.optional("error", c.TEXT),
        c.optional("details", c.TEXT),
        c.optional("reference_version", sa.String(100)),
        c.required("started_at", c.TS),
        sa.UniqueConstraint("service", "monitor", "window_end", name="uq_monitor_run_window"),
    )
    op.create_index(
        "ix_monitor_run_service_monitor_end", "monitor_run", ["service", "monitor", "window_end"]
    )
    c.create_table(
        "sli_measurement",
        c.required("run_id", c.INT, c.refers("monitor_run", ondelete="CASCADE")),
        c.required("service", c.NAME),
        c.required("monitor", c.NAME),
        c.required("name", sa.String(300)),
        c.optional("value", c.FLOAT),
        c.required("window_end", c.TS),
    )
    op.create_index("ix_sli_measurement_run_id", "sli_measurement", ["run_id"])
    op.create_index(
        "ix_sli_series", "sli_measurement", ["service", "monitor", "name", "window_end"]
    )


def downgrade() -> None:
    op.drop_table("sli_measurement")
    op.drop_table("monitor_run")
