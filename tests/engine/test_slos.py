"""SLO state through the CLI and the store: the JSON contract, kept history, the status table."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.config.loader import load_config
from cockpit.engine.cycle import replay, run_cycle
from cockpit.store import Store
from tests.engine.test_runner import T0, UNIT_CHANGE, cli, make_logs  # noqa: F401 - shared scenario

CONFIG_WITH_SLOS = """\
version: cockpit/v1
services:
  - name: loan
    data:
      current: {kind: parquet, path: "logs/*.parquet", timestamp: ts}
    schema:
      height_cm: {type: float, min: 30, max: 300, nullable: false}
    monitors:
      - {name: quality, kind: data_quality, every: 5m}
      - {name: hourly, kind: data_quality, every: 1h, window: 1h}
    slos:
      - {name: valid, monitor: quality, objective: 0.99}
      - {name: mostly-valid, monitor: hourly, objective: 0.9, good: "valid_rows_share >= 0.5", window: 30d}
"""


@pytest.fixture
def project(tmp_path: Path, store_url: str) -> tuple[Path, str]:
    make_logs(tmp_path)
    (tmp_path / "cockpit.yaml").write_text(CONFIG_WITH_SLOS)
    return tmp_path / "cockpit.yaml", store_url


def test_run_once_fills_slos_with_the_contract_fields(project: tuple[Path, str]) -> None:
    config, url = project
    replay(load_config(config), Store(url), T0, UNIT_CHANGE + timedelta(minutes=55))
    done = cli(
        "run-once",
        str(config),
        "--at",
        "2026-10-02T07:00:00Z",
        "--json",
        env={"COCKPIT_DATABASE_URL": url},
    )
    assert done.returncode == 0, done.stderr
    slos = {s["slo"]: s for s in json.loads(done.stdout)["slos"]}
    valid = slos["valid"]
    assert set(valid) == {
        "service",
        "slo",
        "objective",
        "window",
        "method",
        "good",
        "total",
        "error_budget_remaining",
        "burn_rates",
        "alerts",
    }
    assert (valid["service"], valid["objective"], valid["window"], valid["method"]) == (
        "loan",
        0.99,
        "28d",
        "occurrences",
    )
    assert set(valid["burn_rates"]) == {"5m", "30m", "1h", "2h", "6h", "1d", "3d"}
    # heights in metres since 06:00: every row bad for the last hour, 5m and 30m
    assert valid["burn_rates"]["5m"] == pytest.approx(100)
    assert valid["burn_rates"]["1h"] == pytest.approx(100)
    assert valid["total"] == 31 * 60
    assert valid["error_budget_remaining"] == pytest.approx(1 - (60 / 1860) / 0.01)
    assert valid["alerts"] == [
        {"severity": "page", "long_window": "1h", "short_window": "5m", "factor": 13.44}
    ]
    assert slos["mostly-valid"]["method"] == "timeslices"
    assert slos["mostly-valid"]["window"] == "30d"


def test_backfill_keeps_every_evaluation_for_the_burn_down(project: tuple[Path, str]) -> None:
    config, url = project
    store = Store(url)
    replay(load_config(config), store, T0, T0 + timedelta(hours=36))
    history = store.slo_evaluations("loan", "valid")
    assert len(history) == 36 * 12
    budgets = [h.error_budget_remaining for h in history]
    assert budgets[0] == 1.0
    before = [h for h in history if h.at <= UNIT_CHANGE]
    assert all(h.alert_severity is None for h in before)
    after = [h for h in history if h.at > UNIT_CHANGE + timedelta(minutes=5)]
    assert all(h.alert_severity == "page" for h in after)
    assert budgets[-1] < 0  # six hours of every row bad: the 28-day budget is gone


def test_the_history_equals_evaluating_each_moment(project: tuple[Path, str]) -> None:
    config, url = project
    store = Store(url)
    loaded = load_config(config)
    replay(loaded, store, T0, T0 + timedelta(hours=32))
    history = {h.at: h for h in store.slo_evaluations("loan", "mostly-valid")}
    at = T0 + timedelta(hours=31)
    fresh = {s["slo"]: s for s in run_cycle(loaded, store, at).slos}["mostly-valid"]
    assert history[at].error_budget_remaining == pytest.approx(fresh["error_budget_remaining"])
    assert json.loads(history[at].burn_rates) == pytest.approx(fresh["burn_rates"], nan_ok=True)


def test_slo_status_prints_a_table_with_a_budget_bar(project: tuple[Path, str]) -> None:
    config, url = project
    replay(load_config(config), Store(url), T0, UNIT_CHANGE + timedelta(hours=2))
    done = cli(
        "slo",
        "status",
        str(config),
        "--at",
        "2026-10-02T08:00:00Z",
        env={"COCKPIT_DATABASE_URL": url, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    assert "valid" in done.stdout and "page" in done.stdout and "░" in done.stdout
    as_json = cli(
        "slo",
        "status",
        str(config),
        "--at",
        "2026-10-02T08:00:00Z",
        "--json",
        env={"COCKPIT_DATABASE_URL": url},
    )
    assert [s["slo"] for s in json.loads(as_json.stdout)] == ["valid", "mostly-valid"]
