"""The prediction-quality kind's section of the service page (cockpit/kinds/prediction_quality.py),
read from a real store built by hand."""

from __future__ import annotations

from cockpit.config.loader import parse_config
from cockpit.kinds.panels import Caption, Lines, Metric, Row, Rule, Table
from cockpit.kinds.prediction_quality import panel, prediction_quality
from cockpit.read.panels import StoreReader
from cockpit.store import Store
from tests.read.models import CONFIG, END, fill


def test_the_newest_run_with_its_breakdowns(store: Store) -> None:
    config = fill(store)
    latest = prediction_quality(StoreReader(store, config, "loan", "accuracy"))
    assert (latest["metric"], latest["at"], latest["value"]) == ("accuracy", END, 0.75)
    assert latest["by_model_version"].to_dict("records") == [
        {"model_version": "v1", "accuracy": 0.75, "rows": 900}
    ]
    assert latest["by_slice"]["slice"].tolist() == ["plan=basic"]


def test_the_panel_shows_the_value_the_series_against_its_slo_and_the_breakdowns(
    store: Store,
) -> None:
    config = fill(store)
    metric, lines, row = panel(StoreReader(store, config, "loan", "accuracy"))
    assert metric == Metric("accuracy (newest run, 2026-10-20 12:00 UTC)", "0.7500")
    assert isinstance(lines, Lines) and lines.title == "accuracy per window"
    assert lines.data["value"].tolist() == [0.9, 0.75]
    assert lines.rules == (Rule(0.8, "accurate: accuracy >= 0.8"),)  # the SLO's line
    assert isinstance(row, Row)
    assert [t.title for t in row.blocks if isinstance(t, Table)] == ["By model version", "By slice"]


def test_before_any_ok_run_the_panel_says_why(store: Store) -> None:
    blocks = panel(StoreReader(store, parse_config(CONFIG), "loan", "accuracy"))
    assert blocks == [Caption("No successful run yet (labels may not have arrived).")]
