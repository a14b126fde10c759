"""A sink is one unit: a toy "chat" sink, defined and registered here and nowhere else, is
configured under ``notifiers.chat``, host-checked, and receives a firing alert from a real
cycle through the durable outbox (queued in the alert's transaction, delivered later, retried
with one idempotency key), with no other code knowing its name."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from alerting.delivery import DeliveryResult, short_key
from alerting.sinks import registry
from alerting.sinks.base import Context, Fired, Message, Notice, Outgoing, Resolved, Sink
from alerting.sinks.fields import EnvName, Settings
from cockpit.config.loader import parse_config
from cockpit.engine.cycle import replay, run_cycle
from cockpit.engine.deliver import Deliverer
from cockpit.errors import ConfigError
from cockpit.store import Outbox, Store

T0 = datetime(2026, 10, 1, tzinfo=UTC)
BAD_FROM, BAD_TO = T0 + timedelta(hours=30), T0 + timedelta(hours=32)


# --- the toy sink: everything it is, in one place -------------------------------------------------


class ChatSettings(Settings):
    url: str
    room: str = "#ml-oncall"
    token_env: EnvName | None = None


class Chat(Sink):
    name = "chat"
    section = "notifiers"
    model = ChatSettings
    url_keys = ("url",)

    def enabled(self, settings: ChatSettings, environ: Mapping[str, str]) -> bool:
        return settings.token_env is None or bool(environ.get(settings.token_env))

    def messages(self, settings: ChatSettings, notice: Notice) -> list[Message]:
        if isinstance(notice, Fired):  # one message per alert, not per service
            return [
                Message(
                    settings.room,
                    short_key(self.name, f"{alert.fingerprint}-{notice.stamp}"),
                    {"text": f"FIRING {alert.service}/{alert.slo} ({alert.severity})"},
                    alert.severity,
                    alerts=(alert.id,) if alert.id is not None else (),
                )
                for alert in notice.alerts
            ]
        if isinstance(notice, Resolved):
            alert = notice.alert
            text = f"resolved {alert.service}/{alert.slo}"
            key = short_key(self.name, f"resolved-{alert.fingerprint}-{notice.stamp}")
            return [Message(settings.room, key, {"text": text}, alert.severity)]
        return []

    def send(self, settings: ChatSettings, out: Outgoing, ctx: Context) -> DeliveryResult:
        try:
            response = httpx.post(
                settings.url,
                json={"room": out.target, **out.body},
                headers={"idempotency-key": out.key},
                timeout=2.0,
            )
        except httpx.HTTPError as exc:
            return DeliveryResult(False, None, 0.0, error=str(exc))
        ok = response.status_code == 200
        return DeliveryResult(ok, response.status_code, 0.0, error=None if ok else "HTTP error")


# --- a local chat server ----------------------------------------------------------------------


class ChatServer:
    def __init__(self) -> None:
        self.received: list[tuple[dict[str, Any], str]] = []
        self.fail_next = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                failing = server.fail_next > 0
                server.fail_next -= 1
                if not failing:
                    server.received.append((body, self.headers["idempotency-key"]))
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/post"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()


CONFIG = """\
version: cockpit/v1
allowed_hosts: [{host}]
services:
  - name: loan
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
notifiers:
  chat: {{url: "{url}"}}
"""


@pytest.fixture
def chat() -> Iterator[Chat]:
    sink = registry.SINKS.register(Chat())
    yield sink
    registry.SINKS.unregister(sink.name)


@pytest.fixture
def server() -> Iterator[ChatServer]:
    running = ChatServer()
    yield running
    running.close()


def write_logs(folder: Path) -> None:
    """A row a minute for two days; heights in metres between 30h and 32h."""
    ts = pd.date_range(T0, periods=2 * 1440, freq="1min", tz="UTC")
    height = np.random.default_rng(0).normal(170, 8, len(ts))
    bad = (ts >= pd.Timestamp(BAD_FROM)) & (ts < pd.Timestamp(BAD_TO))
    (folder / "logs").mkdir()
    pd.DataFrame({"ts": ts, "height_cm": np.where(bad, height / 100, height)}).to_parquet(
        folder / "logs" / "all.parquet"
    )


def test_without_its_module_the_sink_is_unknown(server: ChatServer) -> None:
    with pytest.raises(ConfigError, match="notifiers.chat: unknown key 'chat'"):
        parse_config(CONFIG.format(host="127.0.0.1", url=server.url))


def test_its_settings_and_outgoing_host_are_checked(chat: Chat, server: ChatServer) -> None:
    with pytest.raises(ConfigError, match=r"notifiers.chat.url: host '127.0.0.1' is not in"):
        parse_config(CONFIG.format(host="ci.example", url=server.url))
    with pytest.raises(ConfigError, match=r"notifiers.chat.token_env: must name an environment"):
        text = CONFIG.format(host="127.0.0.1", url=server.url)
        parse_config(text.replace("chat: {url:", "chat: {token_env: 12-bad, url:"))


def test_a_firing_alert_reaches_the_toy_sink_through_the_durable_outbox(
    chat: Chat, server: ChatServer, tmp_path: Path
) -> None:
    write_logs(tmp_path)
    path = tmp_path / "cockpit.yaml"
    path.write_text(CONFIG.format(host="127.0.0.1", url=server.url))
    config = parse_config(path.read_text(), str(path), source_file=path)
    store = Store(f"sqlite:///{tmp_path / 'cockpit.db'}")
    replay(config, store, T0 + timedelta(hours=24), BAD_FROM)
    assert server.received == []  # history is recorded, not announced

    server.fail_next = 1
    fired = [
        run_cycle(config, store, BAD_FROM + timedelta(minutes=m), deliver_s=0).alerts
        for m in (5, 10)
    ]
    assert [[(a["slo"], a["state"]) for a in cycle] for cycle in fired] == [
        [],
        [("valid", "firing")],
    ]
    assert server.received == []  # queued with the alert, not sent yet
    with store.engine.connect() as conn:
        [row] = conn.execute(sa.select(Outbox)).all()
    assert (row.kind, row.target, row.status) == ("chat", "#ml-oncall", "pending")

    delivered = Deliverer(config, store, rand=lambda: 0.0).deliver_due(quick_retry_s=5)
    assert [(d.kind, d.status, d.attempts) for d in delivered] == [("chat", "delivered", 2)]
    [(body, key)] = server.received
    assert body == {"room": "#ml-oncall", "text": "FIRING loan/valid (page)"}
    assert key == row.idempotency_key  # the same id on the failed attempt and the retry
