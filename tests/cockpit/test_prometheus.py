"""The Prometheus path of system monitors, against a local HTTP server that speaks the query API.

A stand-in for a real Prometheus (not installed by the project yet): it answers
``/api/v1/query`` as Prometheus 2.x does and records the queries it was sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from cockpit.config.loader import parse_config
from cockpit.engine.runner import Runner
from cockpit.store import Store

AT = datetime(2026, 10, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def prometheus() -> Iterator[tuple[str, list[dict]]]:
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            seen.append(query)
            promql = query.get("query", "")
            if "broken" in promql:
                body = {"status": "error", "errorType": "bad_data", "error": "1:1: parse error"}
                status = 400
            else:
                value = "980" if "code!~" in promql else "1000"
                body = {
                    "status": "success",
                    "data": {
                        "resultType": "vector",
                        "result": [{"metric": {}, "value": [float(query["time"]), value]}],
                    },
                }
                status = 200
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


def config(url: str, tmp_path: Path, good_query: str) -> object:
    text = f"""\
version: cockpit/v1
services:
  - name: api
    data:
      current: {{kind: csv, path: unused.csv, timestamp: ts}}
    monitors:
      - name: availability
        kind: system
        metric: error_rate
        every: 5m
        prometheus:
          url: {url}
          good_query: 'sum(increase(http_requests_total{{code!~"5.."}}[$window]))'
          total_query: '{good_query}'
    slos:
      - {{name: available, monitor: availability, objective: 0.99}}
"""
    return parse_config(text, "cockpit.yaml", source_file=tmp_path / "cockpit.yaml")


def test_good_and_total_events_come_from_promql_over_the_window(prometheus, tmp_path: Path) -> None:
    url, seen = prometheus
    loaded = config(url, tmp_path, "sum(increase(http_requests_total[$window]))")
    runner = Runner(loaded, Store(f"sqlite:///{tmp_path / 'c.db'}"))
    record = runner.run_monitor(loaded.services[0], loaded.services[0].monitors[0], AT)
    assert record.status == "ok", record.error
    assert (record.good, record.total) == (980, 1000)
    assert record.slis["good_share"] == 0.98
    assert [q["query"] for q in seen] == [
        'sum(increase(http_requests_total{code!~"5.."}[5m]))',
        "sum(increase(http_requests_total[5m]))",
    ]
    assert all(float(q["time"]) == AT.timestamp() for q in seen)


def test_a_query_error_fails_the_run_with_what_prometheus_said(prometheus, tmp_path: Path) -> None:
    url, _ = prometheus
    loaded = config(url, tmp_path, "broken(")
    runner = Runner(loaded, Store(f"sqlite:///{tmp_path / 'c.db'}"))
    record = runner.run_monitor(loaded.services[0], loaded.services[0].monitors[0], AT)
    assert record.status == "failed"
    assert "bad_data" in record.error and "parse error" in record.error and url in record.error


def test_an_unreachable_prometheus_fails_the_run_and_names_it(tmp_path: Path) -> None:
    loaded = config("http://127.0.0.1:9", tmp_path, "x")
    record = Runner(loaded, Store(f"sqlite:///{tmp_path / 'c.db'}")).run_monitor(
        loaded.services[0], loaded.services[0].monitors[0], AT - timedelta(minutes=5)
    )
    assert record.status == "failed" and "http://127.0.0.1:9" in record.error
