"""Prometheus exposition: the contract's metric names, read from the store at scrape time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from cockpit.config.loader import load_config
from cockpit.engine.cycle import replay
from cockpit.metrics import registry
from cockpit.store import Store
from tests.engine.test_runner import T0, UNIT_CHANGE, make_logs
from tests.engine.test_slos import CONFIG_WITH_SLOS


def scrape(
    config_path: Path, store: Store, *, legacy_sli_names: bool = False
) -> dict[tuple[str, frozenset], float]:
    return samples_of(registry(load_config(config_path), store, legacy_sli_names=legacy_sli_names))


def samples_of(reg: CollectorRegistry) -> dict[tuple[str, frozenset], float]:
    text = generate_latest(reg).decode()
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
            samples,
            "cockpit_sli_value",
            service="loan",
            monitor="quality",
            sli="valid_rows_share",
            column="",
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


def test_a_per_column_sli_is_its_name_and_a_column_label(tmp_path: Path, store_url: str) -> None:
    """``out_of_range_share[height_cm]`` is ``sli="out_of_range_share", column="height_cm"``;
    ``--legacy-sli-names`` gives the old single label, with no ``column``."""
    make_logs(tmp_path, days=2)
    config = tmp_path / "cockpit.yaml"
    config.write_text(CONFIG_WITH_SLOS)
    store = Store(store_url)
    replay(load_config(config), store, UNIT_CHANGE, UNIT_CHANGE + timedelta(minutes=10))
    where = {"service": "loan", "monitor": "quality"}

    samples = scrape(config, store)
    assert value(
        samples, "cockpit_sli_value", **where, sli="out_of_range_share", column="height_cm"
    ) == pytest.approx(1)
    assert value(samples, "cockpit_sli_value", **where, sli="valid_rows_share", column="") == 0
    names = {dict(labels)["sli"] for name, labels in samples if name == "cockpit_sli_value"}
    assert not [n for n in names if "[" in n]
    assert all("column" in dict(labels) for name, labels in samples if name == "cockpit_sli_value")

    legacy = scrape(config, store, legacy_sli_names=True)
    assert value(
        legacy, "cockpit_sli_value", **where, sli="out_of_range_share[height_cm]"
    ) == pytest.approx(1)
    assert not [
        1 for name, labels in legacy if name == "cockpit_sli_value" and "column" in dict(labels)
    ]


def events(samples: dict, slo: str) -> tuple[float, float]:
    """``(good, bad)`` of ``cockpit_slo_events_total`` for one SLO of the service ``loan``."""
    return tuple(  # type: ignore[return-value]
        value(samples, "cockpit_slo_events_total", service="loan", slo=slo, result=result)
        for result in ("good", "bad")
    )


def test_the_events_counter_gives_the_cockpits_error_ratio_over_any_window(
    tmp_path: Path, store_url: str
) -> None:
    """Scraped after each tick, ``cockpit_slo_events_total`` differences over a window are the
    SLO's bad and total events over that window: bad / total is the cockpit's own error ratio
    (burn rate times the budget), for occurrences and for timeslices (whose windows shorter
    than the monitor's hour are one hour, as the cockpit widens them)."""
    from cockpit.engine.runner import Runner
    from cockpit.engine.schedule import on_schedule
    from cockpit.engine.slos import evaluate_history

    make_logs(tmp_path, days=2)
    config_path = tmp_path / "cockpit.yaml"
    config_path.write_text(CONFIG_WITH_SLOS)
    config = load_config(config_path)
    store = Store(store_url)
    reg = registry(config, store)  # before any run: the counters start at 0
    assert events(samples_of(reg), "valid") == (0, 0)

    runner, service = Runner(config, store), config.service("loan")
    start = UNIT_CHANGE - timedelta(hours=3)
    ticks = [start + timedelta(minutes=5 * i) for i in range(1, 61)]  # 5 hours, the change inside
    counted: dict[str, list[tuple[float, float]]] = {"valid": [], "mostly-valid": []}
    for at in ticks:
        for monitor in service.monitors:
            if on_schedule(monitor, at):
                store.save_run(runner.run_monitor(service, monitor, at))
        samples = samples_of(reg)
        for slo in counted:
            counted[slo].append(events(samples, slo))

    history = evaluate_history(config, store, ticks, save=False)
    compared = 0
    for slo, objective, interval in (("valid", 0.99, 5), ("mostly-valid", 0.9, 60)):
        good, bad = (np.array(c) for c in zip(*counted[slo], strict=True))
        assert np.all(np.diff(good) >= 0) and np.all(np.diff(bad) >= 0)  # a counter only grows
        for i, report in enumerate(history[("loan", slo)]):
            for window, minutes in (("5m", 5), ("30m", 30), ("1h", 60), ("2h", 120)):
                steps = max(minutes, interval) // 5
                if i < steps:
                    continue
                d_bad, d_all = (
                    bad[i] - bad[i - steps],
                    good[i] + bad[i] - good[i - steps] - bad[i - steps],
                )
                burn = report.burn_rates[window]
                if d_all == 0:
                    assert burn is None
                    continue
                assert d_bad / d_all == pytest.approx(burn * (1 - objective), abs=1e-12), (
                    slo,
                    window,
                    report.at,
                )
                compared += 1
    assert compared > 300
    bad_ratios = {slo: counted[slo][-1][1] for slo in counted}
    assert all(b > 0 for b in bad_ratios.values())  # the unit change is inside: bad events


def test_the_events_counter_starts_after_the_stored_history_and_never_goes_down(
    tmp_path: Path, store_url: str
) -> None:
    """A collector made over a filled store counts only the runs stored after it (a new process
    starts from 0, a counter reset); a prune of old runs and a backfill of old windows change
    nothing; a run of a new window adds exactly its events."""
    from cockpit.engine.retention import prune
    from cockpit.engine.runner import Runner

    make_logs(tmp_path, days=2)
    config_path = tmp_path / "cockpit.yaml"
    config_path.write_text(CONFIG_WITH_SLOS)
    config = load_config(config_path)
    store = Store(store_url)
    replay(config, store, UNIT_CHANGE - timedelta(hours=1), UNIT_CHANGE)
    reg = registry(config, store)
    assert events(samples_of(reg), "valid") == (0, 0)

    runner, service = Runner(config, store), config.service("loan")
    record = runner.run_monitor(
        service, service.monitor("quality"), UNIT_CHANGE + timedelta(minutes=5)
    )
    store.save_run(record)
    assert record.total > 0 and record.good < record.total
    after_one = events(samples_of(reg), "valid")
    assert after_one == (record.good, record.total - record.good)

    # history written now for old windows, then a prune that deletes all but the newest runs
    replay(config, store, UNIT_CHANGE - timedelta(hours=3), UNIT_CHANGE - timedelta(hours=1))
    pruned = prune(config, store, UNIT_CHANGE + timedelta(days=100))
    assert pruned.to_json()["deleted"]["runs"] > 0
    assert events(samples_of(reg), "valid") == after_one


def test_serve_legacy_sli_names_gives_the_old_label_on_the_daemons_metrics(
    tmp_path: Path, store_url: str
) -> None:
    """``cockpit serve --legacy-sli-names``: the running daemon's /metrics has the old
    ``sli="out_of_range_share[x]"``; without the flag, ``sli`` and ``column``."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request
    from datetime import UTC, datetime

    import pandas as pd

    from cockpit.engine.runner import Runner
    from cockpit.engine.schedule import previous_tick
    from tests.e2e.test_daemon import free_port

    now = datetime.now(UTC)
    (tmp_path / "logs").mkdir()
    ts = pd.date_range(now - timedelta(hours=3), now, freq="1min", tz="UTC")
    pd.DataFrame({"ts": ts, "x": np.where(np.arange(len(ts)) % 4 == 0, 20.0, 5.0)}).to_parquet(
        tmp_path / "logs" / "now.parquet"
    )
    config_path = tmp_path / "cockpit.yaml"
    config_path.write_text(
        "version: cockpit/v1\nservices:\n  - name: live\n    data:\n"
        '      current: {kind: parquet, path: "logs/*.parquet", timestamp: ts}\n'
        "    schema:\n      x: {type: float, min: 0, max: 10, nullable: false}\n"
        "    monitors:\n      - {name: quality, kind: data_quality, every: 1h, window: 1h}\n"
    )
    config = load_config(config_path)
    service = config.service("live")
    monitor = service.monitor("quality")
    store = Store(store_url)
    # the newest tick's run is stored: the daemon has nothing to catch up, nothing runs anew
    store.save_run(Runner(config, store).run_monitor(service, monitor, previous_tick(monitor, now)))

    def metrics(*flags: str) -> str:
        port = free_port()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cockpit.cli",
                "serve",
                str(config_path),
                "--port",
                str(port),
                *flags,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "COCKPIT_DATABASE_URL": store_url},
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                        return r.read().decode()
                except OSError:
                    assert time.monotonic() < deadline and proc.poll() is None, "no /metrics"
                    time.sleep(0.3)
        finally:
            proc.terminate()
            proc.wait(timeout=15)

    legacy = metrics("--legacy-sli-names")
    assert 'sli="out_of_range_share[x]"' in legacy
    assert "column=" not in legacy
    current = metrics()
    assert 'column="x"' in current and 'sli="out_of_range_share"' in current
    assert "[x]" not in current
