"""The cockpit as a client of a real Alertmanager (Debian's ``prometheus-alertmanager``, installed
by ``make test-deps``) that routes to a local webhook receiver, and of a local server that
checks PagerDuty's Events API v2 request shape (PagerDuty itself cannot be reached from here).

The history is replayed at moments two months in the past: Alertmanager drops an alert whose
``endsAt`` has passed, so these tests also show that a post's times come from the real clock.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cockpit import ops
from cockpit.config.loader import load_config
from cockpit.engine.cycle import replay, run_cycle
from cockpit.store import Store, utcnow
from cockpit.store import alerts as alert_repo

from .peers import Peers, Scripted
from .test_alerting_e2e import BAD_FROM, BAD_TO, T0, write_logs

ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF"  # 32 characters, as PagerDuty's are

CONFIG = """\
version: cockpit/v1
cockpit_url: http://cockpit.example:8501
allowed_hosts: [127.0.0.1]
services:
  - name: loan
    owner: risk-ml
    runbook_url: http://wiki.example/loan
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
      - name: valid-strict
        monitor: quality
        objective: 0.995
        tiers: [{{severity: page, long_window: 1h, short_window: 5m, budget_share: 0.02}}]
notifiers:
{notifiers}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], Any], timeout_s: float = 20.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def peers() -> Iterator[Peers]:
    server = Peers()
    yield server
    server.close()


