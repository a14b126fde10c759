"""Each monitor's section of the service page (cockpit/read/panels.py): one panel per monitor,
drawn by its kind, from what the store reader gives it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.config.models import Config
from cockpit.read.buckets import MAX_POINTS
from cockpit.read.panels import Caption, Heatmap, Lines, Report, StoreReader, Table, panels
from cockpit.store import RunRecord, Store
from tests.read import models
from tests.read.stored import END, STEP, drift_run, make_config, quality_run


def test_every_monitor_gets_its_kinds_section_in_the_configs_order(
    filled: tuple[Config, Store],
) -> None:
    config, store = filled
    quality, drift = panels(store, config, "svc-0")
    assert (quality.title, quality.key) == ("Data quality: quality", "quality")
    assert [type(b) for b in quality.blocks] == [Table, Lines]
    assert (drift.title, drift.key) == ("Drift: drift", "drift")
    assert [type(b) for b in drift.blocks] == [Heatmap, Caption, Table, Caption]
    heatmap = drift.blocks[0]
    assert isinstance(heatmap, Heatmap) and heatmap.title == "Drift per column"
    model = panels(store, models.fill(store), "loan")
    assert [p.title for p in model] == ["Prediction quality: accuracy", "System: latency"]


def test_a_service_without_runs_gets_each_kinds_empty_section(store: Store) -> None:
    config = make_config(1)
    quality, drift = panels(store, config, "svc-0")
    assert quality.blocks == (Caption("No data-quality measurements in this range."),)
    assert drift.blocks[0] == Caption("No drift scores in this range.")


def test_the_range_bounds_what_a_panel_reads(filled: tuple[Config, Store]) -> None:
    config, store = filled
    late = StoreReader(
        store, config, "svc-0", "drift", since=END - timedelta(minutes=30), until=END
    )
    assert late.series(None, how=None)["at"].unique().tolist() == [END]
    assert late.step() == timedelta(hours=1)  # the monitor runs every hour


def test_the_reader_buckets_long_series_by_the_asked_aggregate(store: Store) -> None:
    config = make_config(1)
    store.save_runs(
        [quality_run("svc-0", END - STEP * i, 100 - (i % 2) * 50, 100) for i in range(2000)]
    )
    read = StoreReader(store, config, "svc-0", "quality")
    best = read.series(["valid_rows_share"], how="max")
    worst = read.series(["valid_rows_share"], how="min")
    assert len(best) == len(worst) <= MAX_POINTS
    assert best["at"].tolist() == worst["at"].tolist()
    # a 15-minute bucket holds runs of both kinds: all valid (1.0) and half valid (0.5)
    assert (best["value"] >= worst["value"]).all()
    assert (best["value"] > worst["value"]).mean() > 0.9
    assert len(read.series(["valid_rows_share"], how=None)) == 2000  # every stored value


def test_the_newest_ok_run_comes_with_the_slis_asked_for(filled: tuple[Config, Store]) -> None:
    config, store = filled
    newest = StoreReader(store, config, "svc-1", "quality").latest_ok(["valid_rows_share"])
    assert newest is not None and newest.at == END - STEP  # its newest run failed
    assert newest.slis == {"valid_rows_share": pytest.approx(199 / 200)}


def test_a_stored_report_path_is_read_beside_the_config(store: Store, tmp_path: Path) -> None:
    config = make_config(1).model_copy(update={"source_file": tmp_path / "cockpit.yaml"})
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "latest.html").write_text("<html>drift report</html>")
    run = drift_run("svc-0", END, 0.1, {"x": 0.5})
    store.save_run(RunRecord(**{**run.__dict__, "details": {"report_path": "reports/latest.html"}}))
    [_heatmap, _caption, _table, report] = panels(store, config, "svc-0")[1].blocks
    assert isinstance(report, Report) and report.html == "<html>drift report</html>"
    assert report.label.startswith("Show the Evidently report of 2026-10-20 12:00 UTC")
    assert StoreReader(store, config, "svc-0", "drift").artifact("reports/gone.html") is None
