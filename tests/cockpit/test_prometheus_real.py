"""The Prometheus path against a real Prometheus server (Debian's package, installed by
`make test`): it scrapes a local exporter, and a system monitor reads good and total events
from its query API over the window."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cockpit.config.loader import parse_config
from cockpit.engine.runner import Runner
from cockpit.store import Store

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
pytestmark = pytest.mark.skipif(
    not Path(PROMETHEUS).exists(), reason="prometheus is not installed (make test installs it)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def exporter() -> Iterator[str]:
    """Counters that grow 19 good and 1 failed request per scrape: a 95% success ratio."""
    scrapes = {"n": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            scrapes["n"] += 1
            n = scrapes["n"]
            body = (
                "# TYPE http_requests_total counter\n"
                f'http_requests_total{{code="200"}} {19 * n}\n'
                f'http_requests_total{{code="500"}} {n}\n'
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def prometheus(exporter: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"scrape_configs:\n  - job_name: app\n    static_configs: [{{targets: ['{exporter}']}}]\n"
    )
    proc = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "prometheus.log").open("w"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        time.sleep(10)  # increase() needs two samples in the window: let it scrape a few times
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_system_monitor_reads_good_and_total_events_from_a_real_prometheus(
    prometheus: str, tmp_path: Path
) -> None:
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
        every: 30s
        window: 30s
        prometheus:
          url: {prometheus}
          good_query: 'sum(increase(http_requests_total{{code!~"5.."}}[$window]))'
          total_query: 'sum(increase(http_requests_total[$window]))'
    slos:
      - {{name: available, monitor: availability, objective: 0.99}}
"""
    config = parse_config(text, "cockpit.yaml", source_file=tmp_path / "cockpit.yaml")
    runner = Runner(config, Store(f"sqlite:///{tmp_path / 'c.db'}"))
    at = datetime.now(UTC)
    record = runner.run_monitor(config.services[0], config.services[0].monitors[0], at)
    assert record.status == "ok", (record.error, record.details)
    assert record.total > 0
    assert record.slis["good_share"] == pytest.approx(0.95, abs=1e-9)
    assert record.good / record.total == pytest.approx(0.95, abs=1e-9)
