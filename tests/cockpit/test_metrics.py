"""Prometheus exposition: the contract's metric names, read from the store at scrape time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from cockpit.config.loader import load_config
from cockpit.engine.cycle import replay
from cockpit.metrics import registry
from cockpit.store import Store
from tests.engine.test_runner import T0, UNIT_CHANGE, make_logs
from tests.engine.test_slos import CONFIG_WITH_SLOS


def scrape(config_path: Path, store: Store) -> dict[tuple[str, frozenset], float]:
    text = generate_latest(registry(load_config(config_path), store)).decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def test_metrics_expose_slo_state_and_monitor_runs(tmp_path: Path, store_url: str) -> None:
    make_logs(tmp_path)
    config = tmp_path / "cockpit.yaml"
    config.write_text(CONFIG_WITH_SLOS)
    store = Store(store_url)
    assert (
        scrape(config, store)[
            ("cockpit_slo_objective_ratio", frozenset({"service": "loan", "slo": "valid"}.items()))
        ]
        == 0.99
    )

    replay(load_config(config), store, T0, UNIT_CHANGE + timedelta(hours=1))
    samples = scrape(config, store)
    slo = {"service": "loan", "slo": "valid"}
    assert value(samples, "cockpit_slo_burn_rate", **slo, window="1h") == pytest.approx(100)
    assert value(samples, "cockpit_slo_alert_active", **slo, severity="page") == 1
    assert value(samples, "cockpit_slo_alert_active", **slo, severity="ticket") == 0
    latest = store.latest_slo_evaluation("loan", "valid")
    assert value(samples, "cockpit_slo_error_budget_remaining_ratio", **slo) == pytest.approx(
        latest.error_budget_remaining
    )
    assert (
        value(samples, "cockpit_monitor_runs_total", service="loan", monitor="quality", status="ok")
        == 31 * 12
    )
    assert (
        value(
            samples, "cockpit_sli_value", service="loan", monitor="quality", sli="valid_rows_share"
        )
        == 0
    )
    assert (
        value(samples, "cockpit_monitor_run_duration_seconds", service="loan", monitor="quality")
        > 0
    )


def test_the_last_success_timestamp_moves_with_ok_runs_only(tmp_path: Path, store_url: str) -> None:
    """``cockpit_monitor_last_success_timestamp_seconds``: when the newest ok run finished, so
    a Prometheus alerts when it stops moving (the cockpit stopped, or its feed did)."""
    from cockpit.engine.runner import Runner
    from cockpit.store import utcnow

    make_logs(tmp_path, days=1)
    config = tmp_path / "cockpit.yaml"
    config.write_text(CONFIG_WITH_SLOS)
    store = Store(store_url)
    labels = {"service": "loan", "monitor": "quality"}
    assert ("cockpit_monitor_last_success_timestamp_seconds", frozenset(labels.items())) not in (
        scrape(config, store)
    )
    loaded = load_config(config)
    runner = Runner(loaded, store)
    service = loaded.service("loan")
    monitor = service.monitor("quality")
    before = utcnow().timestamp()
    store.save_run(runner.run_monitor(service, monitor, T0 + timedelta(hours=2)))
    first = value(scrape(config, store), "cockpit_monitor_last_success_timestamp_seconds", **labels)
    assert before <= first <= utcnow().timestamp()
    # A window after the feed ended: no_data, and the timestamp stays where it was.
    empty = runner.run_monitor(service, monitor, T0 + timedelta(days=2))
    assert empty.status == "no_data"
    store.save_run(empty)
    samples = scrape(config, store)
    assert value(samples, "cockpit_monitor_last_success_timestamp_seconds", **labels) == first
