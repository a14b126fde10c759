"""Alerts to a real local server that plays Slack and CI: told once, called once, signed."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from cockpit.config.loader import load_config
from cockpit.engine.cycle import replay, run_cycle
from cockpit.engine.deliver import Deliverer
from cockpit.store import ActionRecord, DeliveryAttempt, Outbox, Store

from .peers import Peers, Scripted

T0 = datetime(2026, 10, 1, tzinfo=UTC)
BAD_FROM, BAD_TO = T0 + timedelta(hours=30), T0 + timedelta(hours=32)
SECRET = "whsec_" + base64.b64encode(b"a-very-secret-signing-key-0123456").decode()

CONFIG = """\
version: cockpit/v1
cockpit_url: http://cockpit.example:8501
allowed_hosts: [127.0.0.1]
services:
  - name: loan
    owner: risk-ml
    data:
      current: {{kind: parquet, path: "logs/*.parquet", timestamp: ts}}
    schema:
      height_cm: {{type: float, min: 30, max: 300, nullable: false}}
    monitors:
      - {{name: quality, kind: data_quality, every: 5m}}
    slos:
      - name: valid
        monitor: quality
        objective: 0.99
        tiers: [{{severity: page, long_window: 1h, short_window: 5m, budget_share: 0.02}}]
    actions:
      - {{on: {{slo: valid, severity: page}}, do: rollback, webhook: ci, cooldown: 1h}}
notifiers:
  slack: {slack}
webhooks:
  ci: {{url: "{peers}/hooks/rollback", secret_env: TEST_CI_SECRET, style: standard, timeout: 2s}}
