"""Retention on a real SQLite file and a real PostgreSQL: old runs and SLO history go, what
SLOs still read stays (their status and burn rates are the same after a prune), and so does
whatever an open incident, an unacknowledged alert or an unsent delivery refers to."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from cockpit.config.loader import parse_config
from cockpit.config.models import Config
from cockpit.engine.retention import REFERENCE_LOOKBACK, prune
from cockpit.engine.slos import evaluate_history, evaluate_slos, statuses
from cockpit.store import Alert, Incident, Outbox, RunRecord, SloEvaluation, Store

END = datetime(2026, 11, 10, tzinfo=UTC)
DAYS = 40
CONFIG = """\
version: cockpit/v1
store_retention: {runs: 30d, slo_history_margin: 2d}
services:
"""
SERVICE = """\
  - name: {name}
    data:
      current: {{kind: parquet, path: "logs/*.parquet", timestamp: ts}}
    schema:
      x: {{type: float, min: 0, max: 10}}
    monitors:
      - {{name: quality, kind: data_quality, every: 1h, window: 1h}}
      - {{name: hourly, kind: data_quality, every: 1h, window: 1h}}
    slos:
      - {{name: valid, monitor: quality, objective: 0.99}}
      - {{name: mostly-valid, monitor: hourly, objective: 0.9, good: "valid_rows_share >= 0.95"}}
"""
RUNS_KEPT = timedelta(days=30)  # store_retention.runs, longer than the 28-day SLO windows
HISTORY_KEPT = timedelta(days=30)  # the 28-day window + slo_history_margin


def make_config(tmp_path: Path, services: tuple[str, ...] = ("loan", "ads")) -> Config:
    text = CONFIG + "".join(SERVICE.format(name=name) for name in services)
    (tmp_path / "cockpit.yaml").write_text(text)
    return parse_config(text, str(tmp_path / "cockpit.yaml"), source_file=tmp_path / "cockpit.yaml")


def fill(config: Config, store: Store, *, days: int = DAYS) -> list[datetime]:
    """Hourly runs of every monitor over ``days`` up to END, some hours bad; the SLOs evaluated
    at every hour (the kept history)."""
    rng = np.random.default_rng(3)
    hours = [END - timedelta(hours=h) for h in range(days * 24 - 1, -1, -1)]
    records = []
    for service in config.services:
        for monitor in service.monitors:
            for at in hours:
                bad = float(rng.choice([0, 0, 0, 2, 8]))
                records.append(
                    RunRecord(
                        service=service.name,
                        monitor=monitor.name,
                        kind="data_quality",
                        window_start=at - timedelta(hours=1),
                        window_end=at,
                        status="ok",
                        slis={"valid_rows_share": (100 - bad) / 100, "rows": 100.0},
                        good=100 - bad,
                        total=100.0,
                    )
                )
    store.save_runs(records)
    evaluate_history(config, store, hours)
    return hours


def run_ends(store: Store, service: str) -> list[datetime]:
    return sorted(r.window_end for r in store.runs(service))


def evaluation_times(store: Store, service: str) -> list[datetime]:
    with store.connect() as conn:
        table = SloEvaluation.__table__
        query = sa.select(table.c.at).where(table.c.service == service)
        return sorted(conn.execute(query).scalars())


def slo_state(config: Config, store: Store, at: datetime) -> list[dict[str, Any]]:
    """Every SLO's report (budget, burn rates, alert) and status word at ``at``, not saved."""
    reports = evaluate_slos(config, store, at, save=False)
    words = statuses(config, store, at, reports)
    return [{**r.to_json(), "status": words[(r.service, r.slo)]} for r in reports]


@pytest.fixture
def filled(tmp_path: Path, store: Store) -> tuple[Config, Store, list[datetime]]:
    config = make_config(tmp_path)
    return config, store, fill(config, store)


