"""`cockpit demo --no-serve` as a user runs it: the config it writes names the store it filled,
so every command on that config sees the scenario (no environment variable needed)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest


def cockpit(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "COCKPIT_DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "cockpit.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


@pytest.mark.timeout(600)
def test_every_command_on_the_demos_config_sees_the_demos_scenario(tmp_path: Path) -> None:
    demo = cockpit("demo", "--no-serve", "--out", "demo", cwd=tmp_path, timeout=540)
    assert demo.returncode == 0, demo.stderr
    # What the demo says it found: "  <started_at>  <severity> <service>/<slo> (<state>)"
    episodes = re.findall(r"^  (\S+Z)  (page|ticket)\s+(\S+)/(\S+) \((\w+)\)$", demo.stdout, re.M)
    assert episodes, demo.stdout
    # the canary story: v8 served a tenth of ad-ctr's requests, was worse, rolled back to v6
    assert re.search(r"rollback ad-ctr/canary-safe: dry_run \(v8 -> v6\)", demo.stdout)
    assert re.search(r"^  ad-ctr v8 ", demo.stdout, re.M), demo.stdout

    config = tmp_path / "demo" / "cockpit.yaml"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    status = cockpit("slo", "status", str(config), "--json", cwd=elsewhere)
    assert status.returncode == 0, status.stderr
    slos = {(s["service"], s["slo"]): s for s in json.loads(status.stdout)}
    assert len(slos) == 8  # every SLO of the sample config
    empty = [key for key, s in slos.items() if not s["total"]]
    assert empty == [], f"SLOs without events: {empty}"
    assert slos[("loan-default", "valid-inputs")]["error_budget_remaining"] < 0  # the unit change

    alerts = cockpit("alerts", "list", str(config), "--all", "--json", cwd=elsewhere)
    assert alerts.returncode == 0, alerts.stderr
    listed = {
        (a["started_at"], a["severity"], a["service"], a["slo"], a["state"])
        for a in json.loads(alerts.stdout)
    }
    assert listed == set(episodes)
