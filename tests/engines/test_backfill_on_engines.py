"""A backfill with ``engine: duckdb`` goes window by window through DuckDB (nothing preloaded)
and writes the same history as the in-process backfill: over the sample scenario's unit-change
day, every run's SLIs and every SLO evaluation (good, total, budget, burn rates, severity)."""

from __future__ import annotations

import json
import math
import os
from datetime import datetime
from pathlib import Path

from cockpit.config.loader import load_config
from cockpit.config.models import Config
from cockpit.engine.cycle import replay
from cockpit.engine.runner import Runner
from cockpit.sources import PreloadedSource
from cockpit.store import Store

START = datetime.fromisoformat("2026-10-10T08:00:00+00:00")  # the unit change starts at 14:00
END = datetime.fromisoformat("2026-10-11T02:00:00+00:00")


def backfilled(scenario_dir: Path, root: Path, engine: str) -> tuple[Store, Config]:
    text = (scenario_dir / "cockpit.yaml").read_text()
    text = text.replace("generated/", f"{scenario_dir}/generated/")
    for service in ("loan-default", "ad-ctr"):
        text = text.replace(
            f"  - name: {service}\n", f"  - name: {service}\n    engine: {engine}\n"
        )
    config_path = root / f"{engine}.yaml"
    config_path.write_text(text)
    os.environ["COCKPIT_DATABASE_URL"] = f"sqlite:///{root / (engine + '.db')}"
    try:
        config = load_config(config_path)
        store = Store(config.store_url())
    finally:
        del os.environ["COCKPIT_DATABASE_URL"]
    replay(config, store, START, END)
    return store, config


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def test_a_duckdb_backfill_writes_the_same_history_as_in_process(
    scenario_dir: Path, tmp_path: Path
) -> None:
    ours, config = backfilled(scenario_dir, tmp_path, "pandas")
    theirs, _ = backfilled(scenario_dir, tmp_path, "duckdb")
    runs_a = {(r.service, r.monitor, r.window_end): r for r in ours.runs()}
    runs_b = {(r.service, r.monitor, r.window_end): r for r in theirs.runs()}
    assert runs_a.keys() == runs_b.keys() and len(runs_a) > 500
    engines = set()
    for key, a in runs_a.items():
        b = runs_b[key]
        assert a.status == b.status, (key, a.error, b.error)
        assert close(a.good, b.good) and close(a.total, b.total), key
        engines.add(json.loads(b.details or "{}").get("engine", "pandas"))
    assert "duckdb" in engines  # data quality, drift and system ran on DuckDB
    for service in config.services:
        slis_a = {m[:3]: m[3] for m in ours.measurements(service.name)}
        slis_b = {m[:3]: m[3] for m in theirs.measurements(service.name)}
        assert slis_a.keys() == slis_b.keys() and slis_a, service.name
        assert all(close(v, slis_b[k]) for k, v in slis_a.items()), service.name

    evaluations = 0
    for service, slo in ((s.name, slo.name) for s in config.services for slo in s.slos):
        a_rows, b_rows = ours.slo_evaluations(service, slo), theirs.slo_evaluations(service, slo)
        assert [e.at for e in a_rows] == [e.at for e in b_rows], (service, slo)
        for a, b in zip(a_rows, b_rows, strict=True):
            assert close(a.good, b.good) and close(a.total, b.total), (service, slo, a.at)
            assert close(a.error_budget_remaining, b.error_budget_remaining), (service, slo, a.at)
            burn_a, burn_b = json.loads(a.burn_rates), json.loads(b.burn_rates)
            assert burn_a.keys() == burn_b.keys()
            assert all(close(burn_a[w], burn_b[w]) for w in burn_a), (service, slo, a.at)
            assert a.alert_severity == b.alert_severity, (service, slo, a.at)
            evaluations += 1
    assert evaluations > 100
    # the unit change pages on valid inputs in both histories
    severities = {e.alert_severity for e in theirs.slo_evaluations("loan-default", "valid-inputs")}
    assert "page" in severities


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
