"""Monitor runs and SLI measurements. (2026-11-22)"""

import sqlalchemy as sa
from alembic import op

from cockpit.store.columns import *  # the column helpers and types

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_table(
        "monitor_run",
        required("service", NAME),
        required("monitor", NAME),
        required("kind", KIND),
        required("window_start", TS),
        required("window_end", TS),
        required("status", SHORT),
        optional("good", FLOAT),
        optional("total", FLOAT),
        required("duration_s", FLOAT),
        optional("error", TEXT),
        optional("details", TEXT),
        optional("reference_version", sa.String(100)),
        required("started_at", TS),
        sa.UniqueConstraint("service", "monitor", "window_end", name="uq_monitor_run_window"),
    )
    op.create_index(
        "ix_monitor_run_service_monitor_end", "monitor_run", ["service", "monitor", "window_end"]
    )
    create_table(
        "sli_measurement",
        required("run_id", INT, refers("monitor_run", ondelete="CASCADE")),
        required("service", NAME),
        required("monitor", NAME),
        required("name", sa.String(300)),
        optional("value", FLOAT),
        required("window_end", TS),
    )
    op.create_index("ix_sli_measurement_run_id", "sli_measurement", ["run_id"])
    op.create_index(
        "ix_sli_series", "sli_measurement", ["service", "monitor", "name", "window_end"]
    )


def downgrade() -> None:
    op.drop_table("sli_measurement")
    op.drop_table("monitor_run")
