"""Incremental SLO evaluation equals the full one: after many cycles of runs arriving in order,
late, replaced (ok to failed and back, values changed) and backfilled into the past, every
SLO's budget, burn rates, alert and status read from the cache are the full read's, and the
cache reads only the runs saved since its previous cycle."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from cockpit.config.loader import parse_config
from cockpit.engine.slo_cache import SloCache
from cockpit.engine.slos import SloReport, evaluate_slos, statuses
from cockpit.store import MonitorRun, RunRecord, Store, utcnow

T0 = datetime(2026, 10, 30, tzinfo=UTC)  # a month boundary inside the run: calendar_month resets
CONFIG = """\
version: cockpit/v1
services:
  - name: loan
    data:
      current: {kind: parquet, path: "logs/*.parquet", timestamp: ts}
    schema:
      height_cm: {type: float, min: 30, max: 300}
    monitors:
      - {name: quality, kind: data_quality, every: 5m}
      - {name: hourly, kind: data_quality, every: 1h, window: 1h}
    slos:
      - {name: valid, monitor: quality, objective: 0.99}
      - {name: valid-today, monitor: quality, objective: 0.9, window: 1d}
      - {name: valid-month, monitor: quality, objective: 0.95, window: calendar_month}
      - {name: mostly-valid, monitor: hourly, objective: 0.9, good: "valid_rows_share >= 0.5", window: 2d}
