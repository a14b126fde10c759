"""A monitor kind is one unit: a toy kind, registered here and nowhere else, validates in the
config, runs through a whole cycle (runner, store, SLO, alert) and shows its evidence and
headline, with no other code knowing its name."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pytest
from pydantic import Field

from cockpit.config.base import MonitorBase
from cockpit.config.loader import parse_config
from cockpit.cycle import run_cycle
from cockpit.errors import ConfigError
from cockpit.kinds import registry
from cockpit.kinds.base import Headline, Kind, RunContext, Window
from cockpit.read.alerts import list_alerts
from cockpit.store import Store
from monitors.base import MonitorResult

T0 = datetime(2026, 10, 1, tzinfo=UTC)


class RowCountMonitor(MonitorBase):
    kind: Literal["row_count"]
    at_least: int = Field(ge=0)


def run(ctx: RunContext, service: Any, monitor: RowCountMonitor, window: Window, at: datetime):
    frame = ctx.read_window(service, ["x"], window)
    rows = len(frame)
    return MonitorResult(
        status="ok",
        slis={"row_count": float(rows)},
        good=float(rows >= monitor.at_least),
        total=1.0,
        details={"rows": rows, "at_least": monitor.at_least},
    ), None


def evidence(details: Mapping[str, Any]) -> list[str]:
    return [f"{details['rows']} rows, wanted at least {details['at_least']}"]


def requires(service: Mapping[str, Any], monitor: Mapping[str, Any]) -> Iterator:
    if monitor.get("at_least") == 0:
        yield ("at_least",), "at_least 0 can never fail: name a floor"


TOY = Kind(
    name="row_count",
    title="Row count",
    model=RowCountMonitor,
    slis=frozenset({"row_count"}),
    run=run,
    headline=lambda _monitor: Headline("row_count"),
    requires=requires,
    evidence=evidence,
)

CONFIG = """\
version: cockpit/v1
services:
  - name: feed
    data:
      current: {kind: parquet, path: "logs/*.parquet", timestamp: ts}
    monitors:
      - {name: volume, kind: row_count, every: 5m, at_least: 4}
    slos:
      - {name: enough-rows, monitor: volume, objective: 0.9, window: 1d}
"""


@pytest.fixture
def toy() -> Iterator[Kind]:
    registry.register(TOY)
    yield TOY
    registry.unregister(TOY.name)


def test_without_its_module_the_kind_is_unknown() -> None:
    with pytest.raises(ConfigError, match="unknown kind 'row_count'"):
        parse_config(CONFIG)


def test_its_own_checks_apply(toy: Kind) -> None:
    with pytest.raises(ConfigError, match="at_least 0 can never fail"):
        parse_config(CONFIG.replace("at_least: 4", "at_least: 0"))
    with pytest.raises(ConfigError, match="row_count monitors have no SLI 'rows'"):
        parse_config(CONFIG.replace("objective: 0.9,", 'objective: 0.9, good: "rows > 1",'))


def test_a_toy_kind_runs_through_a_whole_cycle(toy: Kind, tmp_path: Path) -> None:
    """Ten rows a five minutes for two hours, then one: its SLO pages with its evidence."""
    ts = pd.date_range(T0, T0 + timedelta(hours=2), freq="30s", tz="UTC", inclusive="left")
    sparse = pd.date_range(T0 + timedelta(hours=2), T0 + timedelta(hours=3), freq="5min", tz="UTC")
    frame = pd.DataFrame({"ts": ts.append(sparse)})
    frame["x"] = np.arange(len(frame), dtype=float)
    (tmp_path / "logs").mkdir()
    frame.to_parquet(tmp_path / "logs" / "day.parquet", index=False)
    path = tmp_path / "cockpit.yaml"
    path.write_text(CONFIG)
    config = parse_config(CONFIG, str(path), source_file=path)
    store = Store(f"sqlite:///{tmp_path / 'cockpit.db'}")

    at = T0 + timedelta(minutes=5)
    while at <= T0 + timedelta(hours=3):
        result = run_cycle(config, store, at, deliver_s=0)
        at += timedelta(minutes=5)
    [run] = result.runs
    assert (run.kind, run.status, run.slis) == ("row_count", "ok", {"row_count": 1.0})
    [slo] = result.slos
    assert slo["error_budget_remaining"] < 0  # 12 bad of 36 runs under a 0.9 objective
    [page] = [a for a in list_alerts(store) if a["severity"] == "page"]
    assert page["slo"] == "enough-rows"
    assert page["evidence"] == ["1 rows, wanted at least 4"]
    assert toy.headline_of(config.service("feed").monitor("volume"), run.slis) == "row_count=1"
