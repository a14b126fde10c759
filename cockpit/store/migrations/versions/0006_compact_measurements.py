"""A smaller store: SLI measurements keyed by (run, name number), each name stored once in
``sli_name``; the service, monitor and window end they copied from their run are read from it.
Two indexes that repeated a unique constraint's own are dropped. (2026-12-03)

On SQLite the measurements have no rowid, so the key is the table. The copy keeps the newest
value of each (run, name), which is the only one a run ever had.
"""

import sqlalchemy as sa
from alembic import op

from cockpit.store.columns import *  # the column helpers and types

revision = "0006"
down_revision = "0005"

OLD = "sli_measurement_0005"


def upgrade() -> None:
    op.drop_index("ix_monitor_run_service_monitor_end", table_name="monitor_run")
    op.drop_index("ix_slo_evaluation_series", table_name="slo_evaluation")

    op.drop_index("ix_sli_series", table_name="sli_measurement")
    op.drop_index("ix_sli_measurement_run_id", table_name="sli_measurement")
    op.rename_table("sli_measurement", OLD)
    create_table("sli_name", required("name", sa.String(300), unique=True))
    op.create_table(
        "sli_measurement",
        required("run_id", INT, refers("monitor_run", ondelete="CASCADE"), primary_key=True),
        required("name_id", INT, refers("sli_name"), primary_key=True),
        optional("value", FLOAT),
        sqlite_with_rowid=False,
    )
    op.execute(f"INSERT INTO sli_name (name) SELECT DISTINCT name FROM {OLD}")
    op.execute(
        f"INSERT INTO sli_measurement (run_id, name_id, value) "
        f"SELECT m.run_id, n.id, m.value FROM {OLD} m JOIN sli_name n ON n.name = m.name "
        f"WHERE m.id IN (SELECT MAX(id) FROM {OLD} GROUP BY run_id, name)"
    )
    op.drop_table(OLD)


def downgrade() -> None:
    op.rename_table("sli_measurement", OLD)
    create_table(
        "sli_measurement",
        required("run_id", INT, refers("monitor_run", ondelete="CASCADE")),
        required("service", NAME),
        required("monitor", NAME),
        required("name", sa.String(300)),
        optional("value", FLOAT),
        required("window_end", TS),
    )
    op.execute(
        f"INSERT INTO sli_measurement (run_id, service, monitor, name, value, window_end) "
        f"SELECT m.run_id, r.service, r.monitor, n.name, m.value, r.window_end "
        f"FROM {OLD} m JOIN monitor_run r ON r.id = m.run_id JOIN sli_name n ON n.id = m.name_id "
        f"ORDER BY r.window_end, m.run_id, m.name_id"
    )
    op.drop_table(OLD)
    op.drop_table("sli_name")
    op.create_index("ix_sli_measurement_run_id", "sli_measurement", ["run_id"])
    op.create_index(
        "ix_sli_series", "sli_measurement", ["service", "monitor", "name", "window_end"]
    )
    op.create_index("ix_slo_evaluation_series", "slo_evaluation", ["service", "slo", "at"])
    op.create_index(
        "ix_monitor_run_service_monitor_end", "monitor_run", ["service", "monitor", "window_end"]
    )