"""
SLOS = 4


def record(monitor: str, end: datetime, rng: random.Random) -> RunRecord:
    """A run ending at ``end``: mostly ok with uneven counts, sometimes failed or without data."""
    status = rng.choices(["ok", "failed", "no_data"], weights=[8, 1, 1])[0]
    total = round(rng.uniform(1, 500), 1) if status == "ok" else None
    good = round(total * rng.uniform(0.8, 1.0), 3) if total is not None else None
    share = rng.random() if status != "failed" and rng.random() > 0.1 else None
    return RunRecord(
        service="loan",
        monitor=monitor,
        kind="data_quality",
        window_start=end - timedelta(minutes=5 if monitor == "quality" else 60),
        window_end=end,
        status=status,
        slis={} if share is None else {"valid_rows_share": share},
        good=good,
        total=total,
    )


def same(ours: list[SloReport], full: list[SloReport]) -> None:
    assert [(r.service, r.slo) for r in ours] == [(r.service, r.slo) for r in full]
    for a, b in zip(ours, full, strict=True):
        where = f"{a.slo} at {a.at}"
        assert (a.good, a.total, a.alert, a.factor) == (b.good, b.total, b.alert, b.factor), where
        for x, y in [
            (a.error_budget_remaining, b.error_budget_remaining),
            *((a.burn_rates[w], b.burn_rates[w]) for w in b.burn_rates),
        ]:
            assert (x is None) == (y is None), where
            assert x is None or math.isclose(x, y, rel_tol=0, abs_tol=1e-12), where


def test_incremental_evaluation_equals_the_full_one_over_many_cycles(store: Store) -> None:
    config = parse_config(CONFIG)
    rng = random.Random(7)
    cache = SloCache()
    late: list[RunRecord] = []  # runs whose save comes some cycles after their window
    at = T0
    full_reads = 0
    saw = {"late": 0, "replaced": 0, "backfilled": 0, "back_in_time": 0, "restart": 0}
    for cycle in range(160):
        previous, at = at, at + timedelta(minutes=rng.choice([5, 30, 60, 90]))
        batch: list[RunRecord] = []
        for minutes, monitor in [(5, "quality"), (60, "hourly")]:
            end = previous - timedelta(seconds=previous.timestamp() % (minutes * 60))
            while (end := end + timedelta(minutes=minutes)) <= at:
                (late if rng.random() < 0.15 else batch).append(record(monitor, end, rng))
        if late and rng.random() < 0.5:  # late runs land, in no order
            rng.shuffle(late)
            landing, late = late[: rng.randint(1, len(late))], []
            batch += landing
            saw["late"] += len(landing)
        if cycle > 5 and rng.random() < 0.3:  # a window run again: another status, other values
            for run in store.runs("loan", limit=40)[rng.randint(0, 20) :: 7]:
                batch.append(record(run.monitor, run.window_end, rng))
                saw["replaced"] += 1
        if rng.random() < 0.1:  # a backfill of older history, some of it outside every window
            for hours in rng.sample(range(1, 80), 5):
                batch.append(record("hourly", at - timedelta(hours=hours), rng))
                batch.append(record("quality", at - timedelta(hours=hours, minutes=5), rng))
            saw["backfilled"] += 1
        store.save_runs(batch)
        moment = at
        if cycle > 10 and rng.random() < 0.05:  # an operator's run-once at an earlier moment
            moment = at - timedelta(hours=rng.randint(1, 30))
            full_reads += SLOS
            saw["back_in_time"] += 1
        if cycle in (60, 120):  # the daemon restarts: an empty cache
            cache = SloCache()
            full_reads = SLOS
            saw["restart"] += 1
        if cycle == 0:
            full_reads = SLOS
        ours = cache.evaluate(config, store, moment, save=False)
        full = evaluate_slos(config, store, moment, save=False)
        same(ours, full)
        assert statuses(config, store, moment, ours) == statuses(config, store, moment, full)
        assert cache.full_reads == full_reads, f"cycle {cycle}: read every window again"
        if moment != at:  # back to the present: what the earlier read holds serves it
            same(
                cache.evaluate(config, store, at, save=False),
                evaluate_slos(config, store, at, save=False),
            )
    assert all(saw.values()), saw  # every kind of change happened
    assert any(r.alert is not None for r in full) or any(r.total for r in full)


def test_a_cold_cache_reads_in_full_and_then_only_what_was_saved_since(store: Store) -> None:
    config = parse_config(CONFIG)
    rng = random.Random(1)
    ends = [T0 + timedelta(minutes=5 * i) for i in range(1, 289)]
    store.save_runs([record("quality", end, rng) for end in ends])
    with store.begin() as conn:  # saved a while ago, as a day of runs would have been
        conn.execute(sa.update(MonitorRun.__table__).values(saved_at=utcnow() - timedelta(days=1)))
    cache = SloCache()
    at = ends[-1]
    same(
        cache.evaluate(config, store, at, save=False), evaluate_slos(config, store, at, save=False)
    )
    assert cache.full_reads == SLOS
    for i in range(1, 4):
        at = at + timedelta(minutes=5)
        store.save_run(record("quality", at, rng))
        before = cache.changed_reads
        same(
            cache.evaluate(config, store, at, save=False),
            evaluate_slos(config, store, at, save=False),
        )
        # the runs saved within the overlap are read again; never the day of older runs
        assert cache.changed_reads - before <= i + 1 < len(ends)
    assert cache.full_reads == SLOS


@pytest.mark.parametrize(
    "change", ["spec", "removed"], ids=["a changed SLO is read again", "a removed SLO is forgotten"]
)
def test_a_reload_changes_what_the_cache_holds(store: Store, change: str) -> None:
    rng = random.Random(2)
    ends = [T0 + timedelta(hours=i) for i in range(1, 30)]
    store.save_runs([record("hourly", end, rng) for end in ends])
    cache = SloCache()
    cache.evaluate(parse_config(CONFIG), store, ends[-1], save=False)
    if change == "spec":
        edited = parse_config(CONFIG.replace(">= 0.5", ">= 0.7"))
        same(
            cache.evaluate(edited, store, ends[-1], save=False),
            evaluate_slos(edited, store, ends[-1], save=False),
        )
        assert cache.full_reads == SLOS + 1
    else:
        edited = parse_config(
            CONFIG.replace("      - {name: valid-today", "      - {name: gone-today")
        )
        cache.evaluate(edited, store, ends[-1], save=False)
        assert ("loan", "valid-today") not in cache._buckets
