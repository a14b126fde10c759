"""A monitor kind is one unit: a toy kind, registered here and nowhere else, validates in the
config, runs through a whole cycle (runner, store, SLO, alert), shows its evidence and
headline, and draws its own section of the service page, with no other code knowing its name."""

from __future__ import annotations

import json
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
from cockpit.engine.cycle import run_cycle
from cockpit.errors import ConfigError
from cockpit.kinds import registry
from cockpit.kinds.base import Headline, Kind, RunContext, Window
from cockpit.kinds.panels import Block, Caption, Lines, PanelReader, Rule
from cockpit.read.alerts import list_alerts
from cockpit.read.panels import panels
from cockpit.store import Store
from monitors.base import MonitorResult

T0 = datetime(2026, 10, 1, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


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


def panel(reader: PanelReader) -> list[Block]:
    series = reader.series(["row_count"], how="min")
    if series.empty:
        return [Caption("No row counts in this range.")]
    floor = Rule(reader.monitor.at_least, f"at least {reader.monitor.at_least}")
    return [Lines(series, "value", "name", "rows", "Rows per window", rules=(floor,))]


TOY = Kind(
    name="row_count",
    title="Row count",
    model=RowCountMonitor,
    slis=frozenset({"row_count"}),
    run=run,
    headline=lambda _monitor: Headline("row_count"),
    requires=requires,
    evidence=evidence,
    panel=panel,
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
    registry.KINDS.register(TOY)
    yield TOY
    registry.KINDS.unregister(TOY.name)


def test_without_its_module_the_kind_is_unknown() -> None:
    with pytest.raises(ConfigError, match="unknown kind 'row_count'"):
        parse_config(CONFIG)


def test_its_own_checks_apply(toy: Kind) -> None:
    with pytest.raises(ConfigError, match="at_least 0 can never fail"):
        parse_config(CONFIG.replace("at_least: 4", "at_least: 0"))
    with pytest.raises(ConfigError, match="row_count monitors have no SLI 'rows'"):
        parse_config(CONFIG.replace("objective: 0.9,", 'objective: 0.9, good: "rows > 1",'))


def project(folder: Path) -> Path:
    """Ten rows a five minutes for two hours, then one: the config's path."""
    ts = pd.date_range(T0, T0 + timedelta(hours=2), freq="30s", tz="UTC", inclusive="left")
    sparse = pd.date_range(T0 + timedelta(hours=2), T0 + timedelta(hours=3), freq="5min", tz="UTC")
    frame = pd.DataFrame({"ts": ts.append(sparse)})
    frame["x"] = np.arange(len(frame), dtype=float)
    (folder / "logs").mkdir()
    frame.to_parquet(folder / "logs" / "day.parquet", index=False)
    path = folder / "cockpit.yaml"
    path.write_text(CONFIG + f"store: sqlite:///{folder / 'cockpit.db'}\n")
    return path


def test_a_toy_kind_runs_through_a_whole_cycle(toy: Kind, tmp_path: Path) -> None:
    """Its SLO pages with its evidence once the rows thin out."""
    path = project(tmp_path)
    config = parse_config(path.read_text(), str(path), source_file=path)
    store = Store(config.store_url())

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


def test_a_toy_kind_draws_its_section_of_the_service_page(
    toy: Kind, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    path = project(tmp_path)
    config = parse_config(path.read_text(), str(path), source_file=path)
    store = Store(config.store_url())
    for minutes in range(5, 31, 5):
        run_cycle(config, store, T0 + timedelta(minutes=minutes), deliver_s=0)
    [section] = panels(store, config, "feed")
    assert section.title == "Row count: volume"  # the kind's title, then the monitor's name
    [chart] = section.blocks
    assert isinstance(chart, Lines) and chart.data["value"].tolist() == [10.0] * 6

    monkeypatch.setenv("COCKPIT_CONFIG", str(path))
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(str(ROOT / "app" / "streamlit_app.py"), default_timeout=60)
        at.query_params["service"] = "feed"
        at.run()
        at.switch_page("app_pages/service.py").run()
        assert not at.exception, [e.message for e in at.exception]
        assert "Row count: volume" in [h.value for h in at.header]
        titles = [json.loads(c.proto.spec).get("title") for c in at.get("vega_lite_chart")]
        assert "Rows per window" in titles
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