"""


def write_logs(folder: Path) -> None:
    """A row a minute for two days; heights in metres between 30h and 32h."""
    ts = pd.date_range(T0, periods=2 * 1440, freq="1min", tz="UTC")
    height = np.random.default_rng(0).normal(170, 8, len(ts))
    bad = (ts >= pd.Timestamp(BAD_FROM)) & (ts < pd.Timestamp(BAD_TO))
    (folder / "logs").mkdir()
    pd.DataFrame({"ts": ts, "height_cm": np.where(bad, height / 100, height)}).to_parquet(
        folder / "logs" / "all.parquet"
    )


@pytest.fixture
def peers() -> Iterator[Peers]:
    server = Peers()
    yield server
    server.close()


@pytest.fixture
def project(tmp_path: Path, peers: Peers, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_logs(tmp_path)
    config = tmp_path / "cockpit.yaml"
    config.write_text(CONFIG.format(peers=peers.url, slack="{webhook_url_env: TEST_SLACK_URL}"))
    monkeypatch.setenv("TEST_SLACK_URL", f"{peers.url}/services/T000/B000/XXXX")
    monkeypatch.setenv("TEST_CI_SECRET", SECRET)
    monkeypatch.setenv("COCKPIT_DATABASE_URL", f"sqlite:///{tmp_path / 'cockpit.db'}")
    return config


def cycles(config: Path, store: Store, start: datetime, end: datetime) -> list[dict]:
    loaded = load_config(config)
    out = []
    at = start
    while at <= end:
        out.append(run_cycle(loaded, store, at, deliver_s=5).to_json())
        at += timedelta(minutes=5)
    return out


def test_one_message_when_burning_none_while_it_burns_one_resolution_and_one_signed_webhook(
    project: Path, peers: Peers
) -> None:
    import standardwebhooks

    store = Store(os.environ["COCKPIT_DATABASE_URL"])
    replay(load_config(project), store, T0 + timedelta(hours=24), BAD_FROM)
    assert peers.requests == []  # history is recorded, not announced

    results = cycles(
        project, store, BAD_FROM + timedelta(minutes=5), BAD_TO + timedelta(minutes=30)
    )
    slack = peers.to("/services/T000/B000/XXXX")
    texts = [r.json()["text"] for r in slack]
    assert len(slack) == 2, texts
    firing, resolved = texts
    assert "loan" in firing and "valid" in firing and "page" in firing.lower()
    assert "resolved" in resolved.lower() and "valid" in resolved
    assert "blocks" in slack[0].json()
    assert "http://cockpit.example:8501/service?service=loan" in json.dumps(slack[0].json())
    assert "height_cm" in firing  # the evidence: the failing column

    hooks = peers.to("/hooks/rollback")
    assert len(hooks) == 1
    request = hooks[0]
    payload = standardwebhooks.Webhook(SECRET).verify(request.body, request.headers)
    assert (
        payload["action"] == "rollback"
        and payload["service"] == "loan"
        and payload["slo"] == "valid"
    )
    assert payload["idempotency_key"] == request.headers["webhook-id"]
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(SECRET).verify(
            request.body.replace(b"rollback", b"retrain"), request.headers
        )

    # the 1h window passes 13.44x once 9 of its 60 minutes are bad: the second cycle fires
    fire_at = next(i for i, r in enumerate(results) if r["alerts"])
    fired = results[fire_at]
    assert fire_at == 1
    assert [(a["slo"], a["severity"], a["state"]) for a in fired["alerts"]] == [
        ("valid", "page", "firing")
    ]
    assert fired["actions"] == [
        {
            "service": "loan",
            "action": "rollback",
            "status": "delivered",
            "attempts": 1,
            "idempotency_key": request.headers["webhook-id"],
        }
    ]
    assert [i for i, r in enumerate(results) if r["actions"]] == [fire_at]
    states = [a["state"] for r in results for a in r["alerts"]]
    assert states.count("resolved") == 1

    # evaluating a moment again never fires again
    again = run_cycle(load_config(project), store, BAD_FROM + timedelta(minutes=10), deliver_s=5)
    assert again.alerts == [] and len(peers.to("/hooks/rollback")) == 1
    # secrets never reach the store
    dump = "\n".join(
        str(row)
        for table in ("outbox", "delivery_attempt", "alert", "action")
        for row in store.engine.connect().execute(sa.text(f"SELECT * FROM {table}"))
    )
    assert SECRET not in dump and "XXXX" not in dump


@pytest.mark.parametrize(
    "failures",
    [
        [Scripted(500, body=b"boom")],
        [Scripted(429, {"Retry-After": "1"}, b"slow down")],
        [Scripted(200, hang_s=4)],
        [Scripted(500), Scripted(429, {"Retry-After": "1"}), Scripted(503, {"Retry-After": "1"})],
    ],
    ids=[
        "a receiver that answers 500 once",
        "a receiver that answers 429 with Retry-After",
        "a receiver that hangs past the timeout",
        "a receiver that fails three ways",
    ],
)
def test_a_flaky_receiver_still_gets_exactly_one_successful_delivery_with_one_id(
    project: Path, peers: Peers, failures: list[Scripted]
) -> None:
    peers.then("/hooks/rollback", *failures)
    store = Store(os.environ["COCKPIT_DATABASE_URL"])
    loaded = load_config(project)
    replay(loaded, store, T0 + timedelta(hours=24), BAD_FROM)
    run_cycle(loaded, store, BAD_FROM + timedelta(minutes=5), deliver_s=0)
    run_cycle(
        loaded, store, BAD_FROM + timedelta(minutes=10), deliver_s=0
    )  # fired: queued, not sent
    delivered = Deliverer(loaded, store, rand=lambda: 0.5).deliver_due(
        max_seconds=30, quick_retry_s=10
    )
    hooks = peers.to("/hooks/rollback")
    assert len(hooks) == len(failures) + 1
    assert len({r.headers["webhook-id"] for r in hooks}) == 1
    assert [d.status for d in delivered if d.kind == "webhook"] == ["delivered"]
    with store.engine.connect() as conn:
        attempts = conn.execute(sa.select(DeliveryAttempt).order_by(DeliveryAttempt.id)).all()
        action = conn.execute(sa.select(ActionRecord)).one()
    webhook_attempts = [a for a in attempts if a.outbox_id == action.outbox_id]
    assert [a.ok for a in webhook_attempts] == [False] * len(failures) + [True]
    assert all(a.latency_ms >= 0 for a in webhook_attempts)
    assert action.status == "delivered"
    if failures[0].status == 429:  # Retry-After honoured: the retry came no sooner than asked
        assert webhook_attempts[1].at - webhook_attempts[0].at >= timedelta(seconds=1)


def test_a_process_killed_mid_delivery_delivers_after_restart_with_the_same_id(
    project: Path, peers: Peers
) -> None:
    store = Store(os.environ["COCKPIT_DATABASE_URL"])
    replay(load_config(project), store, T0 + timedelta(hours=24), BAD_FROM)
    peers.then("/hooks/rollback", Scripted(200, hang_s=20))
    env = {**os.environ}
    run_cycle(load_config(project), store, BAD_FROM + timedelta(minutes=5), deliver_s=0)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cockpit.cli",
            "run-once",
            str(project),
            "--at",
            (BAD_FROM + timedelta(minutes=10)).isoformat(),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not peers.to("/hooks/rollback") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert peers.to("/hooks/rollback"), "the webhook was never sent"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(Outbox).where(Outbox.kind == "webhook")).one()
    assert row.status == "sending"  # died mid-send: nothing recorded as delivered

    time.sleep(7.5)  # the dead claim expires after the webhook's 2s timeout plus 5s
    done = subprocess.run(
        [sys.executable, "-m", "cockpit.cli", "deliver", str(project)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    hooks = peers.to("/hooks/rollback")
    assert len(hooks) == 2
    assert hooks[0].headers["webhook-id"] == hooks[1].headers["webhook-id"]
    with store.engine.connect() as conn:
        assert (
            conn.execute(sa.select(Outbox.status).where(Outbox.kind == "webhook")).scalar()
            == "delivered"
        )


def test_with_a_bot_token_the_resolution_goes_to_the_same_thread(
    tmp_path: Path, peers: Peers, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_logs(tmp_path)
    config = tmp_path / "cockpit.yaml"
    slack = f'{{token_env: TEST_SLACK_TOKEN, channel: "#ml-oncall", base_url: "{peers.url}/api/"}}'
    config.write_text(CONFIG.format(peers=peers.url, slack=slack))
    monkeypatch.setenv("TEST_SLACK_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("TEST_CI_SECRET", SECRET)
    monkeypatch.setenv("COCKPIT_DATABASE_URL", f"sqlite:///{tmp_path / 'cockpit.db'}")
    store = Store(os.environ["COCKPIT_DATABASE_URL"])
    replay(load_config(config), store, T0 + timedelta(hours=24), BAD_FROM)
    cycles(config, store, BAD_FROM + timedelta(minutes=5), BAD_TO + timedelta(minutes=10))
    posts = peers.to("/api/chat.postMessage")
    assert len(posts) == 2

    def form(request) -> dict:
        try:
            return request.json()
        except ValueError:
            from urllib.parse import parse_qsl

            return dict(parse_qsl(request.body.decode()))

    first, second = form(posts[0]), form(posts[1])
    assert first["channel"] == "#ml-oncall" and "thread_ts" not in first
    assert second["thread_ts"] == "1700000000.000001"
    assert posts[0].headers["authorization"] == "Bearer xoxb-test-token"
