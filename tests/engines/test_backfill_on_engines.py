"""A backfill with ``engine: duckdb`` goes window by window through DuckDB (nothing preloaded)
and writes the same history as the in-process backfill: over the sample scenario's unit-change
day, every run's SLIs and every SLO evaluation (good, total, budget, burn rates, severity)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from bench.bench_engine_backfill import backfilled, compare
from cockpit.config.loader import load_config
from cockpit.engine.runner import Runner
from cockpit.sources import PreloadedSource
from cockpit.store import Store

START = datetime.fromisoformat("2026-10-10T08:00:00+00:00")  # the unit change starts at 14:00
END = datetime.fromisoformat("2026-10-11T02:00:00+00:00")


def test_a_duckdb_backfill_writes_the_same_history_as_in_process(
    scenario_dir: Path, tmp_path: Path
) -> None:
    """The comparison of ``bench/bench_engine_backfill.py`` (which runs the whole 30 days)."""
    ours, config = backfilled(scenario_dir, tmp_path, "pandas", START, END)
    theirs, _ = backfilled(scenario_dir, tmp_path, "duckdb", START, END)
    found = compare(ours, theirs, config)
    assert found.differences == []
    assert found.runs > 500 and found.slis > 500 and found.evaluations > 100
    assert "duckdb" in found.engines  # data quality, drift and system ran on DuckDB
    # the unit change pages on valid inputs in both histories
    assert "page" in found.severities[("loan-default", "valid-inputs")]


def test_a_service_on_an_engine_is_not_preloaded(scenario_dir: Path, tmp_path: Path) -> None:
    text = (
        (scenario_dir / "cockpit.yaml")
        .read_text()
        .replace("generated/", f"{scenario_dir}/generated/")
    )
    text = text.replace("  - name: ad-ctr\n", "  - name: ad-ctr\n    engine: duckdb\n")
    (tmp_path / "c.yaml").write_text(text)
    os.environ["COCKPIT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'c.db'}"
    try:
        config = load_config(tmp_path / "c.yaml")
        runner = Runner(config, Store(config.store_url()))
    finally:
        del os.environ["COCKPIT_DATABASE_URL"]
    runner.preload(START, END)
    loan, ads = config.services
    assert isinstance(runner.source(loan, "current"), PreloadedSource)
    assert not isinstance(runner.source(ads, "current"), PreloadedSource)
