"""Requests per model version per window of the prediction log: the release timeline, the
version serving now and the one to roll back to. (2026-12-06)"""

import sqlalchemy as sa
from alembic import op

from cockpit.store.columns import *  # the column helpers and types

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    create_table(
        "version_traffic",
        required("service", NAME),
        required("window_start", TS),
        required("window_end", TS),
        required("version", NAME),
        required("rows", INT),
        optional("first_at", TS),
        optional("last_at", TS),
        sa.UniqueConstraint("service", "window_start", "version", name="uq_version_traffic_window"),
    )


def downgrade() -> None:
    op.drop_table("version_traffic")