@pytest.fixture
def alertmanager(tmp_path: Path, peers: Peers) -> Iterator[str]:
    if ALERTMANAGER is None:
        pytest.skip("prometheus-alertmanager is not installed (make test-deps installs it)")
    port = free_port()
    config = tmp_path / "alertmanager.yml"
    config.write_text(
        f"""\
route:
  receiver: hook
  group_by: [service]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: {peers.url}/am-hook
        send_resolved: true
"""
    )
    proc = subprocess.Popen(
        [
            ALERTMANAGER,
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as response:
                return response.status == 200
        except OSError:
            return proc.poll() is not None  # exited: reported below

    wait_for(ready, what="Alertmanager to start")
    if proc.poll() is not None:
        raise AssertionError(f"Alertmanager exited: {proc.stderr.read().decode()[-2000:]}")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def project(tmp_path: Path, notifiers: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_logs(tmp_path)
    config = tmp_path / "cockpit.yaml"
    config.write_text(CONFIG.format(notifiers=notifiers))
    monkeypatch.setenv("COCKPIT_DATABASE_URL", f"sqlite:///{tmp_path / 'cockpit.db'}")
    return config


def cycles(config: Path, store: Store, start: Any, end: Any) -> None:
    loaded = load_config(config)
    at = start
    while at <= end:
        run_cycle(loaded, store, at, deliver_s=5)
        at += timedelta(minutes=5)


def hook_groups(peers: Peers) -> list[dict]:
    return [r.json() for r in peers.to("/am-hook")]


def test_alertmanager_receives_groups_and_resolves_the_cockpits_alerts(
    tmp_path: Path, peers: Peers, alertmanager: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = project(
        tmp_path, f"  alertmanager: {{url: {alertmanager}, mirror_silences: true}}", monkeypatch
    )
    store = Store(os.environ["COCKPIT_DATABASE_URL"])
    replay(load_config(config), store, T0 + timedelta(hours=24), BAD_FROM)
    assert get(f"{alertmanager}/api/v2/alerts") == []  # a replay is recorded, not announced

    cycles(config, store, BAD_FROM + timedelta(minutes=5), BAD_FROM + timedelta(minutes=40))
    alerts = get(f"{alertmanager}/api/v2/alerts")
    assert sorted(a["labels"]["slo"] for a in alerts) == ["valid", "valid-strict"]
    for alert in alerts:
        assert alert["status"]["state"] == "active"
        assert alert["labels"]["alertname"] == "CockpitSLOBurnRate"
        assert (alert["labels"]["service"], alert["labels"]["owner"]) == ("loan", "risk-ml")
        assert alert["labels"]["severity"] == "page" and alert["labels"]["long_window"] == "1h"
        assert alert["annotations"]["runbook_url"] == "http://wiki.example/loan"
        assert "height_cm" in alert["annotations"]["description"]
        assert alert["generatorURL"] == "http://cockpit.example:8501/service?service=loan"

    # Alertmanager groups both alerts of the service into one notification
    fired = wait_for(
        lambda: [g for g in hook_groups(peers) if g["status"] == "firing"],
        what="the firing group at the receiver",
    )
    group = fired[-1]
    assert group["groupLabels"] == {"service": "loan"}
    assert sorted(a["labels"]["slo"] for a in group["alerts"]) == ["valid", "valid-strict"]

    # a silence made in the cockpit is mirrored, and suppresses the alert there
    silence = ops.add_silence(
        store,
        actor="ana",
        reason="unit change upstream, fixing",
        ends_at=utcnow() + timedelta(hours=2),
        service="loan",
        slo="valid-strict",
        config=load_config(config),
    )
    run_cycle(load_config(config), store, BAD_FROM + timedelta(minutes=45), deliver_s=5)
    mirrored = [
        s for s in get(f"{alertmanager}/api/v2/silences") if s["status"]["state"] == "active"
    ]
    assert len(mirrored) == 1
    assert f"[cockpit silence #{silence.id}]" in mirrored[0]["comment"]
    assert {(m["name"], m["value"]) for m in mirrored[0]["matchers"]} == {
        ("service", "loan"),
        ("slo", "valid-strict"),
    }
    states = wait_for(
        lambda: (
            {
                a["labels"]["slo"]: a["status"]["state"]
                for a in get(f"{alertmanager}/api/v2/alerts?silenced=true")
            }
            if any(
                a["status"]["state"] == "suppressed"
                for a in get(f"{alertmanager}/api/v2/alerts?silenced=true")
            )
            else None
        ),
        what="the mirrored silence to suppress the alert",
    )
    assert states == {"valid": "active", "valid-strict": "suppressed"}

    ops.end_silence(store, silence.id or 0, "ana", load_config(config))
    run_cycle(load_config(config), store, BAD_FROM + timedelta(minutes=50), deliver_s=5)
    assert all(s["status"]["state"] == "expired" for s in get(f"{alertmanager}/api/v2/silences"))

    # the burn ends: both alerts resolve in Alertmanager and the receiver hears it
    cycles(config, store, BAD_FROM + timedelta(minutes=55), BAD_TO + timedelta(minutes=40))
    assert get(f"{alertmanager}/api/v2/alerts?active=true&silenced=true&inhibited=true") == []
    resolved = wait_for(
        lambda: [g for g in hook_groups(peers) if g["status"] == "resolved"],
        what="the resolved group at the receiver",
    )
    assert sorted(a["labels"]["slo"] for a in resolved[-1]["alerts"]) == [
        "valid",
        "valid-strict",
    ]


def pagerduty_shape(request_body: dict) -> list[str]:
    """What a PagerDuty Events API v2 endpoint refuses (400) in a request: its documented
    required fields and values."""
    problems = []
    if (
        not isinstance(request_body.get("routing_key"), str)
        or len(request_body["routing_key"]) != 32
    ):
        problems.append("routing_key must be a 32-character string")
    action = request_body.get("event_action")
    if action not in ("trigger", "acknowledge", "resolve"):
        problems.append(f"event_action {action!r}")
    if action in ("acknowledge", "resolve") and not request_body.get("dedup_key"):
        problems.append("dedup_key is required to acknowledge or resolve")
    if action == "trigger":
        payload = request_body.get("payload") or {}
        for name in ("summary", "source", "severity"):
            if not payload.get(name):
                problems.append(f"payload.{name} is required")
        if payload.get("severity") not in ("critical", "error", "warning", "info"):
            problems.append(f"payload.severity {payload.get('severity')!r}")
        if len(payload.get("summary", "")) > 1024:
            problems.append("payload.summary is longer than 1024 characters")
        for link in request_body.get("links", []):
            if "href" not in link:
                problems.append("links[].href is required")
    return problems


def test_pagerduty_is_triggered_acknowledged_and_resolved_with_one_dedup_key(
    tmp_path: Path, peers: Peers, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = project(
        tmp_path,
        f"  pagerduty: {{routing_key_env: TEST_PD_KEY, url: {peers.url}/v2/enqueue}}",
        monkeypatch,
    )
    monkeypatch.setenv("TEST_PD_KEY", ROUTING_KEY)
    accepted = Scripted(
        202,
        {"Content-Type": "application/json"},
        json.dumps({"status": "success", "message": "Event processed"}).encode(),
    )
    # rate-limited once, then accepted: the outbox waits out Retry-After and sends it again
    peers.then("/v2/enqueue", Scripted(429, {"Retry-After": "1"}, b"{}"), *[accepted] * 20)
    store = Store(os.environ["COCKPIT_DATABASE_URL"])
    replay(load_config(config), store, T0 + timedelta(hours=24), BAD_FROM)
    cycles(config, store, BAD_FROM + timedelta(minutes=5), BAD_FROM + timedelta(minutes=30))

    events = [r.json() for r in peers.to("/v2/enqueue")]
    assert [pagerduty_shape(e) for e in events] == [[] for _ in events]
    triggers = [e for e in events if e["event_action"] == "trigger"]
    assert len(events) == 3 and events[0] == events[1]  # the 429'd trigger, sent again
    keys = {e["payload"]["component"]: e["dedup_key"] for e in triggers}
    assert set(keys) == {"valid", "valid-strict"} and len(set(keys.values())) == 2
    assert all(e["payload"]["severity"] == "critical" for e in triggers)
    assert "height_cm" in json.dumps(triggers[0]["payload"]["custom_details"])

    with store.connect() as conn:
        firing = {a.slo: a for a in alert_repo.firing(conn)}
    ops.ack(store, firing["valid"].id or 0, "ana", load_config(config))
    cycles(config, store, BAD_FROM + timedelta(minutes=35), BAD_TO + timedelta(minutes=40))
    later = [r.json() for r in peers.to("/v2/enqueue")][3:]
    assert [pagerduty_shape(e) for e in later] == [[] for _ in later]
    follow_ups = [(e["event_action"], e["dedup_key"]) for e in later]
    assert follow_ups[0] == ("acknowledge", keys["valid"])
    assert sorted(follow_ups[1:]) == sorted([("resolve", k) for k in keys.values()])

    # the routing key is read at send time: never in the store
    dump = "\n".join(
        str(row)
        for table in ("outbox", "delivery_attempt", "alert")
        for row in store.engine.connect().execute(sa.text(f"SELECT * FROM {table}"))
    )
    assert ROUTING_KEY not in dump
