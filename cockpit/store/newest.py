"""The newest row of each of many keys, in one query whose cost does not grow with history."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa


def keys(pairs: Sequence[tuple[str, str]], names: tuple[str, str]) -> sa.Subquery:
    """The configured (service, slo) or (service, monitor) pairs as a small derived table."""
    return sa.union_all(
        *(sa.select(sa.literal(a).label(names[0]), sa.literal(b).label(names[1])) for a, b in pairs)
    ).subquery("k")


def newest_ids(
    table: sa.Table,
    names: tuple[str, str],
    pairs: Sequence[tuple[str, str]],
    order: sa.Column,
    *where: sa.ColumnElement[bool],
) -> sa.Select:
    """The id of the newest row (by ``order``) of each pair: one correlated subquery per pair,
    each an index seek on (service, slo|monitor, time), so the cost does not grow with history
    (a GROUP BY max() scans the whole index)."""
    derived = keys(pairs, names)
    newest = (
        sa.select(table.c.id)
        .where(
            table.c[names[0]] == derived.c[names[0]],
            table.c[names[1]] == derived.c[names[1]],
            *where,
        )
        .order_by(order.desc())  # (service, slo|monitor, time) is unique: no ties
        .limit(1)
        .correlate(derived)
        .scalar_subquery()
    )
    return sa.select(newest).select_from(derived)
