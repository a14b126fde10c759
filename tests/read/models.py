"""A model service filled by hand for the panels' tests: an hourly accuracy monitor with a
timeslice SLO, and a 5-minute latency monitor with an occurrence SLO on its threshold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cockpit.config.loader import parse_config
from cockpit.config.models import Config
from cockpit.store import RunRecord, Store

END = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
CONFIG = """\
version: cockpit/v1
services:
  - name: loan
    data:
      current: {kind: parquet, path: "none/*.parquet", timestamp: ts}
    prediction: {column: score, kind: binary_classification, label: defaulted}
    monitors:
      - {name: accuracy, kind: prediction_quality, metric: accuracy, every: 1h, window: 1d, slices: [plan]}
      - {name: latency, kind: system, metric: latency, threshold_ms: 300, every: 5m}
    slos:
      - {name: accurate, monitor: accuracy, good: "accuracy >= 0.8", objective: 0.95}
      - {name: fast, monitor: latency, objective: 0.99}
"""


def accuracy_run(at: datetime, accuracy: float) -> RunRecord:
    return RunRecord(
        service="loan",
        monitor="accuracy",
        kind="prediction_quality",
        window_start=at - timedelta(days=1),
        window_end=at,
        status="ok",
        slis={"accuracy": accuracy, "labelled_share": 1.0},
        details={
            "metric": "accuracy",
            "by_model_version": {"v1": {"accuracy": accuracy, "rows": 900}},
            "by_slice": {"plan": {"basic": {"accuracy": 0.7, "rows": 300}}},
        },
    )


def latency_run(at: datetime, p99: float) -> RunRecord:
    return RunRecord(
        service="loan",
        monitor="latency",
        kind="system",
        window_start=at - timedelta(minutes=5),
        window_end=at,
        status="ok",
        good=99.0,
        total=100.0,
        slis={"latency_p50": 40.0, "latency_p95": 120.0, "latency_p99": p99},
    )


def fill(store: Store) -> Config:
    store.save_runs(
        [
            accuracy_run(END - timedelta(hours=1), 0.9),
            accuracy_run(END, 0.75),
            latency_run(END - timedelta(minutes=5), 250.0),
            latency_run(END, 420.0),
        ]
    )
    return parse_config(CONFIG)
