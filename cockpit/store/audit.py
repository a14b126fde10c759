"""The audit log: every operator write, who, when, what."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cockpit.store.tables import Audit
from cockpit.store.types import utcnow


def record(
    conn: sa.Connection,
    actor: str,
    action: str,
    target: str,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """One line of the audit log, in the caller's transaction."""
    conn.execute(
        sa.insert(Audit.__table__).values(
            at=at or utcnow(),
            actor=actor,
            action=action,
            target=target,
            details=json.dumps(details or {}, default=str),
        )
    )