def test_runs_older_than_the_retention_go_and_the_recent_ones_stay(filled) -> None:  # noqa: ANN001
    config, store, hours = filled
    kept = [t for t in hours if t >= END - RUNS_KEPT]
    assert len(kept) < len(hours)  # there is something to delete
    before = store.measurements("loan", "quality", since=END - RUNS_KEPT - timedelta(hours=1))

    pruned = prune(config, store, END)

    for service in ("loan", "ads"):
        assert run_ends(store, service) == sorted(kept + kept)  # two monitors each
    gone = len(hours) - len(kept)
    assert pruned.to_json()["deleted"] == {
        "runs": 4 * gone,
        "measurements": 4 * gone * 2,
        "slo_evaluations": 4 * (len(hours) - len([t for t in hours if t >= END - HISTORY_KEPT])),
    }
    assert store.measurements("loan", "quality", until=END - RUNS_KEPT - timedelta(hours=1)) == []
    # the values of the runs kept are all there
    assert store.measurements("loan", "quality", since=END - RUNS_KEPT - timedelta(hours=1)) == [
        row for row in before if row[0] >= END - RUNS_KEPT
    ]
    assert prune(config, store, END).to_json()["deleted"] == {
        "runs": 0,
        "measurements": 0,
        "slo_evaluations": 0,
    }


def test_slo_status_and_burn_rates_are_the_same_after_a_prune(filled) -> None:  # noqa: ANN001
    config, store, _hours = filled
    state_before = slo_state(config, store, END)
    assert any(s["burn_rates"]["1d"] for s in state_before)  # something burns: a real check
    history_before = {
        slo.name: [
            (e.at, e.error_budget_remaining, e.burn_rates)
            for e in store.slo_evaluations("loan", slo.name, since=END - timedelta(days=28))
        ]
        for slo in config.service("loan").slos
    }

    prune(config, store, END)

    assert slo_state(config, store, END) == state_before
    for slo, rows in history_before.items():
        after = store.slo_evaluations("loan", slo, since=END - timedelta(days=28))
        assert [(e.at, e.error_budget_remaining, e.burn_rates) for e in after] == rows
    assert evaluation_times(store, "loan")[0] >= END - HISTORY_KEPT


def test_a_dry_run_counts_what_a_prune_deletes_and_deletes_nothing(filled) -> None:  # noqa: ANN001
    config, store, _hours = filled
    runs_before = run_ends(store, "loan")
    dry = prune(config, store, END, dry_run=True)
    assert run_ends(store, "loan") == runs_before
    assert dry.to_json()["deleted"]["runs"] > 0
    assert prune(config, store, END).to_json()["deleted"] == dry.to_json()["deleted"]


def test_a_prune_stopped_between_batches_goes_on_where_it_stopped(filled) -> None:  # noqa: ANN001
    config, store, _hours = filled
    expected = prune(config, store, END, dry_run=True).to_json()["deleted"]
    batches = iter(range(3))

    def stop_after_three() -> bool:
        return next(batches, None) is None

    first = prune(config, store, END, batch=50, should_stop=stop_after_three)
    assert not first.complete and 0 < first.total("runs") < expected["runs"]
    rest = prune(config, store, END, batch=50)
    assert rest.complete
    for name, total in expected.items():
        assert first.total(name) + rest.total(name) == total


def _open_incident(conn: sa.Connection, at: datetime) -> None:
    conn.execute(
        sa.insert(Incident.__table__).values(
            service="ads", title="t", severity="page", status="open", opened_at=at, version=1
        )
    )


def _closed_incident(conn: sa.Connection, at: datetime) -> None:
    conn.execute(
        sa.insert(Incident.__table__).values(
            service="ads", title="t", severity="page", status="closed", opened_at=at, version=1
        )
    )


def _alert(conn: sa.Connection, at: datetime, **values: Any) -> int:
    row = {
        "fingerprint": "fp",
        "service": "ads",
        "slo": "valid",
        "severity": "page",
        "state": "firing",
        "started_at": at,
        "last_evaluated_at": at,
        "notifications": 0,
        "silenced": False,
        **values,
    }
    return conn.execute(sa.insert(Alert.__table__).returning(Alert.__table__.c.id), row).scalar()


def _unacked_alert(conn: sa.Connection, at: datetime) -> None:
    _alert(conn, at)


