"""The canary kind (cockpit/kinds/canary.py): its config, and whole runs through the runner on
real Parquet and CSV files into a real store, with its evidence and its service-page panel."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score

from cockpit.config.loader import parse_config
from cockpit.engine.cycle import run_cycle
from cockpit.errors import ConfigError
from cockpit.kinds import canary as kind
from cockpit.kinds.panels import Caption, Lines, Metric, Row
from cockpit.kinds.registry import KINDS
from cockpit.read.panels import StoreReader
from cockpit.store import Store
from monitors import canary

T0 = datetime(2026, 11, 2, tzinfo=UTC)
AT = T0 + timedelta(hours=10)

CONFIG = textwrap.dedent(
    """\
    version: cockpit/v1
    services:
      - name: loan
        data:
          current: {kind: parquet, path: "logs/*.parquet", timestamp: ts}
          labels: {kind: parquet, path: labels.parquet, key: request_id, timestamp: arrived, delay: 1h}
        prediction: {column: score, kind: binary_classification, label: defaulted}
        monitors:
          - {name: canary, kind: canary, metric: accuracy, every: 1h, window: 6h}
        slos:
          - {name: canary-ok, monitor: canary, good: "canary_worse == 0", objective: 0.9, window: 1d}
      - name: ads
        data:
          current: {kind: csv, path: ads.csv, timestamp: ts}
        monitors:
          - {name: slower, kind: canary, metric: latency_p95, every: 1h, window: 6h, resamples: 500}
          - {name: clicks, kind: canary, metric: ctr, numerator: clicks, denominator: shown, every: 1h, window: 6h}
      - name: shadowed
        data:
          current: {kind: parquet, path: shadow.parquet, timestamp: ts}
        prediction:
          column: score
          kind: binary_classification
          label: defaulted
          shadow: {column: score_v7, version: v7}
        monitors:
          - {name: shadow, kind: canary, metric: accuracy, tolerance: 0.01, every: 1h, window: 6h}
    """
)


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "cockpit.yaml")
    return [str(p) for p in caught.value.problems]


# --- config -----------------------------------------------------------------------------------


def test_a_canary_monitor_and_its_slo_load() -> None:
    config = parse_config(CONFIG, "cockpit.yaml")
    monitor = config.service("loan").monitor("canary")
    assert (monitor.metric, monitor.baseline, monitor.candidate) == (
        "accuracy",
        "previous",
        "newest",
    )
    assert (monitor.alpha, monitor.min_rows, monitor.tolerance) == (0.05, 500, 0.0)
    assert (monitor.resamples, monitor.seed) == (1000, 0)
    assert config.service("loan").slos[0].good == "canary_worse == 0"
    assert kind.label_delay(config.service("loan"), monitor) == timedelta(hours=1)
    slower = config.service("ads").monitor("slower")
    assert kind.label_delay(config.service("ads"), slower) == timedelta(0)  # no labels to wait for


def test_the_kinds_metrics_are_the_statistics_metrics() -> None:
    assert set(kind.METRICS) == set(canary.METRICS)
    assert set(canary.LOG_METRICS) == kind.LOG_METRICS


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "metric: ctr, numerator: clicks, denominator: shown,",
            "metric: ctr, denominator: shown,",
            "cockpit.yaml:17: services[1].monitors[1]: metric 'ctr' needs `numerator` (e.g. clicks) "
            "and `denominator` (e.g. impressions)",
            id="ctr without its numerator",
        ),
        pytest.param(
            "metric: accuracy, every: 1h",
            "metric: accuracy, alpha: 5, every: 1h",
            "cockpit.yaml:9: services[0].monitors[0].alpha: input should be less than 1, got 5",
            id="alpha is a probability",
        ),
        pytest.param(
            "metric: accuracy, every: 1h",
            "metric: accuracy, tolerence: 0.01, every: 1h",
            "cockpit.yaml:9: services[0].monitors[0].tolerence: unknown key 'tolerence' "
            "(did you mean 'tolerance'?)",
            id="a misspelt key",
        ),
        pytest.param(
            "metric: latency_p95, every",
            "metric: latency_p95, error_column: failed, every",
            "cockpit.yaml:16: services[1].monitors[0]: `error_column` applies to metric "
            "'error_rate' only",
            id="a key of another metric",
        ),
        pytest.param(
            "resamples: 500}",
            "resamples: 10}",
            "cockpit.yaml:16: services[1].monitors[0]: resamples 10 can never give p < alpha 0.05 "
            "(the smallest p is 1 / (1 + resamples)): write at least 20",
            id="too few resamples to ever be worse",
        ),
        pytest.param(
            "metric: accuracy, every: 1h",
            "metric: accuracy, baseline: v2, candidate: v2, every: 1h",
            "cockpit.yaml:9: services[0].monitors[0]: baseline and candidate are both 'v2': name "
            "two versions",
            id="one version against itself",
        ),
        pytest.param(
            "metric: accuracy, every: 1h",
            "metric: mae, every: 1h",
            "cockpit.yaml:9: services[0].monitors[0].metric: 'mae' is a regression metric; the "
            "prediction is binary_classification",
            id="a metric the prediction does not have",
        ),
        pytest.param(
            'good: "canary_worse == 0", objective',
            "objective",
            "cockpit.yaml:11: services[0].slos[0]: monitor 'canary' (canary) counts no good/total "
            'events: add a timeslice condition such as `good: "canary_worse == 0"`',
            id="an slo without a condition",
        ),
    ],
)
def test_a_bad_canary_config_names_where(old: str, new: str, expected: str) -> None:
    assert old in CONFIG
    assert expected in problems(CONFIG.replace(old, new, 1))


def test_a_labelled_canary_needs_the_services_prediction() -> None:
    text = CONFIG.replace(
        "metric: latency_p95, every: 1h, window: 6h, resamples: 500",
        "metric: roc_auc, every: 1h, window: 6h",
    )
    assert (
        "cockpit.yaml:16: services[1].monitors[0]: a canary on 'roc_auc' needs the service's "
        "`prediction` (column, kind, label)"
    ) in problems(text)


# --- whole runs ---------------------------------------------------------------------------


def project(folder: Path) -> Path:
    """Twelve hours of a loan model's log, a row every 2 s: v1 alone, then from hour 4 a v2
    canary on 30% of the traffic that is 12 points less accurate; labels arrive 30 minutes
    after each prediction. An ads service slower and less clicked on v2 (a CSV). A shadow v7
    scored beside the live v6 on the same rows, with the label in the log."""
    rng = np.random.default_rng(5)
    ts = pd.date_range(T0, T0 + timedelta(hours=12), freq="2s", tz="UTC", inclusive="left")
    rows = len(ts)
    canary_on = (ts >= T0 + timedelta(hours=4)) & (rng.random(rows) < 0.3)
    version = np.where(canary_on, "v2", "v1")
    defaulted = rng.random(rows) < 0.3
    right = rng.random(rows) < np.where(canary_on, 0.80, 0.92)
    predicted = np.where(right, defaulted, ~defaulted)
    score = np.where(predicted, rng.uniform(0.5, 1, rows), rng.uniform(0, 0.5, rows))
    ids = [f"r{i}" for i in range(rows)]
    logs = pd.DataFrame({"ts": ts, "request_id": ids, "model_version": version, "score": score})
    (folder / "logs").mkdir()
    logs.iloc[: rows // 2].to_parquet(folder / "logs" / "a.parquet", index=False)
    logs.iloc[rows // 2 :].to_parquet(folder / "logs" / "b.parquet", index=False)
    labels = pd.DataFrame(
        {
            "request_id": ids,
            "defaulted": defaulted.astype(int),
            "arrived": ts + timedelta(minutes=30),
        }
    )
    labels.to_parquet(folder / "labels.parquet", index=False)

    latency = rng.lognormal(4.5, 0.3, rows) * np.where(canary_on, 1.25, 1.0)
    ads = pd.DataFrame(
        {
            "ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "model_version": version,
            "latency_ms": latency.round(2),
            "clicks": rng.binomial(4, np.where(canary_on, 0.10, 0.12)),
            "shown": 4,
        }
    )
    ads.to_csv(folder / "ads.csv", index=False)

    live_right = rng.random(rows) < 0.90
    shadow_right = rng.random(rows) < 0.86
    shadow = pd.DataFrame(
        {
            "ts": ts,
            "model_version": "v6",
            "score": np.where(live_right == defaulted, 0.9, 0.1),
            "score_v7": np.where(shadow_right == defaulted, 0.9, 0.1),
            "defaulted": defaulted.astype(int),
        }
    )
    shadow.to_parquet(folder / "shadow.parquet", index=False)
    path = folder / "cockpit.yaml"
    path.write_text(CONFIG + f"store: sqlite:///{folder / 'cockpit.db'}\n")
    return path


@pytest.fixture
def ran(tmp_path: Path) -> tuple:
    path = project(tmp_path)
    config = parse_config(path.read_text(), str(path), source_file=path)
    store = Store(config.store_url())
    for hours in (9, 10):
        result = run_cycle(config, store, T0 + timedelta(hours=hours), deliver_s=0)
    return config, store, {(r.service, r.monitor): r for r in result.runs}, result, tmp_path


REQUIRED_DETAILS = {
    "metric",
    "baseline",
    "candidate",
    "baseline_value",
    "candidate_value",
    "baseline_rows",
    "candidate_rows",
    "rows",
    "test",
    "paired",
    "tolerance",
    "alpha",
    "versions",
}


def test_a_less_accurate_canary_is_worse_after_its_labels_arrived(ran: tuple) -> None:
    config, store, runs, result, folder = ran
    run = runs[("loan", "canary")]
    assert run.status == "ok", run.error
    # labels take an hour: the window ends an hour before the run
    assert (run.window_start, run.window_end) == (AT - timedelta(hours=7), AT - timedelta(hours=1))
    assert run.slis["canary_worse"] == 1.0 and run.slis["canary_p_value"] < 1e-6
    assert set(run.details) >= REQUIRED_DETAILS
    assert (run.details["baseline"], run.details["candidate"]) == ("v1", "v2")

    logs = pd.concat(pd.read_parquet(p) for p in sorted((folder / "logs").glob("*.parquet")))
    labels = pd.read_parquet(folder / "labels.parquet")
    rows = logs[(logs.ts >= run.window_start) & (logs.ts < run.window_end)].merge(
        labels, on="request_id"
    )
    accuracy = {
        v: accuracy_score(g.defaulted, g.score >= 0.5) for v, g in rows.groupby("model_version")
    }
    assert run.slis["canary_delta"] == pytest.approx(accuracy["v2"] - accuracy["v1"], abs=1e-12)
    assert run.details["versions"] == rows.model_version.value_counts().sort_index().to_dict()
    share = (rows.model_version == "v2").mean()
    assert run.slis["candidate_share"] == pytest.approx(share, abs=1e-12)
    assert run.good is None and run.total is None  # no events: a timeslice SLO

    [slo] = [s for s in result.slos if s["slo"] == "canary-ok"]
    assert (slo["method"], slo["good"], slo["total"]) == ("timeslices", 0, 2)

    evidence = KINDS.get("canary").evidence(run.details)
    assert evidence[0].startswith("candidate v2 accuracy 0.8")
    assert "two-proportion z" in evidence[0]


def test_a_slower_canary_in_a_csv_log_is_worse_on_latency_and_ctr(ran: tuple) -> None:
    _, _, runs, _, folder = ran
    slower, clicks = runs[("ads", "slower")], runs[("ads", "clicks")]
    assert slower.status == clicks.status == "ok"
    assert (slower.window_start, slower.window_end) == (AT - timedelta(hours=6), AT)  # no delay
    ads = pd.read_csv(folder / "ads.csv", parse_dates=["ts"])
    rows = ads[(ads.ts >= slower.window_start) & (ads.ts < slower.window_end)]
    p95 = {v: np.percentile(g.latency_ms, 95) for v, g in rows.groupby("model_version")}
    assert slower.slis["canary_delta"] == pytest.approx(p95["v2"] - p95["v1"], abs=1e-9)
    assert (slower.details["test"], slower.slis["canary_worse"]) == ("permutation", 1.0)
    assert clicks.details["test"] == "two-proportion z"
    assert clicks.slis["canary_delta"] < 0


def test_a_shadow_is_the_candidate_on_the_same_rows(ran: tuple) -> None:
    _, _, runs, _, folder = ran
    run = runs[("shadowed", "shadow")]
    assert run.status == "ok", run.error
    assert (run.details["baseline"], run.details["candidate"]) == ("v6", "v7")
    assert run.details["paired"] is True and run.details["test"] == "McNemar z"
    assert run.slis["candidate_share"] == 1.0
    assert run.details["baseline_rows"] == run.details["candidate_rows"] == 10_800
    frame = pd.read_parquet(folder / "shadow.parquet")
    rows = frame[(frame.ts >= run.window_start) & (frame.ts < run.window_end)]
    live = accuracy_score(rows.defaulted, rows.score >= 0.5)
    assert run.slis["canary_delta"] == pytest.approx(
        accuracy_score(rows.defaulted, rows.score_v7 >= 0.5) - live, abs=1e-12
    )
    assert run.slis["canary_worse"] == 1.0  # 4 points worse, beyond the 1-point tolerance


def test_the_panel_shows_the_newest_verdict_and_the_delta_per_window(ran: tuple) -> None:
    config, store, runs, _, _ = ran
    row, caption, lines = kind.panel(StoreReader(store, config, "loan", "canary"))
    assert isinstance(row, Row)
    delta, p_value, worse, share = row.blocks
    assert delta == Metric(
        "accuracy delta (v2 - v1)", format(runs[("loan", "canary")].slis["canary_delta"], "+.4g")
    )
    assert worse == Metric("worse", "yes")
    assert isinstance(p_value, Metric) and isinstance(share, Metric)
    assert isinstance(caption, Caption) and "candidate v2" in caption.text
    assert isinstance(lines, Lines) and lines.title == "canary_delta per window"
    assert len(lines.data) == 2  # the runs at 9:00 and 10:00


def test_before_any_verdict_the_panel_says_why(tmp_path: Path) -> None:
    config = parse_config(CONFIG, "cockpit.yaml")
    store = Store(f"sqlite:///{tmp_path / 'empty.db'}")
    [caption] = kind.panel(StoreReader(store, config, "loan", "canary"))
    assert isinstance(caption, Caption) and caption.text.startswith("No verdict yet")


def test_too_little_canary_traffic_is_no_data_in_the_store(tmp_path: Path) -> None:
    path = project(tmp_path)
    config = parse_config(path.read_text(), str(path), source_file=path)
    store = Store(config.store_url())
    early = T0 + timedelta(hours=5, minutes=10)  # v2 logged from 4:00, labelled up to 4:10
    [run] = [r for r in run_cycle(config, store, early, deliver_s=0).runs if r.monitor == "canary"]
    assert run.status == "no_data"
    assert run.details["reason"].startswith("too little traffic to compare: baseline 'v1' has ")
    assert run.details["versions"]["v2"] < 500
