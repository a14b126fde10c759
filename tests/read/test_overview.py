"""The overview's read model (cockpit/read/overview.py) on a real store built by hand."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from cockpit.config.models import Config
from cockpit.read import common
from cockpit.read.overview import overview, overview_counts, service_badges
from cockpit.store import Store
from tests.read.stored import END, evaluation, make_config, quality_run


def test_overview_rows_sorted_by_what_needs_attention(filled: tuple[Config, Store]) -> None:
    config, store = filled
    frame = overview(store, config)
    assert list(zip(frame["service"], frame["slo"], frame["status"], strict=True)) == [
        ("svc-0", "valid", "firing"),  # its page fires: first, though its budget is spent too
        ("svc-0", "no-drift", "burning"),
        ("svc-1", "no-drift", "healthy"),  # less budget left than svc-1/valid
        ("svc-1", "valid", "healthy"),
        ("svc-2", "no-drift", "no_data"),
        ("svc-2", "valid", "no_data"),
    ]
    first = frame.iloc[0]
    assert first["budget_remaining"] == -0.5  # the newest evaluation, not the older one
    assert first["burn_1h"] == 30.0
    assert first["sli"] == pytest.approx(0.5)  # good/total of the newest run: 40/80
    assert first["active_alerts"] == 1
    assert first["link"] == "/service?service=svc-0"
    drift = frame.iloc[1]
    assert drift["sli"] == 0.5 and drift["sli_name"] == "drift_share <= 0.3"


def test_overview_takes_the_sli_of_the_newest_ok_run_when_the_newest_failed(
    filled: tuple[Config, Store],
) -> None:
    config, store = filled
    row = overview(store, config).set_index(["service", "slo"]).loc[("svc-1", "valid")]
    assert row["monitor_status"] == "failed"
    assert not row["monitors_healthy"]
    assert row["failing_monitors"] == "quality"
    assert row["sli"] == pytest.approx(199 / 200)
    assert row["last_run_at"] == END


def test_overview_query_count_does_not_grow_with_services(store: Store) -> None:
    statements: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    counts = []
    for n in (2, 20):
        config = make_config(n)
        store.save_slo_evaluations(
            [
                evaluation(f"svc-{i}", slo, END, 0.5)
                for i in range(n)
                for slo in ("valid", "no-drift")
            ]
        )
        store.save_runs(
            [
                quality_run(f"svc-{i}", END, 9, 10, status="failed" if i % 2 else "ok")
                for i in range(n)
            ]
        )
        statements.clear()
        assert len(overview(store, config)) == 2 * n
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 6


def test_overview_counts_and_service_badges(filled: tuple[Config, Store]) -> None:
    config, store = filled
    frame = overview(store, config)
    assert overview_counts(frame) == {
        "firing": 1,
        "stale": 0,
        "burning": 1,
        "exhausted": 0,
        "at_risk": 0,
        "healthy": 2,
        "no_data": 2,  # svc-2: valid has no events yet, no-drift was never evaluated
        "active_alerts": 1,
        "slos": 6,
    }
    badges = service_badges(frame)
    assert [(b["service"], b["status"]) for b in badges] == [
        ("svc-0", "firing"),
        ("svc-1", "healthy"),
        ("svc-2", "no_data"),
    ]
    assert badges[0]["summary"] == "1 firing, 1 burning of 2 SLOs; 1 alert firing"
    assert badges[1]["summary"] == "all healthy of 2 SLOs; failing monitors: quality"


def test_overview_of_an_empty_store(store: Store) -> None:
    config = make_config(2)
    assert common.is_empty(store)
    frame = overview(store, config)
    assert set(frame["status"]) == {"no_data"}
    assert frame["monitor_status"].eq("never run").all()