def _acked_alert(conn: sa.Connection, at: datetime) -> None:
    _alert(conn, at, acked_by="sre", acked_at=at)


def _outbox(status: str) -> Callable[[sa.Connection, datetime], None]:
    def add(conn: sa.Connection, at: datetime) -> None:
        alert_id = _alert(conn, at, state="resolved", resolved_at=at)
        conn.execute(
            sa.insert(Outbox.__table__).values(
                idempotency_key=f"key-{status}",
                kind="slack",
                target="page",
                payload="{}",
                status=status,
                attempts=0,
                next_attempt_at=at,
                created_at=at,
                alert_id=alert_id,
            )
        )

    return add


@pytest.mark.parametrize(
    ("refer", "keeps"),
    [
        pytest.param(_open_incident, True, id="an open incident keeps its service's history"),
        pytest.param(_unacked_alert, True, id="a firing alert nobody acked keeps it"),
        pytest.param(_outbox("pending"), True, id="a delivery still to send keeps it"),
        pytest.param(_closed_incident, False, id="a closed incident keeps nothing"),
        pytest.param(_acked_alert, False, id="an acked alert keeps nothing"),
        pytest.param(_outbox("delivered"), False, id="a delivered message keeps nothing"),
    ],
)
def test_what_is_still_referenced_survives(
    filled,  # noqa: ANN001
    refer: Callable[[sa.Connection, datetime], None],
    keeps: bool,
) -> None:
    config, store, hours = filled
    referenced_at = END - timedelta(days=33)
    with store.begin() as conn:
        refer(conn, referenced_at)

    pruned = prune(config, store, END)

    kept_from = referenced_at - REFERENCE_LOOKBACK if keeps else END - RUNS_KEPT
    expected = [t for t in hours if t >= kept_from]
    assert run_ends(store, "ads") == sorted(expected + expected)
    assert evaluation_times(store, "ads")[0] == min(
        t for t in hours if t >= (kept_from if keeps else END - HISTORY_KEPT)
    )
    assert run_ends(store, "loan")[0] == min(t for t in hours if t >= END - RUNS_KEPT)
    assert ("ads" in pruned.to_json()["kept_for_references"]) is keeps


def test_a_monitor_that_stopped_long_ago_keeps_its_newest_ok_run(
    tmp_path: Path, store: Store
) -> None:
    config = make_config(tmp_path, ("loan",))
    fill(config, store, days=5)  # every run is older than 30 days at END + 60d
    later = END + timedelta(days=60)

    prune(config, store, later)

    for monitor in ("quality", "hourly"):
        runs = store.runs("loan", monitor)
        assert [r.window_end for r in runs] == [END]  # staleness is still judged by it
    assert evaluation_times(store, "loan") == [END, END]  # each SLO's newest evaluation


def test_store_prune_on_the_command_line_reports_then_deletes(filled, tmp_path: Path) -> None:  # noqa: ANN001
    config, store, hours = filled
    env = {"COCKPIT_DATABASE_URL": store.url}
    args = ["store", "prune", str(tmp_path / "cockpit.yaml"), "--at", "2026-11-10T00:00:00Z"]
    dry = cli(*args, "--dry-run", "--json", env=env)
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert report["dry_run"] is True and report["runs_before"] == "2026-10-11T00:00:00Z"
    assert report["deleted"]["runs"] == 4 * len([t for t in hours if t < END - RUNS_KEPT])
    assert len(run_ends(store, "loan")) == 2 * len(hours)

    done = cli(*args, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"deleted {report['deleted']['runs']} runs")
    assert len(run_ends(store, "loan")) == 2 * len([t for t in hours if t >= END - RUNS_KEPT])


def test_store_prune_on_a_store_that_does_not_exist_creates_none(tmp_path: Path) -> None:
    make_config(tmp_path)
    db = tmp_path / "nothing.db"
    done = cli(
        "store",
        "prune",
        str(tmp_path / "cockpit.yaml"),
        env={"COCKPIT_DATABASE_URL": f"sqlite:///{db}"},
    )
    assert done.returncode == 1 and "cockpit db upgrade" in done.stderr
    assert not db.exists()


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "cockpit.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )
