"""When each run was last written (``saved_at``), indexed: the SLO engine reads only the runs
written since its previous cycle instead of every window again. Runs written before this
revision have none; a full read (the first cycle of a process) still finds them. (2026-12-03)"""

from alembic import op

from cockpit.store.columns import *  # the column helpers and types

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.add_column("monitor_run", optional("saved_at", TS))
    op.create_index("ix_monitor_run_saved_at", "monitor_run", ["saved_at"])


def downgrade() -> None:
    op.drop_index("ix_monitor_run_saved_at", table_name="monitor_run")
    with op.batch_alter_table("monitor_run") as batch:
        batch.drop_column("saved_at")
