"""The service page's read model (cockpit/read/service.py) on a real store built by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cockpit.config.models import Config
from cockpit.read.buckets import MAX_POINTS
from cockpit.read.service import (
    budget_series,
    monitor_health,
    run_history,
    sli_series,
    time_range,
)
from cockpit.store import RunRecord, Store
from tests.read.stored import END, STEP, make_config, quality_run


def test_sli_series_of_an_occurrence_slo_is_good_over_total(filled: tuple[Config, Store]) -> None:
    config, store = filled
    series = sli_series(store, config, "svc-0", "valid")
    assert series["value"].tolist() == pytest.approx([0.9, 0.5])
    assert series["threshold"].tolist() == [0.99, 0.99]


def test_sli_series_of_a_timeslice_slo_is_its_condition_sli(filled: tuple[Config, Store]) -> None:
    config, store = filled
    series = sli_series(store, config, "svc-0", "no-drift")
    assert series["value"].tolist() == [0.0, 0.5]
    assert series["threshold"].tolist() == [0.3, 0.3]


def test_long_series_are_bucketed_keeping_true_ratios(store: Store) -> None:
    config = make_config(1)
    runs = [quality_run("svc-0", END - STEP * i, 100 - (i % 2) * 50, 100) for i in range(2000)]
    store.save_runs(runs)
    series = sli_series(store, config, "svc-0", "valid")
    assert len(series) <= MAX_POINTS
    # every 15-minute bucket holds 3 runs: 150/200 or 200/300 alternately -> never a mean of ratios
    assert set(series["value"].round(4)) <= {0.75, 0.8333, 0.6667, 0.5, 1.0}


def test_budget_series_reads_the_kept_evaluations(filled: tuple[Config, Store]) -> None:
    _config, store = filled
    series = budget_series(store, "svc-0", "valid")
    assert series["budget_remaining"].tolist() == [0.2, -0.5]
    assert series["alert_severity"].tolist() == [None, "page"]


def test_monitor_health_counts_runs_and_keeps_the_last_error(filled: tuple[Config, Store]) -> None:
    config, store = filled
    health = monitor_health(store, config, "svc-1").set_index("monitor")
    assert health.loc["quality", "last_status"] == "failed"
    assert health.loc["quality", "ok"] == 1 and health.loc["quality", "failed"] == 1
    assert health.loc["quality", "last_error"] == "boom: source unreachable"
    assert health.loc["drift", "last_status"] == "never run"
    failures = run_history(store, "svc-1", failures_only=True)
    assert failures["status"].tolist() == ["failed"]
    assert failures["error"].tolist() == ["boom: source unreachable"]


def test_run_history_explains_windows_without_data(store: Store) -> None:
    empty = RunRecord(
        service="svc-0",
        monitor="quality",
        kind="data_quality",
        window_start=END - STEP,
        window_end=END,
        status="no_data",
        details={"reason": "no rows in the window", "rows": 0},
    )
    store.save_runs([quality_run("svc-0", END - STEP, 9, 10), empty])
    history = run_history(store, "svc-0")
    assert history["status"].tolist() == ["no_data", "ok"]
    assert history["error"].tolist() == ["no rows in the window", None]


def test_time_range_ends_at_the_newest_data(filled: tuple[Config, Store]) -> None:
    _config, store = filled
    assert time_range(store, "svc-0", "last 24 hours") == (END - timedelta(days=1), END)
    assert time_range(store, "svc-2", "last 24 hours") is None
