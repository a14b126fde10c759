"""The outbox delivered whatever the sink: an action follows its own call, and only its own."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from alerting.delivery import GIVE_UP_AFTER
from alerting.sinks.base import Escalated
from cockpit.config.loader import parse_config
from cockpit.config.models import Config
from cockpit.engine import actions, notify
from cockpit.engine.deliver import Deliverer
from cockpit.store import ActionRecord, Store, utcnow
from cockpit.store import actions as action_repo

AT = datetime(2026, 10, 10, 14, tzinfo=UTC)
CONFIG = """\
version: cockpit/v1
allowed_hosts: [127.0.0.1]
services:
  - name: loan
    data:
      current: {{kind: parquet, path: "logs/*.parquet", timestamp: ts}}
    schema:
      x: {{type: float}}
    monitors:
      - {{name: quality, kind: data_quality, every: 5m}}
    slos:
      - {{name: valid, monitor: quality, objective: 0.99}}
    actions:
      - {{on: {{slo: valid}}, do: rollback, webhook: ci}}
notifiers:
  slack: {{webhook_url_env: TEST_SLACK_URL}}
webhooks:
  ci: {{url: "{url}", timeout: 2s}}
"""


class Receiver:
    def __init__(self) -> None:
        self.calls = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/hook"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.http.shutdown()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/hook"


def setup(url: str, tmp_path: Path) -> tuple[Config, Store, int]:
    """The config, a store, and a queued rollback whose call is in the outbox."""
    config = parse_config(CONFIG.format(url=url))
    store = Store(f"sqlite:///{tmp_path / 'cockpit.db'}")
    rule = config.service("loan").actions[0]
    with store.begin() as conn:
        action_id = actions.record(
            conn, config, "loan", 0, rule, "valid", "page", "queued", None, "act-1", AT
        )
    return config, store, action_id


def action(store: Store, action_id: int) -> ActionRecord:
    with store.connect() as conn:
        found = action_repo.get(conn, action_id)
    assert found is not None
    return found


def test_an_escalation_given_up_on_leaves_its_delivered_action_delivered(
    receiver: Receiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, store, action_id = setup(receiver.url, tmp_path)
    [call] = Deliverer(config, store).deliver_due(quick_retry_s=0)
    assert (call.kind, call.status, receiver.calls) == ("webhook", "delivered", 1)
    assert action(store, action_id).status == "delivered"

    monkeypatch.setenv("TEST_SLACK_URL", "http://unlisted.example/services/T/B/X")
    with store.begin() as conn:
        notice = Escalated(action_id, "loan", "valid", "rollback", "2h", None)
        notify.queue(conn, config, notice)
    later = utcnow() + GIVE_UP_AFTER + timedelta(minutes=1)
    [escalation] = Deliverer(config, store, clock=lambda: later).deliver_due(quick_retry_s=0)
    assert (escalation.kind, escalation.status) == ("slack", "failed")
    assert "not in allowed_hosts" in (escalation.error or "")
    assert action(store, action_id).status == "delivered"  # the message failed, not the action


def test_a_call_given_up_on_fails_its_action(tmp_path: Path) -> None:
    config, store, action_id = setup(closed_port_url(), tmp_path)
    later = utcnow() + GIVE_UP_AFTER + timedelta(minutes=1)
    [call] = Deliverer(config, store, clock=lambda: later).deliver_due(quick_retry_s=0)
    assert (call.kind, call.status) == ("webhook", "failed")
    failed = action(store, action_id)
    assert failed.status == "failed" and failed.reason == call.error


def test_a_row_of_a_sink_the_config_no_longer_has_is_refused_not_lost(tmp_path: Path) -> None:
    config, store, _action_id = setup(closed_port_url(), tmp_path)
    without = config.model_copy(update={"webhooks": {}})
    [call] = Deliverer(without, store).deliver_due(quick_retry_s=0)
    assert (call.status, call.error) == ("pending", "no webhook named 'ci' in the config any more")
