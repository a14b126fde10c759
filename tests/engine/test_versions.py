"""Model versions: the traffic recorded per window, the release history `cockpit versions`
lists, the version serving now and the one a rollback goes back to, through a real SQLite
store, a real parquet log and a real local HTTP server playing CI."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cockpit.config.loader import load_config
from cockpit.config.models import Config
from cockpit.engine import versions
from cockpit.engine.cycle import replay, run_cycle
from cockpit.engine.runner import Runner
from cockpit.read.versions import version_entries
from cockpit.store import Store

START = datetime(2026, 10, 1, tzinfo=UTC)
SWITCH = START + timedelta(hours=30)  # v2 takes over from v1
END = START + timedelta(hours=40)
SECRET = "whsec_" + base64.b64encode(b"a test signing key of 32 bytes!!").decode()

CONFIG = """\
version: cockpit/v1
allowed_hosts: [127.0.0.1]
services:
  - name: loan
    data:
      current: {{kind: parquet, path: log.parquet, timestamp: ts}}
    schema:
      score: {{type: float}}
    prediction: {{column: score, kind: binary_classification, label: y}}
    monitors:
      - {{name: quality, kind: prediction_quality, metric: accuracy, every: 1h}}
    slos:
      - name: accurate
        monitor: quality
        objective: 0.9
        window: 1d
        good: "accuracy >= {floor}"
        tiers:
          - {{severity: page, long_window: 3h, short_window: 1h, factor: 3}}
    actions:
      - {{on: {{slo: accurate}}, do: rollback, webhook: ci}}
webhooks:
  ci: {{url: "{url}", secret_env: TEST_CI_SECRET, timeout: 2s}}
"""


def prediction_log(
    path: Path,
    accuracy: dict[str, float],
    switch: datetime = SWITCH,
    seed: int = 7,
    share: float = 1.0,
) -> pd.DataFrame:
    """One request every 10 s from START to END: v1 before ``switch``, v2 on ``share`` of the
    requests after it (all of them by default), each right with its version's accuracy (the
    score on the right side of 0.5 or not)."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range(START, END, freq="10s", inclusive="left")
    version = np.where((ts >= switch) & (rng.random(len(ts)) < share), "v2", "v1")
    y = rng.integers(0, 2, len(ts))
    right = rng.random(len(ts)) < np.vectorize(accuracy.get)(version)
    predicted = np.where(right, y, 1 - y)
    score = np.where(predicted == 1, 0.5 + rng.random(len(ts)) / 2, rng.random(len(ts)) / 2.01)
    frame = pd.DataFrame({"ts": ts, "score": score, "y": y, "model_version": version})
    frame.to_parquet(path / "log.parquet")
    return frame


CANARY = """\
version: cockpit/v1
allowed_hosts: [127.0.0.1]
services:
  - name: loan
    data:
      current: {{kind: parquet, path: log.parquet, timestamp: ts}}
    schema:
      score: {{type: float}}
    prediction: {{column: score, kind: binary_classification, label: y}}
    monitors:
      - {{name: canary, kind: canary, metric: accuracy, min_rows: 100, every: 1h, window: 6h}}
    slos:
      - name: canary-safe
        monitor: canary
        objective: 0.95
        window: 1d
        good: "canary_worse == 0"
        tiers:
          - {{severity: page, long_window: 2h, short_window: 1h, factor: 5}}
    actions:
      - {{on: {{slo: canary-safe}}, do: rollback, webhook: ci}}
webhooks:
  ci: {{url: "{url}", secret_env: TEST_CI_SECRET, timeout: 2s}}
"""


class CI:
    """A local HTTP server playing the CI's webhook receiver: it keeps every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        ci = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ci.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/hook"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()


@pytest.fixture
def ci(monkeypatch: pytest.MonkeyPatch) -> Iterator[CI]:
    monkeypatch.setenv("TEST_CI_SECRET", SECRET)
    running = CI()
    yield running
    running.http.shutdown()


def setup(tmp_path: Path, url: str, floor: float = 0.9) -> tuple[Config, Store]:
    path = tmp_path / "cockpit.yaml"
    path.write_text(CONFIG.format(url=url, floor=floor))
    config = load_config(path)
    return config, Store(f"sqlite:///{tmp_path / 'cockpit.db'}")


def verified(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """The Standard Webhooks signature checked independently of the sender's code."""
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == expected
    return json.loads(body)


