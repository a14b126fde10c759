"""The system kind's section of the service page (cockpit/kinds/system.py), read from a real
store built by hand."""

from __future__ import annotations

from cockpit.config.loader import parse_config
from cockpit.kinds.panels import Caption, Lines, Rule
from cockpit.kinds.system import panel
from cockpit.read.panels import StoreReader
from cockpit.store import Store
from tests.read.models import CONFIG, fill


def test_latency_percentiles_against_the_threshold_titled_with_their_slo(store: Store) -> None:
    config = fill(store)
    [lines] = panel(StoreReader(store, config, "loan", "latency"))
    assert isinstance(lines, Lines)
    assert lines.title == "Latency percentiles (ms); SLO fast: 0.99 of requests under 300 ms"
    assert lines.rules == (Rule(300.0, "threshold 300"),)
    p99 = lines.data[lines.data["percentile"] == "latency_p99"]
    assert p99["ms"].tolist() == [250.0, 420.0]
    assert set(lines.data["percentile"]) == {"latency_p50", "latency_p95", "latency_p99"}


def test_without_percentiles_in_the_range_the_panel_says_so(store: Store) -> None:
    blocks = panel(StoreReader(store, parse_config(CONFIG), "loan", "latency"))
    assert blocks == [Caption("No latency percentiles in this range.")]
