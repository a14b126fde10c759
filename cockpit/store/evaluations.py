"""SLO evaluations: each SLO's state at each moment it was evaluated, kept for history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cockpit.store.newest import newest_ids
from cockpit.store.tables import SloEvaluation


def save(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or replace evaluations by (service, slo, at)."""
    table = SloEvaluation.__table__
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["service"], row["slo"]), []).append(row)
    for (service, slo), group in groups.items():
        for i in range(0, len(group), 500):
            chunk = group[i : i + 500]
            conn.execute(
                sa.delete(table).where(
                    (table.c.service == service)
                    & (table.c.slo == slo)
                    & table.c.at.in_([row["at"] for row in chunk])
                )
            )
            conn.execute(sa.insert(table), chunk)


def history(
    conn: sa.Connection,
    service: str,
    slo: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[SloEvaluation]:
    """Evaluations of one SLO in time order."""
    query = sa.select(SloEvaluation).where(
        (SloEvaluation.service == service) & (SloEvaluation.slo == slo)
    )
    if since is not None:
        query = query.where(SloEvaluation.at > since)
    if until is not None:
        query = query.where(SloEvaluation.at <= until)
    rows = conn.execute(query.order_by(SloEvaluation.at))
    return [SloEvaluation.model_validate(row._mapping) for row in rows]


def latest(conn: sa.Connection, service: str, slo: str) -> SloEvaluation | None:
    query = (
        sa.select(SloEvaluation)
        .where((SloEvaluation.service == service) & (SloEvaluation.slo == slo))
        .order_by(SloEvaluation.at.desc())
        .limit(1)
    )
    row = conn.execute(query).first()
    return SloEvaluation.model_validate(row._mapping) if row else None


def latest_of(
    conn: sa.Connection, pairs: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The newest evaluation of each (service, slo), in one query whatever the number of pairs:
    ``{pair: {service, slo, at, error_budget_remaining, burn_rates, alert_severity}}``."""
    if not pairs:
        return {}
    table = SloEvaluation.__table__
    query = sa.select(
        table.c.service,
        table.c.slo,
        table.c.at,
        table.c.error_budget_remaining,
        table.c.burn_rates,
        table.c.alert_severity,
    ).where(table.c.id.in_(newest_ids(table, ("service", "slo"), pairs, table.c.at)))
    return {(r.service, r.slo): dict(r._mapping) for r in conn.execute(query)}
