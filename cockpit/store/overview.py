"""What the overview reads, on one connection: the newest evaluation of every SLO, the newest
run and newest ok run of every monitor, the SLIs of those ok runs, and the firing alerts by SLO.

Five statements whatever the number of services: the newest rows come from correlated
subqueries (:mod:`cockpit.store.newest`), never one query per SLO.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from cockpit.store import evaluations, runs
from cockpit.store.tables import Alert

Pair = tuple[str, str]


@dataclass(frozen=True)
class OverviewFacts:
    """The rows behind the overview, keyed by (service, slo) or (service, monitor)."""

    evaluations: dict[Pair, dict[str, Any]]  # the newest of each SLO
    runs: dict[Pair, dict[str, Any]]  # the newest of each monitor
    ok_runs: dict[Pair, dict[str, Any]]  # the newest ok one of each monitor
    slis: dict[tuple[int, str], float | None]  # (ok run id, SLI name): value
    firing: dict[Pair, int]  # (service, slo or monitor alert): firing alerts


def firing_counts(conn: sa.Connection, services: Sequence[str]) -> dict[Pair, int]:
    """``{(service, slo): alerts firing}`` of some services."""
    table = Alert.__table__
    query = (
        sa.select(table.c.service, table.c.slo, sa.func.count())
        .where((table.c.state == "firing") & table.c.service.in_(list(services)))
        .group_by(table.c.service, table.c.slo)
    )
    return {(service, slo): int(n) for service, slo, n in conn.execute(query)}


def facts(
    conn: sa.Connection,
    slos: Sequence[Pair],
    monitors: Sequence[Pair],
    sli_names: Iterable[str],
) -> OverviewFacts:
    """The overview's rows for the configured (service, slo) and (service, monitor) pairs, with
    the SLIs ``sli_names`` of each monitor's newest ok run."""
    ok_runs = runs.latest_of(conn, monitors, ok_only=True)
    return OverviewFacts(
        evaluations=evaluations.latest_of(conn, slos),
        runs=runs.latest_of(conn, monitors),
        ok_runs=ok_runs,
        slis=runs.values_of(conn, [run["id"] for run in ok_runs.values()], sli_names),
        firing=firing_counts(conn, sorted({service for service, _ in [*slos, *monitors]})),
    )
