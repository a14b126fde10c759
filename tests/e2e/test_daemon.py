"""The real daemon as a subprocess: schedules, serves, survives, hands over, stops on SIGTERM."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cockpit.store import Store

CONFIG = """\
version: cockpit/v1
services:
  - name: live
    data:
      current: {kind: parquet, path: "logs/*.parquet", timestamp: ts}
    schema:
      x: {type: float, min: 0, max: 10, nullable: false}
    monitors:
      - {name: quality, kind: data_quality, every: 2s, window: 1h}
    slos:
      - {name: valid, monitor: quality, objective: 0.99}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_live_data(folder: Path) -> None:
    """Rows over the last hour and the next ten minutes of the real clock."""
    now = datetime.now(UTC)
    ts = pd.date_range(now - timedelta(hours=1), now + timedelta(minutes=10), freq="1s", tz="UTC")
    (folder / "logs").mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"ts": ts, "x": np.linspace(1, 9, len(ts))}).to_parquet(
        folder / "logs" / "now.parquet", index=False
    )


class Serve:
    def __init__(self, config: Path, env: dict[str, str], log: Path):
        self.port = free_port()
        self.log = log
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cockpit.cli",
                "serve",
                str(config),
                "--port",
                str(self.port),
                "--log-format",
                "json",
            ],
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
            env={**os.environ, **env},
        )

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def health(self) -> dict:
        return json.loads(self.get("/healthz")[1])

    def wait_until(self, check, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"daemon exited {self.proc.returncode}:\n{self.log.read_text()[-3000:]}"
                )
            try:
                if check():
                    return
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.3)
        raise AssertionError(f"timed out; log:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> float:
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=15)
        return time.monotonic() - started


@pytest.fixture
def live(tmp_path: Path, store_url: str) -> Iterator[tuple[Path, dict[str, str]]]:
    write_live_data(tmp_path)
    config = tmp_path / "cockpit.yaml"
    config.write_text(CONFIG)
    yield config, {"COCKPIT_DATABASE_URL": store_url}


def runs(url: str, status: str | None = None) -> int:
    found = Store(url).runs("live", "quality")
    return len([r for r in found if status is None or r.status == status])


def test_the_daemon_schedules_serves_survives_and_stops_cleanly(live, tmp_path: Path) -> None:
    config, env = live
    url = env["COCKPIT_DATABASE_URL"]
    daemon = Serve(config, env, tmp_path / "serve.log")
    try:
        daemon.wait_until(lambda: daemon.health()["role"] == "active")
        daemon.wait_until(lambda: runs(url, "ok") >= 2)
        health = daemon.health()
        assert health["status"] == "ok" and [j["id"] for j in health["jobs"]] == ["live/quality"]
        assert health["last_run_at"] is not None
        status, metrics = daemon.get("/metrics")
        assert status == 200
        assert 'cockpit_monitor_runs_total{monitor="quality",service="live",status="ok"}' in metrics
        assert "cockpit_slo_error_budget_remaining_ratio" in metrics

        # the data source disappears: runs fail, the daemon goes on; it comes back: runs are ok again
        shutil.move(tmp_path / "logs", tmp_path / "logs-away")
        daemon.wait_until(lambda: runs(url, "failed") >= 2)
        failed = Store(url).runs("live", "quality")[0]
        assert "no files match" in failed.error
        shutil.move(tmp_path / "logs-away", tmp_path / "logs")
        ok_before = runs(url, "ok")
        daemon.wait_until(lambda: runs(url, "ok") > ok_before + 1)
        assert "cockpit_daemon_errors_total" in daemon.get("/metrics")[1]

        # SIGHUP with an invalid config keeps the running one
        config.write_text(CONFIG.replace("every: 2s", "every: soon"))
        daemon.proc.send_signal(signal.SIGHUP)
        daemon.wait_until(lambda: "reload refused" in (tmp_path / "serve.log").read_text())
        assert daemon.health()["jobs"]
    finally:
        elapsed = daemon.stop()
    assert daemon.proc.returncode == 0
    assert elapsed < 10
    lines = [
        json.loads(line)
        for line in (tmp_path / "serve.log").read_text().splitlines()
        if line.startswith("{")
    ]
    assert lines and all({"ts", "level", "message"} <= set(line) for line in lines)
    assert lines[-1]["message"] == "stopped"


def test_two_daemons_on_one_store_only_one_runs_and_the_standby_takes_over(
    live, tmp_path: Path
) -> None:
    config, env = live
    url = env["COCKPIT_DATABASE_URL"]
    first = Serve(config, env, tmp_path / "first.log")
    first.wait_until(lambda: first.health()["role"] == "active")
    second = Serve(config, env, tmp_path / "second.log")
    try:
        second.wait_until(lambda: second.health()["role"] == "standby")
        first.wait_until(lambda: runs(url) >= 3)
        time.sleep(3)
        assert second.health()["role"] == "standby"
        assert "cockpit_daemon_cycles_total" not in second.get("/metrics")[1].replace(
            "# HELP cockpit_daemon_cycles_total", ""
        ).replace("# TYPE cockpit_daemon_cycles_total", "")
        first.proc.kill()  # dies without a goodbye
        first.proc.wait(timeout=10)
        second.wait_until(lambda: second.health()["role"] == "active", timeout=60)
        before = runs(url)
        second.wait_until(lambda: runs(url) > before)
    finally:
        if first.proc.poll() is None:
            first.stop()
        second.stop()
    assert second.proc.returncode == 0


HOURLY_WITH_ACTION = """\
version: cockpit/v1
allowed_hosts: [127.0.0.1]
services:
  - name: live
    data:
      current: {kind: parquet, path: "logs/*.parquet", timestamp: ts}
    schema:
      x: {type: float, min: 0, max: 10, nullable: false}
    monitors:
      - {name: quality, kind: data_quality, every: 1h}
    slos:
      - {name: valid, monitor: quality, objective: 0.99}
    actions:
      - {on: {slo: valid, severity: page}, do: retrain, webhook: ci}
webhooks:
  ci: {url: "http://127.0.0.1:PORT/hooks/retrain", secret_env: CI_SECRET}
"""


def test_the_cockpit_knows_whether_a_daemon_runs_and_a_manual_action_goes_out_at_once(
    live, tmp_path: Path
) -> None:
    """A manual retrain queued by an operator is delivered within seconds by the running
    daemon, not at its monitors' next (hourly) tick; the cockpit says whether a daemon runs,
    and says so at once when it stops."""
    from cockpit.config.loader import load_config
    from cockpit.ops import trigger_manual_action
    from cockpit.read.daemon import daemon_status

    from .peers import Peers

    config, env = live
    url = env["COCKPIT_DATABASE_URL"]
    store = Store(url)
    assert daemon_status(store)["running"] is False
    ci = Peers()
    config.write_text(HOURLY_WITH_ACTION.replace("http://127.0.0.1:PORT", ci.url))
    env = {**env, "CI_SECRET": "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
    daemon = Serve(config, env, tmp_path / "serve.log")
    try:
        daemon.wait_until(lambda: daemon_status(store)["running"])
        assert "active on" in daemon_status(store)["text"]
        loaded = load_config(config)
        trigger_manual_action(loaded, store, "live", 0, actor="Ada", reason="fresh data")
        daemon.wait_until(lambda: len(ci.to("/hooks/retrain")) == 1, timeout=20)
    finally:
        daemon.stop()
        ci.close()
    stopped = daemon_status(store)
    assert stopped["running"] is False
    assert "No daemon running: last seen" in stopped["text"]
