"""A stopped feed is said at once: a stale ticket on the monitor, `stale` in `slo status`, and
the first ok run after the feed resumes resolves it. Through the CLI on a real store."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cockpit.config.loader import load_config
from cockpit.engine.cycle import replay
from cockpit.read.alerts import list_alerts
from cockpit.store import Store
from tests.engine.test_runner import cli

T0 = datetime(2026, 10, 1, tzinfo=UTC)
STOP = T0 + timedelta(hours=6)  # the feed's last row is just before this

CONFIG = textwrap.dedent(
    """\
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
          - {name: mostly-valid, monitor: hourly, objective: 0.9, good: "valid_rows_share >= 0.5"}
    """
)


def write_logs(folder: Path, start: datetime, end: datetime, name: str) -> None:
    """One valid row a minute in ``[start, end)``."""
    ts = pd.date_range(start, end, freq="1min", tz="UTC", inclusive="left")
    rng = np.random.default_rng(len(ts))
    frame = pd.DataFrame({"ts": ts, "height_cm": rng.normal(170, 8, len(ts))})
    (folder / "logs").mkdir(exist_ok=True)
    frame.to_parquet(folder / "logs" / f"{name}.parquet", index=False)


@pytest.fixture
def project(tmp_path: Path, store_url: str) -> tuple[Path, dict[str, str]]:
    write_logs(tmp_path, T0, STOP, "day-1")
    (tmp_path / "cockpit.yaml").write_text(CONFIG)
    return tmp_path / "cockpit.yaml", {"COCKPIT_DATABASE_URL": store_url}


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def run_once(config: Path, env: dict[str, str], at: datetime) -> dict:
    done = cli("run-once", str(config), "--at", iso(at), "--json", env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def monitor_alerts(config: Path, env: dict[str, str]) -> list[dict]:
    done = cli("alerts", "list", str(config), "--all", "--json", env=env)
    assert done.returncode == 0, done.stderr
    return [a for a in json.loads(done.stdout) if a["slo"].startswith("monitor:")]


def statuses(config: Path, env: dict[str, str], at: datetime) -> dict[str, str]:
    done = cli("slo", "status", str(config), "--at", iso(at), "--json", env=env)
    assert done.returncode == 0, done.stderr
    return {s["slo"]: s["status"] for s in json.loads(done.stdout)}


def test_a_stopped_feed_raises_a_stale_ticket_that_the_first_ok_run_resolves(
    project: tuple[Path, dict[str, str]],
) -> None:
    config, env = project
    replay(load_config(config), Store(env["COCKPIT_DATABASE_URL"]), T0, STOP)
    assert statuses(config, env, STOP)["valid"] == "healthy"

    # The 5-minute monitor records no_data from here on; 15 minutes is not yet stale.
    for minutes in (5, 10, 15):
        run = run_once(config, env, STOP + timedelta(minutes=minutes))
        assert [r["status"] for r in run["runs"] if r["monitor"] == "quality"] == ["no_data"]
    assert monitor_alerts(config, env) == []
    assert statuses(config, env, STOP + timedelta(minutes=15))["valid"] == "healthy"

    run_once(config, env, STOP + timedelta(minutes=20))
    [stale] = monitor_alerts(config, env)
    assert (stale["service"], stale["slo"], stale["severity"], stale["state"]) == (
        "loan",
        "monitor:quality",
        "ticket",
        "firing",
    )
    assert stale["evidence"][0].startswith(f"no data since {iso(STOP)}")
    assert statuses(config, env, STOP + timedelta(minutes=20))["valid"] == "stale"

    # The feed resumes: the first ok run resolves the ticket.
    write_logs(config.parent, STOP + timedelta(minutes=20), STOP + timedelta(hours=1), "day-1b")
    run = run_once(config, env, STOP + timedelta(minutes=25))
    assert [r["status"] for r in run["runs"] if r["monitor"] == "quality"] == ["ok"]
    [resolved] = monitor_alerts(config, env)
    assert resolved["state"] == "resolved"
    assert statuses(config, env, STOP + timedelta(minutes=25))["valid"] != "stale"


def test_a_backfill_across_a_stopped_feed_records_the_same_stale_ticket(
    project: tuple[Path, dict[str, str]],
) -> None:
    config, env = project
    store = Store(env["COCKPIT_DATABASE_URL"])
    loaded = load_config(config)
    replay(loaded, store, T0, STOP + timedelta(hours=2))
    alerts = [a for a in list_alerts(store, firing_only=False) if a["slo"] == "monitor:quality"]
    assert [(a["started_at"], a["state"]) for a in alerts] == [
        (iso(STOP + timedelta(minutes=20)), "firing")
    ]
    assert alerts[0]["evidence"][0].startswith(f"no data since {iso(STOP)}")
    # The hourly monitor's window still held rows at STOP + 1h; it goes stale 3 hours later.
    hourly = [a for a in list_alerts(store, firing_only=False) if a["slo"] == "monitor:hourly"]
    assert hourly == []


def test_a_monitor_that_never_had_data_is_no_data_not_stale(tmp_path: Path, store_url: str) -> None:
    (tmp_path / "logs").mkdir()
    pd.DataFrame({"ts": pd.to_datetime([], utc=True), "height_cm": []}).to_parquet(
        tmp_path / "logs" / "empty.parquet", index=False
    )
    (tmp_path / "cockpit.yaml").write_text(CONFIG)
    env = {"COCKPIT_DATABASE_URL": store_url}
    replay(load_config(tmp_path / "cockpit.yaml"), Store(store_url), T0, T0 + timedelta(hours=2))
    assert statuses(tmp_path / "cockpit.yaml", env, T0 + timedelta(hours=2)) == {
        "valid": "no_data",
        "mostly-valid": "no_data",
    }
    assert monitor_alerts(tmp_path / "cockpit.yaml", env) == []


def test_stale_after_is_configurable(project: tuple[Path, dict[str, str]]) -> None:
    config, env = project
    config.write_text(CONFIG + "alerting: {stale_after: 1h}\n")
    replay(load_config(config), Store(env["COCKPIT_DATABASE_URL"]), T0, STOP + timedelta(hours=1))
    assert monitor_alerts(config, env) == []
    run_once(config, env, STOP + timedelta(hours=1, minutes=5))
    # Both monitors' newest ok windows ended at STOP: an hour and five minutes ago.
    assert sorted(a["slo"] for a in monitor_alerts(config, env)) == [
        "monitor:hourly",
        "monitor:quality",
    ]
