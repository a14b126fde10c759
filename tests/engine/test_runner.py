"""The runner and the CLI on real files and a real store: one cycle, failures kept local."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cockpit.config.loader import load_config
from cockpit.engine.runner import Runner, backfill
from cockpit.kinds.drift import drift_report
from cockpit.read.panels import StoreReader
from cockpit.store import RunRecord, Store

T0 = datetime(2026, 10, 1, tzinfo=UTC)
UNIT_CHANGE = T0 + timedelta(hours=30)

CONFIG = textwrap.dedent(
    """\
    version: cockpit/v1
    services:
      - name: loan
        data:
          current: {kind: parquet, path: "logs/*.parquet", timestamp: ts}
          reference: {kind: parquet, path: reference.parquet, timestamp: ts}
        schema:
          height_cm: {type: float, min: 30, max: 300, nullable: false}
          plan: {type: category, allowed: [basic, pro]}
        monitors:
          - {name: quality, kind: data_quality, every: 5m}
          - {name: hourly, kind: data_quality, every: 1h, window: 1h}
        slos:
          - {name: valid, monitor: quality, objective: 0.99}
      - name: broken
        data:
          current: {kind: parquet, path: "logs/*.parquet", timestamp: ts}
        schema:
          weight_kg: {type: float}
        monitors:
          - {name: quality, kind: data_quality, every: 5m}
    """
)


def make_logs(folder: Path, days: int = 2) -> pd.DataFrame:
    """One row a minute; heights in metres from UNIT_CHANGE on."""
    rng = np.random.default_rng(1)
    ts = pd.date_range(T0, periods=days * 1440, freq="1min", tz="UTC")
    height = rng.normal(170, 8, len(ts))
    height = np.where(ts >= pd.Timestamp(UNIT_CHANGE), height / 100, height)
    frame = pd.DataFrame(
        {"ts": ts, "height_cm": height, "plan": rng.choice(["basic", "pro"], len(ts))}
    )
    (folder / "logs").mkdir(parents=True)
    for day, part in frame.groupby(frame["ts"].dt.date):
        part.to_parquet(folder / "logs" / f"day-{day}.parquet", index=False)
    reference = frame.iloc[:1440].copy()
    reference["ts"] = reference["ts"] - pd.Timedelta(days=7)
    reference.to_parquet(folder / "reference.parquet", index=False)
    return frame


@pytest.fixture
def project(tmp_path: Path, store_url: str) -> tuple[Path, str]:
    make_logs(tmp_path)
    (tmp_path / "cockpit.yaml").write_text(CONFIG)
    return tmp_path / "cockpit.yaml", store_url


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cockpit.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_run_once_json_reports_each_due_monitor_and_keeps_failures_local(
    project: tuple[Path, str],
) -> None:
    config, url = project
    at = "2026-10-02T08:00:00Z"  # after the unit change: heights in metres
    done = cli("run-once", str(config), "--at", at, "--json", env={"COCKPIT_DATABASE_URL": url})
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {"at", "runs", "slos", "alerts", "actions"}
    assert out["at"] == at
    runs = {(r["service"], r["monitor"]): r for r in out["runs"]}
    quality = runs[("loan", "quality")]
    assert quality["status"] == "ok"
    assert (quality["window_start"], quality["window_end"]) == ("2026-10-02T07:55:00Z", at)
    assert (quality["good"], quality["total"]) == (0, 5)
    assert quality["slis"]["valid_rows_share"] == 0
    assert quality["slis"]["out_of_range_share[height_cm]"] == 1
    assert quality["slis"]["volume_ratio"] == pytest.approx(1.0, rel=0.01)
    assert quality["duration_s"] > 0
    assert set(quality) == {
        "service",
        "monitor",
        "kind",
        "status",
        "window_start",
        "window_end",
        "slis",
        "good",
        "total",
        "duration_s",
        "error",
        "engine",
    }
    assert quality["engine"] == "pandas"  # a small CSV window stays in process under auto
    broken = runs[("broken", "quality")]
    assert broken["status"] == "failed"
    assert "weight_kg" in broken["error"] and "services[1].data.current" in broken["error"]
    assert runs[("loan", "hourly")]["total"] == 60


def test_before_the_unit_change_the_rows_are_valid(project: tuple[Path, str]) -> None:
    config, url = project
    result = Runner(load_config(config), Store(url)).run_once(
        datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    )
    quality = next(r for r in result.runs if (r.service, r.monitor) == ("loan", "quality"))
    assert quality.slis["valid_rows_share"] == 1.0


def test_the_same_moment_twice_never_counts_twice(project: tuple[Path, str]) -> None:
    config, url = project
    store = Store(url)
    at = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    Runner(load_config(config), store).run_once(at)
    Runner(load_config(config), store).run_once(at)
    runs = store.runs("loan", "quality")
    assert len(runs) == 1 and runs[0].total == 5


def test_an_empty_window_is_no_data(project: tuple[Path, str]) -> None:
    config, url = project
    result = Runner(load_config(config), Store(url)).run_once(datetime(2026, 12, 1, tzinfo=UTC))
    quality = next(r for r in result.runs if (r.service, r.monitor) == ("loan", "quality"))
    assert quality.status == "no_data" and quality.good is None and quality.error is None


def test_off_schedule_moments_run_only_what_has_not_run_lately(project: tuple[Path, str]) -> None:
    config, url = project
    runner = Runner(load_config(config), Store(url))
    first = runner.run_once(datetime(2026, 10, 1, 12, 0, tzinfo=UTC))
    assert {(r.service, r.monitor) for r in first.runs} == {
        ("loan", "quality"),
        ("loan", "hourly"),
        ("broken", "quality"),
    }
    later = runner.run_once(
        datetime(2026, 10, 1, 12, 7, tzinfo=UTC)
    )  # 5m monitors overdue, hourly not
    assert {(r.service, r.monitor) for r in later.runs} == {
        ("loan", "quality"),
        ("broken", "quality"),
    }
    quality = next(r for r in later.runs if r.service == "loan")
    # the bucket starts where the previous run ended: no event counted twice
    assert quality.window_start == datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    assert quality.total == 7


def test_backfill_replays_every_tick_and_tiles_time(project: tuple[Path, str]) -> None:
    config, url = project
    store = Store(url)
    runner = Runner(load_config(config), store)
    records = backfill(runner, T0, T0 + timedelta(days=2))
    loan = [r for r in records if (r.service, r.monitor) == ("loan", "quality")]
    assert len(loan) == 2 * 288
    assert sum(r.total for r in loan if r.total) == 2 * 1440  # buckets tile time: each row once
    collapse = [r for r in loan if r.window_start >= UNIT_CHANGE]
    assert collapse and all(r.slis["valid_rows_share"] == 0 for r in collapse)
    assert len(store.runs("loan", "quality")) == 2 * 288


def test_backfill_gives_the_same_results_as_single_runs(project: tuple[Path, str]) -> None:
    config, url = project
    runner = Runner(load_config(config), Store(url))
    replayed = backfill(runner, T0 + timedelta(hours=29), T0 + timedelta(hours=31))
    at = T0 + timedelta(hours=30, minutes=5)
    fresh = Runner(load_config(config), Store(url)).run_monitor(
        load_config(config).services[0], load_config(config).services[0].monitors[0], at
    )
    match = next(
        r for r in replayed if r.monitor == "quality" and r.service == "loan" and r.window_end == at
    )
    assert match.slis == fresh.slis


def test_an_invalid_config_exits_2_with_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        CONFIG.replace("objective: 0.99", "objective: 99").replace("every: 1h,", "every: hourly,")
    )
    done = cli("run-once", str(bad), "--at", "2026-10-02T08:00:00Z", "--json")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines == [
        f"{bad}:12: services[0].monitors[1].every: not a duration: 'hourly' (write a number and a unit, like '30s', '5m', '1h', '28d')",
        f"{bad}:14: services[0].slos[0].objective: must be between 0 and 1, got 99 (write 0.99)",
    ]
    assert done.stdout == ""
    assert cli("validate", str(bad)).returncode == 2
    assert cli("validate", str(bad).replace("bad", "nope")).returncode == 2


def test_validate_exits_0_on_a_valid_config(project: tuple[Path, str]) -> None:
    config, _ = project
    done = cli("validate", str(config))
    assert done.returncode == 0 and "ok" in done.stdout


def test_db_upgrade_reports_the_revision(project: tuple[Path, str]) -> None:
    config, url = project
    done = cli("db", "upgrade", str(config), env={"COCKPIT_DATABASE_URL": url})
    assert done.returncode == 0, done.stderr
    assert "0008" in done.stdout


# --- Evidently drift reports (each test below imports Evidently: keep them few) ----------------

DRIFT_CONFIG = textwrap.dedent(
    """\
    version: cockpit/v1
    services:
      - name: loan
        data:
          current: {kind: parquet, path: "logs/*.parquet", timestamp: ts}
          reference: {kind: parquet, path: reference.parquet, timestamp: ts}
        schema:
          height_cm: {type: float, min: 30, max: 300, nullable: false}
          plan: {type: category, allowed: [basic, pro]}
        monitors:
          - {name: drift, kind: drift, every: 1h, window: 1d, report: true}
    """
)


@pytest.fixture
def drift_project(tmp_path: Path, store_url: str) -> tuple[Path, str]:
    folder = tmp_path / "project"
    make_logs(folder)
    (folder / "cockpit.yaml").write_text(DRIFT_CONFIG)
    return folder / "cockpit.yaml", store_url


def test_a_backfill_keeps_the_report_of_the_newest_ok_drift_window(
    drift_project: tuple[Path, str],
) -> None:
    config_path, url = drift_project
    config, store = load_config(config_path), Store(url)
    # Past the data's end: the last windows hold too few rows and are no_data.
    records = backfill(Runner(config, store), T0, T0 + timedelta(days=3))
    ok = [r for r in records if r.status == "ok"]
    assert ok and records[-1].status == "no_data"
    newest_ok = max(r.window_end for r in ok)
    found = drift_report(StoreReader(store, config, "loan", "drift"))
    assert found is not None, "the backfill left no report"
    assert found["at"] == newest_ok
    assert "height_cm" in found["html"]
    kept = [r for r in store.runs("loan", "drift") if "report_path" in (r.details or "")]
    assert len(kept) == 1  # one report at the end, not one per hour


def test_a_report_written_from_another_working_directory_is_found(
    drift_project: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_path, url = drift_project
    at = "2026-10-02T12:00:00Z"  # a full day of rows in the window
    done = subprocess.run(
        [sys.executable, "-m", "cockpit.cli", "run-once", "project/cockpit.yaml", "--at", at],
        cwd=tmp_path,  # the config path is relative to this folder, not to the config's
        capture_output=True,
        text=True,
        env={**os.environ, "COCKPIT_DATABASE_URL": url},
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    elsewhere = tmp_path / "ui"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the cockpit runs from yet another folder
    config = load_config(Path("..") / "project" / "cockpit.yaml")
    found = drift_report(StoreReader(Store(url), config, "loan", "drift"))
    assert found is not None, "the report the run wrote is not found"
    assert Path(found["path"]) == config_path.parent / "reports" / "loan" / "drift" / "latest.html"
    [run] = Store(url).runs("loan", "drift")
    stored = json.loads(run.details or "{}")["report_path"]
    assert not Path(stored).is_absolute()  # beside the config, wherever the store is read from


def test_a_backfill_of_older_history_leaves_a_newer_report_alone(
    drift_project: tuple[Path, str],
) -> None:
    config_path, url = drift_project
    config, store = load_config(config_path), Store(url)
    newer = T0 + timedelta(days=5)  # a run the daemon made after the history being filled
    store.save_run(
        RunRecord(
            service="loan",
            monitor="drift",
            kind="drift",
            window_start=newer - timedelta(days=1),
            window_end=newer,
            status="ok",
            details={"report_path": "reports/loan/drift/latest.html"},
        )
    )
    records = backfill(Runner(config, store), T0, T0 + timedelta(days=2))
    assert any(r.status == "ok" for r in records)
    assert not [r for r in records if "report_path" in r.details]
    assert not (config_path.parent / "reports").exists()  # the newer run's report not replaced


REQUESTS_CONFIG = textwrap.dedent(
    """\
    version: cockpit/v1
    services:
      - name: api
        data:
          current: {kind: csv, path: requests.csv, timestamp: ts}
        monitors:
          - {name: latency, kind: system, metric: latency, column: latency_ms, threshold_ms: 300, error_column: error, every: 5m}
          - {name: errors, kind: system, metric: error_rate, error_column: error, every: 5m}
        slos:
          - {name: fast, monitor: latency, objective: 0.99}
    """
)


@pytest.mark.parametrize(
    ("latency_ms", "error", "failed", "column", "example"),
    [
        ("120 ms", "False", {"latency"}, "latency column 'latency_ms'", "'120 ms'"),
        ("120", "no", {"latency", "errors"}, "error column 'error'", "'no'"),
    ],
    ids=[
        "a latency column written with its unit fails the run and names the column and file",
        "a text error column fails the runs and names the column and file",
    ],
)
def test_a_text_column_of_a_system_monitor_fails_the_run_and_names_it(
    tmp_path: Path,
    store_url: str,
    latency_ms: str,
    error: str,
    failed: set[str],
    column: str,
    example: str,
) -> None:
    at = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    rows = [
        f"{(at - timedelta(seconds=10 * i)).isoformat()},{latency_ms},{error}" for i in range(1, 20)
    ]
    (tmp_path / "requests.csv").write_text("ts,latency_ms,error\n" + "\n".join(rows) + "\n")
    (tmp_path / "cockpit.yaml").write_text(REQUESTS_CONFIG)
    store = Store(store_url)
    result = Runner(load_config(tmp_path / "cockpit.yaml"), store).run_once(at)
    runs = {r.monitor: r for r in result.runs}
    assert {name for name, r in runs.items() if r.status == "failed"} == failed
    for name in failed:
        error_text = runs[name].error
        assert error_text.startswith("services[0].data.current (csv 'requests.csv'): "), error_text
        assert column in error_text and example in error_text, error_text
        assert runs[name].good is None and runs[name].total is None
    assert {r.status for r in store.runs("api", "latency")} == {"failed"}


READ_ONLY = [
    ("slo", "status"),
    ("alerts", "list"),
    ("alerts", "silences"),
    ("actions", "list"),
    ("incidents", "list"),
    ("incidents", "export", "1"),
]


def _tables(url: str) -> set[str]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", READ_ONLY, ids=lambda c: f"cockpit {' '.join(c[:2])}")
def test_a_read_only_command_on_a_store_that_does_not_exist_says_so_and_creates_none(
    tmp_path: Path, store_url: str, command: tuple[str, ...]
) -> None:
    """SQLite: no file there; PostgreSQL: an empty schema (no migration ever ran)."""
    config = tmp_path / "cockpit.yaml"
    config.write_text(CONFIG)
    done = cli(*command[:2], str(config), *command[2:], env={"COCKPIT_DATABASE_URL": store_url})
    assert done.returncode == 1, done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"error: no store at {store_url}: nothing has written to it yet. Fill it with "
        f"`cockpit backfill {config} --from ... --to ...` or `cockpit serve {config}`, "
        f"or create it empty with `cockpit db upgrade {config}`"
    ]
    if store_url.startswith("sqlite"):
        assert not (tmp_path / "cockpit.db").exists()
        assert list(tmp_path.iterdir()) == [config]
    else:
        assert _tables(store_url) == set()


def test_a_read_only_command_upgrades_a_store_at_an_older_revision(
    tmp_path: Path, store_url: str
) -> None:
    Store(store_url, migrate=False).upgrade("0003")
    config = tmp_path / "cockpit.yaml"
    config.write_text(CONFIG)
    done = cli("incidents", "list", str(config), env={"COCKPIT_DATABASE_URL": store_url})
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    assert Store(store_url, migrate=False).current_revision() == "0008"
