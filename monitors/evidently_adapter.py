"""The one module that imports Evidently.

Two uses: Evidently's own ``ValueDrift`` numbers, as the independent reference that tests and
``bench/bench_drift.py`` compare ``monitors.drift`` against, and the HTML drift report that a
run can save for the cockpit's drill-down. Nothing in the monitoring path depends on it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.metrics import ValueDrift
from evidently.presets import DataDriftPreset

# Evidently reports the resolved stattest by its display name; ours are the registered names.
_METHOD_BY_DISPLAY_NAME = {
    "K-S p_value": "ks",
    "chi-square p_value": "chisquare",
    "Z-test p_value": "z",
    "Wasserstein distance (normed)": "wasserstein",
    "Jensen-Shannon distance": "jensenshannon",
    "PSI": "psi",
}


@dataclass(frozen=True)
class EvidentlyDrift:
    """One column's ``ValueDrift`` result as Evidently computed it."""

    score: float
    drifted: bool
    method: str  # the stattest Evidently used (resolved when asked for "auto")
    threshold: float


def _definition(columns: Sequence[str], categorical: Collection[str]) -> DataDefinition:
    # Every list given, so Evidently infers nothing: the types are exactly the declared ones.
    return DataDefinition(
        numerical_columns=[c for c in columns if c not in categorical],
        categorical_columns=[c for c in columns if c in categorical],
        text_columns=[],
        datetime_columns=[],
        unknown_columns=[],
        list_columns=[],
    )


def value_drifts(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: Sequence[str],
    method: str,
    categorical: Collection[str] = (),
    threshold: float | None = None,
) -> dict[str, EvidentlyDrift]:
    """Evidently's ``ValueDrift`` for each column, in one report over the same two frames."""
    columns = list(columns)
    definition = _definition(columns, categorical)
    metrics = [
        ValueDrift(column=c, method=None if method == "auto" else method, threshold=threshold)
        for c in columns
    ]
    # Evidently's chi-square divides by zero for categories the reference never saw (p = 0).
    with np.errstate(divide="ignore", invalid="ignore"):
        snapshot = Report(metrics, include_tests=True).run(
            current_data=Dataset.from_pandas(current[columns], data_definition=definition),
            reference_data=Dataset.from_pandas(reference[columns], data_definition=definition),
        )
    payload = snapshot.dict()
    failed = {
        test["metric_config"]["metric_id"]
        for test in payload["tests"]
        if test["id"] == "drift" and test["status"] == "FAIL"
    }
    out: dict[str, EvidentlyDrift] = {}
    for metric in payload["metrics"]:
        config = metric["config"]
        out[config["column"]] = EvidentlyDrift(
            score=float(metric["value"]),
            drifted=metric["id"] in failed,
            method=_METHOD_BY_DISPLAY_NAME.get(config["method"], config["method"]),
            threshold=float(config["threshold"]),
        )
    return out


def value_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    column: str,
    method: str,
    categorical: bool,
) -> tuple[float, bool]:
    """Evidently 0.7 ``ValueDrift(column, method)``: its drift score and its drifted flag."""
    result = value_drifts(reference, current, [column], method, [column] if categorical else ())
    return result[column].score, result[column].drifted


def drift_report_html(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: Sequence[str],
    *,
    categorical: Collection[str] = (),
    method: str = "auto",
    max_rows: int = 10_000,
    max_bytes: int = 5_000_000,
    seed: int = 0,
) -> str | None:
    """Evidently's data drift report as standalone HTML, or None when larger than ``max_bytes``.

    Both frames are sampled (without replacement, seeded) to at most ``max_rows`` rows first:
    the report is for looking at, and Evidently's cost and page size grow with the rows.
    """
    columns = list(columns)

    def sample(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[columns]
        return frame.sample(n=max_rows, random_state=seed) if len(frame) > max_rows else frame

    definition = _definition(columns, categorical)
    preset = DataDriftPreset(columns=columns, method=None if method == "auto" else method)
    with np.errstate(divide="ignore", invalid="ignore"):  # as in value_drifts
        snapshot = Report([preset]).run(
            current_data=Dataset.from_pandas(sample(current), data_definition=definition),
            reference_data=Dataset.from_pandas(sample(reference), data_definition=definition),
        )
    html = snapshot.get_html_str(as_iframe=False)
    return html if len(html.encode("utf-8")) <= max_bytes else None
