"""The daemon's pool: a monitor that blocks does not hold up the others, and never runs twice at
once (a tick due while it runs is skipped and counted). The real daemon's scheduler in this
process, with two toy kinds: one that waits on an event, one that returns at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import pytest

from cockpit.config.base import MonitorBase
from cockpit.daemon import Daemon
from cockpit.kinds import registry
from cockpit.kinds.base import Kind, RunContext, Window
from cockpit.store import Store
from monitors.base import MonitorResult


class Gate:
    """What the blocking kind saw: how many of its runs went on at once, at most."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.fast_ticks: list[datetime] = []  # the fast monitor's ticks, while the gate is shut

    def slow(self, *_args: Any) -> tuple[MonitorResult, None]:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        self.entered.set()
        self.release.wait(60)
        with self.lock:
            self.now -= 1
        return MonitorResult(status="ok", slis={}, good=1.0, total=1.0), None

    def fast(
        self, _ctx: RunContext, _service: Any, _monitor: Any, _window: Window, at: datetime
    ) -> tuple[MonitorResult, None]:
        if self.entered.is_set() and not self.release.is_set():
            self.fast_ticks.append(at)
        return MonitorResult(status="ok", slis={}, good=1.0, total=1.0), None


class SlowMonitor(MonitorBase):
    kind: Literal["toy_slow"]


class FastMonitor(MonitorBase):
    kind: Literal["toy_fast"]


CONFIG = """\
version: cockpit/v1
store: {url}
daemon: {{workers: {workers}}}
services:
  - name: svc
    data:
      current: {{kind: parquet, path: "logs/*.parquet", timestamp: ts}}
    monitors:
      - {{name: slow, kind: toy_slow, every: 1s}}
      - {{name: fast, kind: toy_fast, every: 1s}}
    slos:
      - {{name: fast-ok, monitor: fast, objective: 0.9, window: 1h}}
"""


@pytest.fixture
def gate() -> Iterator[Gate]:
    gate = Gate()
    kinds = [
        Kind(name="toy_slow", model=SlowMonitor, slis=frozenset(), run=gate.slow),
        Kind(name="toy_fast", model=FastMonitor, slis=frozenset(), run=gate.fast),
    ]
    for kind in kinds:
        registry.KINDS.register(kind)
    yield gate
    gate.release.set()
    for kind in kinds:
        registry.KINDS.unregister(kind.name)


def wait_for(check: Callable[[], bool], what: str) -> None:
    """Poll until ``check`` holds; a failure guard, not a measure of speed."""
    deadline = time.monotonic() + 60
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)


def skipped(daemon: Daemon, monitor: str) -> float:
    return (
        daemon.registry.get_sample_value(
            "cockpit_daemon_skipped_runs_total", {"service": "svc", "monitor": monitor}
        )
        or 0.0
    )


def test_a_blocked_monitor_holds_up_no_other_and_never_runs_twice(
    gate: Gate, tmp_path: Path, store_url: str
) -> None:
    config = tmp_path / "cockpit.yaml"
    config.write_text(CONFIG.format(url=store_url, workers=4))
    daemon = Daemon(config, port=0)
    daemon.role = "active"  # this test is about the pool, not the leadership
    daemon.scheduler.start()
    try:
        daemon.schedule_jobs()
        assert gate.entered.wait(60), "the slow monitor never started"
        # while it is blocked: the fast one keeps running, tick after tick
        wait_for(lambda: len(set(gate.fast_ticks)) >= 3, "three fast runs during the slow one")
        # its own ticks come and are skipped, not queued
        wait_for(lambda: skipped(daemon, "slow") >= 2, "the slow monitor's ticks skipped")
        assert daemon.health()[1]["running"] == ["svc/slow"]
        # a direct call (a catch-up) is refused as well, at once
        caller = threading.Thread(target=daemon.run_job, args=("svc", "slow"))
        before = skipped(daemon, "slow")
        caller.start()
        caller.join(30)
        assert not caller.is_alive() and skipped(daemon, "slow") > before
        # the SLOs were evaluated on the fast runs meanwhile
        store = Store(store_url)
        wait_for(
            lambda: any(e.at in gate.fast_ticks for e in store.slo_evaluations("svc", "fast-ok")),
            "an SLO evaluation at a fast tick while the slow monitor runs",
        )
        assert [r.monitor for r in store.runs("svc", "slow")] == []
        gate.release.set()
        wait_for(lambda: bool(store.runs("svc", "slow")), "the slow run saved once released")
        store.close()
    finally:
        gate.release.set()
        daemon.stop()
        daemon.scheduler.shutdown(wait=True)
        daemon.store.close()
    assert gate.most == 1, f"the slow monitor ran {gate.most} times at once"
