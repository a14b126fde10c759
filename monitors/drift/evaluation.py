"""Evaluate a window against a fitted reference: one outcome per column, and the SLIs.

SLIs: ``drift_share`` (drifted / tested columns), ``drifted_columns`` and, per column,
``drift_score[<column>]`` (the p-value for p-value methods, the distance for the others).
``details["columns"][<column>]`` holds ``method``, ``score``, ``p_value`` (None for
distances), ``statistic`` (KS D, chi-square, z, or the unnormed Wasserstein distance),
``threshold``, ``drifted``, ``categorical``, ``current_rows`` (values left after dropping NaN and
+-inf) and ``problem`` when the column could not be tested; ``details["top_drifted"]`` lists up
to five drifted columns, furthest past their threshold first (threshold / p-value, or
distance / threshold). ``good``/``total`` stay None: drift SLOs are timeslice SLOs.

A column with no value left in the window is reported with a ``problem`` and left out of
``drift_share``; Evidently raises there.

The window is a frame, or :class:`Columns`: an engine's window answering for one column at a
time (a categorical column's value counts, a numerical column's range, counts per bin and CDF
distances, all computed where the data is), so that no column of a large window is ever
fetched whole.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from monitors.base import MonitorResult, finite_or_none
from monitors.drift import registry
from monitors.drift.auto import auto_method
from monitors.drift.prepare import MISSING_IN_WINDOW, WindowColumn, clean, prepare_window
from monitors.drift.queried import NumericalQueries, queried_column
from monitors.drift.registry import AUTO, DriftMethod, Score
from monitors.drift.spec import ColumnReference, FittedReference

TOP_DRIFTED = 5
PARALLEL_MIN_ROWS = 100_000  # smaller windows: columns one after another (a thread costs more)


class Columns(NumericalQueries, Protocol):
    """A window held elsewhere, read a column at a time: a categorical column's value counts,
    a numerical column's profile (``monitors.drift.queried``)."""

    rows: int

    def has(self, name: str) -> bool: ...

    def series(self, name: str) -> pd.Series:
        """The column's values, as a frame of the window would hold them."""
        ...

    def value_counts(self, name: str) -> pd.Series:
        """Rows per present value (``Series.value_counts(dropna=True)``)."""
        ...


class _Frame:
    """A frame as :class:`Columns`."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.rows = len(frame)

    def has(self, name: str) -> bool:
        return name in self.frame.columns

    def series(self, name: str) -> pd.Series:
        return self.frame[name]

    def value_counts(self, name: str) -> pd.Series:
        raise NotImplementedError  # a frame's categorical columns are counted by prepare_window


@dataclass(frozen=True)
class _Outcome:
    method: str
    score: float | None
    p_value: float | None
    statistic: float | None
    threshold: float | None
    drifted: bool
    current_rows: int
    problem: str | None = None


def evaluate(window: pd.DataFrame | Columns, fitted: FittedReference) -> MonitorResult:
    """Test every column of ``fitted`` on ``window``; reads nothing but the window's columns."""
    spec = fitted.spec
    held: _Frame | Columns = _Frame(window) if isinstance(window, pd.DataFrame) else window
    rows = held.rows
    if rows == 0:
        return MonitorResult.no_data("no rows in the window", rows=0)
    for ref in fitted.columns:
        if not held.has(ref.name):
            raise ValueError(f"column {ref.name!r} not in the current window")

    outcomes = {
        ref.name: outcome
        for ref, outcome in zip(fitted.columns, _evaluate_columns(held, fitted), strict=True)
    }
    tested = [name for name, o in outcomes.items() if o.problem is None]
    drifted = [name for name in tested if outcomes[name].drifted]
    categorical = {ref.name: ref.categorical for ref in fitted.columns}
    columns: dict[str, dict[str, Any]] = {}
    for name, o in outcomes.items():
        entry: dict[str, Any] = {
            "method": o.method,
            "score": finite_or_none(o.score),
            "p_value": finite_or_none(o.p_value),
            "statistic": finite_or_none(o.statistic),
            "threshold": o.threshold,
            "drifted": o.drifted,
            "categorical": categorical[name],
            "current_rows": o.current_rows,
        }
        if o.problem is not None:
            entry["problem"] = o.problem
        columns[name] = entry
    if not tested:
        return MonitorResult.no_data("no tested column has values", rows=rows, columns=columns)

    top = sorted(drifted, key=lambda n: (-_severity(outcomes[n]), n))[:TOP_DRIFTED]
    share = len(drifted) / len(tested)
    slis: dict[str, float | None] = {
        "drift_share": share,
        "drifted_columns": float(len(drifted)),
        **{f"drift_score[{name}]": finite_or_none(o.score) for name, o in outcomes.items()},
    }
    details = {
        "method": spec.method,
        "reference_version": fitted.version,
        "rows": rows,
        "tested_columns": len(tested),
        "drift_share_threshold": spec.drift_share,
        "dataset_drift": share >= spec.drift_share,  # data_drift.get_dataset_drift
        "columns": columns,
        "top_drifted": top,
    }
    return MonitorResult(status="ok", slis=slis, details=details)