def test_the_history_lists_each_version_with_its_span_requests_and_accuracy(
    tmp_path: Path,
) -> None:
    log = prediction_log(tmp_path, {"v1": 0.95, "v2": 0.90})
    config, store = setup(tmp_path, "http://127.0.0.1:9/hook")
    replay(config, store, START, END)
    entries = {e["version"]: e for e in version_entries(store, config)}
    assert set(entries) == {"v1", "v2"}
    for name, entry in entries.items():
        mine = log[log.model_version == name]
        assert entry["service"] == "loan"
        assert entry["first_seen"] == mine.ts.min().isoformat().replace("+00:00", "Z")
        assert entry["last_seen"] == mine.ts.max().isoformat().replace("+00:00", "Z")
        assert entry["rows"] == len(mine)
        # the version's accuracy in the newest hour it served, computed here from the log
        end = pd.Timestamp(entry["by_monitor"]["quality"]["window_end"])
        hour = mine[(mine.ts >= end - pd.Timedelta(hours=1)) & (mine.ts < end)]
        direct = float(((hour.score >= 0.5).astype(int) == hour.y).mean())
        assert entry["slis"]["accuracy"] == pytest.approx(direct, abs=1e-12)
    assert (entries["v2"]["current"], entries["v1"]["current"]) == (True, False)
    assert entries["v2"]["serving"] and not entries["v1"]["serving"]
    assert entries["v2"]["share"] == 1.0
    # the switch hour is shared: v1 until SWITCH, v2 after it
    shared = [w for w in entries["v1"]["windows"] if w["share"] < 1.0]
    assert all(0 < w["share"] < 1 for w in shared)


def test_a_worse_v2_that_replaced_v1_is_rolled_back_to_v1_once_signed(
    tmp_path: Path, ci: CI
) -> None:
    prediction_log(tmp_path, {"v1": 0.95, "v2": 0.90})
    config, store = setup(tmp_path, ci.url, floor=0.93)
    replay(config, store, START, END, notify=True)
    run_cycle(config, store, END)  # the alert keeps firing: nothing is sent again
    assert len(ci.calls) == 1
    payload = verified(*ci.calls[0])
    assert payload["action"] == "rollback"
    assert (payload["rollback_from"], payload["rollback_to"]) == ("v2", "v1")
    assert payload["model_version"] == "v2"  # the version serving now, not the labels' past


def test_without_a_version_that_met_the_slo_the_rollback_waits_for_approval(
    tmp_path: Path, ci: CI
) -> None:
    prediction_log(tmp_path, {"v1": 0.90, "v2": 0.85})  # v1 never met the floor either
    config, store = setup(tmp_path, ci.url, floor=0.93)
    replay(config, store, START, END, notify=True)
    assert ci.calls == []
    rollbacks = store.actions()
    assert rollbacks and {a.status for a in rollbacks} == {"pending_approval"}
    assert all("no version to roll back to" in (a.reason or "") for a in rollbacks)


def test_the_version_serving_now_is_the_newest_in_the_newest_window(tmp_path: Path) -> None:
    prediction_log(tmp_path, {"v1": 0.95, "v2": 0.95}, switch=END - timedelta(minutes=20))
    config, store = setup(tmp_path, "http://127.0.0.1:9/hook")
    [run] = Runner(config, store).run_once(END).runs  # one cycle: one window, both versions
    rows = {v: e["rows"] for v, e in run.details["by_model_version"].items()}
    assert rows["v1"] > rows["v2"]  # most of the newest run's rows are v1's ...
    with store.connect() as conn:
        target = versions.rollback_target(conn, config, "loan", "accurate", END)
    assert target.current == "v2"  # ... but v2 is the one serving now
    entries = {e["version"]: e for e in version_entries(store, config)}
    assert entries["v2"]["current"] and entries["v1"]["serving"]
    assert entries["v1"]["share"] == pytest.approx(2 / 3, abs=1e-3)


