"""On-call from the command line, on the sample scenario replayed across its unit change: the
CLI as a subprocess says what is happening at once (silences act without a cycle, a silence
ends early, an ack is given once), and the open incident's timeline and its postmortem export
record the silence and a manual retrain."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cockpit.config.loader import load_config

# one worker sets up the module's shared fixtures once (pytest -n spreads tests over workers)
pytestmark = pytest.mark.xdist_group("oncall-cli")

START = datetime(2026, 10, 9, tzinfo=UTC)
END = datetime(2026, 10, 11, 12, tzinfo=UTC)  # the valid-inputs ticket fires, incident open


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cockpit.engine.cycle import replay
    from cockpit.store import Store
    from demo.scenario import prepare

    config_path, _summary = prepare(tmp_path_factory.mktemp("scenario"))
    config = load_config(config_path)
    store = Store(config.store_url())
    replay(config, store, START, END)
    store.close()
    return config_path


@pytest.fixture
def config(backfilled: Path, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The backfilled scenario's config and a private copy of its store."""
    source = load_config(backfilled).store_url().removeprefix("sqlite:///")
    copy = tmp_path / "cockpit.db"
    with sqlite3.connect(source) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    return backfilled, {"COCKPIT_DATABASE_URL": f"sqlite:///{copy}", "COCKPIT_OPERATOR": "ada"}


def cockpit(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cockpit.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def ok_json(env: dict[str, str], *args: str) -> object:
    done = cockpit(env, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def firing(config: Path, env: dict[str, str]) -> dict[tuple[str, str, str], dict]:
    rows = ok_json(env, "alerts", "list", str(config))
    return {(a["service"], a["slo"], a["severity"]): a for a in rows}  # type: ignore[union-attr]


TICKET = ("loan-default", "valid-inputs", "ticket")


def test_a_silence_acts_at_once_is_listed_and_can_be_ended(
    config: tuple[Path, dict[str, str]],
) -> None:
    path, env = config
    assert firing(path, env)[TICKET]["silenced"] is False

    done = cockpit(
        env,
        "alerts",
        "silence",
        str(path),
        "--service",
        "loan-default",
        "--slo",
        "valid-inputs",
        "--for",
        "2h",
        "--reason",
        "upstream fix for height units deploying",
        "--by",
        "Ada",
    )
    assert done.returncode == 0, done.stderr
    before = datetime.now(UTC)
    assert firing(path, env)[TICKET]["silenced"] is True  # no cycle in between

    [silence] = ok_json(env, "alerts", "silences", str(path))  # type: ignore[misc]
    assert silence["matchers"] == {
        "service": "loan-default",
        "slo": "valid-inputs",
        "severity": None,
    }
    assert (silence["reason"], silence["by"]) == ("upstream fix for height units deploying", "Ada")
    ends = datetime.fromisoformat(silence["ends_at"].replace("Z", "+00:00"))
    assert abs(ends - (before + timedelta(hours=2))) < timedelta(minutes=1)

    done = cockpit(env, "alerts", "unsilence", str(path), str(silence["id"]), "--by", "Ada")
    assert done.returncode == 0, done.stderr
    assert firing(path, env)[TICKET]["silenced"] is False
    assert ok_json(env, "alerts", "silences", str(path)) == []

    again = cockpit(env, "alerts", "unsilence", str(path), str(silence["id"]))
    assert again.returncode == 1
    assert f"silence #{silence['id']} already ended" in again.stderr


@pytest.mark.parametrize(
    ("matchers", "named"),
    [
        (["--service", "ad-ctr", "--slo", "no-drift"], "'no-drift'"),
        (["--service", "nope"], "'nope'"),
        (["--slo", "nope"], "'nope'"),
        (["--severity", "critical"], "'critical'"),
    ],
    ids=[
        "an SLO of another service",
        "a service the config does not have",
        "an SLO no service has",
        "a severity that is not page or ticket",
    ],
)
def test_a_silence_naming_what_does_not_exist_is_refused(
    config: tuple[Path, dict[str, str]], matchers: list[str], named: str
) -> None:
    path, env = config
    done = cockpit(env, "alerts", "silence", str(path), *matchers, "--reason", "r")
    assert done.returncode == 2
    assert named in done.stderr
    assert ok_json(env, "alerts", "silences", str(path)) == []


def test_a_silence_of_a_monitor_alert_is_accepted(config: tuple[Path, dict[str, str]]) -> None:
    path, env = config
    done = cockpit(
        env,
        "alerts",
        "silence",
        str(path),
        "--service",
        "ad-ctr",
        "--slo",
        "monitor:latency",
        "--reason",
        "latency exporter migrating",
    )
    assert done.returncode == 0, done.stderr


def test_acking_twice_is_refused_and_leaves_one_timeline_line(
    config: tuple[Path, dict[str, str]],
) -> None:
    path, env = config
    alert = firing(path, env)[TICKET]
    first = cockpit(env, "alerts", "ack", str(path), str(alert["id"]), "--by", "Ada")
    assert first.returncode == 0, first.stderr
    second = cockpit(env, "alerts", "ack", str(path), str(alert["id"]), "--by", "Grace")
    assert second.returncode == 1
    assert "already acknowledged, by Ada" in second.stderr
    assert firing(path, env)[TICKET]["acked_by"] == "Ada"

    [incident] = [
        i
        for i in ok_json(env, "incidents", "list", str(path))  # type: ignore[union-attr]
        if i["status"] == "open"
    ]
    export = cockpit(env, "incidents", "export", str(path), str(incident["id"]))
    assert export.stdout.count("acknowledged the ticket alert on valid-inputs") == 1
    assert "Grace" not in export.stdout


def test_a_silence_and_a_manual_retrain_reach_the_open_incidents_postmortem(
    config: tuple[Path, dict[str, str]],
) -> None:
    from cockpit.ops import trigger_manual_action
    from cockpit.store import Store

    path, env = config
    done = cockpit(
        env,
        "alerts",
        "silence",
        str(path),
        "--service",
        "loan-default",
        "--for",
        "90m",
        "--reason",
        "heights fix rolling out",
        "--by",
        "Ada",
    )
    assert done.returncode == 0, done.stderr
    loaded = load_config(path)
    store = Store(env["COCKPIT_DATABASE_URL"])
    rule = next(
        i for i, r in enumerate(loaded.service("loan-default").actions) if r.do == "retrain"
    )
    trigger_manual_action(
        loaded, store, "loan-default", rule, actor="Ada", reason="retrain on fixed heights"
    )

    [incident] = [
        i
        for i in ok_json(env, "incidents", "list", str(path))  # type: ignore[union-attr]
        if i["status"] == "open"
    ]
    export = cockpit(env, "incidents", "export", str(path), str(incident["id"]))
    assert export.returncode == 0, export.stderr
    lines = [line for line in export.stdout.splitlines() if line.startswith("| 20")]
    silenced = [line for line in lines if "Ada silenced loan-default/*" in line]
    assert silenced and "heights fix rolling out" in silenced[0] and silenced[0].endswith("| Ada |")
    manual = [line for line in lines if "manual retrain via ci-retrain by Ada" in line]
    assert manual and "retrain on fixed heights" in manual[0]