def _severity(o: _Outcome) -> float:
    """How far past its threshold a column is: threshold / p, or score / threshold."""
    threshold = o.threshold or 0.0
    score = o.score if o.score is not None and not math.isnan(o.score) else 0.0
    if registry.is_p_value(o.method):
        return math.inf if score <= 0 else threshold / score
    return math.inf if threshold <= 0 else score / threshold


def _evaluate_columns(held: _Frame | Columns, fitted: FittedReference) -> list[_Outcome]:
    """Each column's outcome, in the reference's order. A frame's columns are tested on every
    core (numpy releases the GIL in the passes over a column's values); an engine's window
    answers one query at a time."""
    columns = fitted.columns
    threads = min(len(columns), os.cpu_count() or 1)
    if not isinstance(held, _Frame) or threads < 2 or held.rows < PARALLEL_MIN_ROWS:
        return [_evaluate_column(held, ref) for ref in columns]
    with ThreadPoolExecutor(threads, thread_name_prefix="drift") as pool:
        return list(pool.map(lambda ref: _evaluate_column(held, ref), columns))


def _evaluate_column(held: _Frame | Columns, ref: ColumnReference) -> _Outcome:
    if ref.problem is not None:
        return _problem(ref, ref.problem)
    window: WindowColumn | str
    if isinstance(held, _Frame):
        window = prepare_window(held.series(ref.name), ref.categorical)
    elif ref.categorical:
        counts = clean(held.value_counts(ref.name))
        rows = int(counts.sum())
        window = WindowColumn(rows, counts=counts) if rows else MISSING_IN_WINDOW
    else:  # what the statistics need, computed by the engine
        window = queried_column(held, ref.name)
    if isinstance(window, str):
        return _problem(ref, window)
    key = ref.method
    if key == AUTO:
        assert ref.values is not None
        n_values = ref.distinct + window.unseen(ref.values)  # reference and window together
        key = auto_method(ref.rows, ref.categorical, n_values)
    method = registry.get(key)
    return _outcome(ref, method, method.test(ref.states[key], window), window.rows)


def _problem(ref: ColumnReference, problem: str) -> _Outcome:
    threshold = ref.threshold
    if threshold is None:
        threshold = registry.default_threshold(ref.method)
    return _Outcome(ref.method, None, None, None, threshold, False, 0, problem)


def _outcome(ref: ColumnReference, method: DriftMethod, score: Score, rows: int) -> _Outcome:
    """The score judged against the threshold, the method's own way."""
    threshold = method.default_threshold if ref.threshold is None else ref.threshold
    drifted = bool(method.drifted(score.value, threshold))
    p_value = score.value if method.p_value else None
    return _Outcome(
        method.key, float(score.value), p_value, score.statistic, threshold, drifted, rows
    )