def test_a_cycle_run_again_counts_each_request_once(tmp_path: Path) -> None:
    log = prediction_log(tmp_path, {"v1": 0.95, "v2": 0.95})
    config, store = setup(tmp_path, "http://127.0.0.1:9/hook")
    for _ in range(2):
        replay(config, store, END - timedelta(hours=3), END)
    total = sum(e["rows"] for e in version_entries(store, config))
    assert total == int(((log.ts >= END - timedelta(hours=3)) & (log.ts < END)).sum())


def test_a_worse_canary_is_rolled_back_to_its_baseline_once_signed(tmp_path: Path, ci: CI) -> None:
    # v2 on 10 % of the requests after SWITCH, 10 points less accurate than v1 beside it
    prediction_log(tmp_path, {"v1": 0.92, "v2": 0.82}, share=0.1)
    path = tmp_path / "cockpit.yaml"
    path.write_text(CANARY.format(url=ci.url))
    config = load_config(path)
    store = Store(f"sqlite:///{tmp_path / 'cockpit.db'}")
    replay(config, store, START, END, notify=True)
    run_cycle(config, store, END)
    assert len(ci.calls) == 1
    payload = verified(*ci.calls[0])
    assert (payload["slo"], payload["action"]) == ("canary-safe", "rollback")
    assert (payload["rollback_from"], payload["rollback_to"]) == ("v2", "v1")
    assert payload["model_version"] == "v2"  # the newest version serving: the candidate
    newest = store.latest_run("loan", "canary", status="ok")
    assert newest is not None and newest.window_start >= SWITCH  # judged on shared windows


def test_on_duckdb_the_versions_are_counted_by_the_engine_window_by_window(
    tmp_path: Path,
) -> None:
    log = prediction_log(tmp_path, {"v1": 0.95, "v2": 0.95})
    path = tmp_path / "cockpit.yaml"
    path.write_text(
        CONFIG.format(url="http://127.0.0.1:9/hook", floor=0.9).replace(
            "    data:\n", "    engine: duckdb\n    data:\n", 1
        )
    )
    config = load_config(path)
    store = Store(f"sqlite:///{tmp_path / 'cockpit.db'}")
    replay(config, store, START, END)
    entries = {e["version"]: e for e in version_entries(store, config)}
    for name, entry in entries.items():
        assert entry["rows"] == int((log.model_version == name).sum())
    # an engine counts rows, not their times: the span is the windows'
    assert (entries["v1"]["first_seen"], entries["v1"]["last_seen"]) == (
        "2026-10-01T00:00:00Z",
        "2026-10-02T06:00:00Z",  # the end of the hour v1 last served in
    )
    assert entries["v2"]["first_seen"] == "2026-10-02T06:00:00Z"


def test_cockpit_versions_prints_the_json_contract_and_a_line_per_version(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cockpit.cli import app

    prediction_log(tmp_path, {"v1": 0.95, "v2": 0.90})
    config, store = setup(tmp_path, "http://127.0.0.1:9/hook")
    replay(config, store, START, END)
    path = str(tmp_path / "cockpit.yaml")
    done = CliRunner().invoke(app, ["versions", path, "--service", "loan", "--json"])
    assert done.exit_code == 0, done.output
    listed = json.loads(done.output)
    assert [e["version"] for e in listed] == ["v1", "v2"]
    for entry in listed:
        assert {"service", "version", "first_seen", "last_seen", "rows", "slis"} <= set(entry)
    assert listed == version_entries(store, config, "loan")
    text = CliRunner().invoke(app, ["versions", path])
    assert text.exit_code == 0
    lines = text.output.splitlines()
    assert lines[1].startswith("loan v2 (serving now): 2026-10-02T06:00:00Z .. ")
    assert re.search(r"3600 requests 100% of the newest hour; accuracy 0\.\d+", lines[1])
    unknown = CliRunner().invoke(app, ["versions", path, "--service", "nope"])
    assert unknown.exit_code == 1 and "no service 'nope' in the config (one of loan)" in (
        unknown.output
    )
