"""Drift is the same in process and on each engine, for every method: DuckDB over Parquet and
CSV, a real PostgreSQL for a SQL source. The engine hands over one column at a time (a
numerical column's values, a categorical column's value counts computed where the data is)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.engines.conftest import Place, assert_same_runs

SCHEMA = """\
schema:
  income: {type: float}
  age:    {type: int}
  rating: {type: int}
  plan:   {type: category}
"""
MONITORS = """\
- {name: ks, kind: drift, method: ks, columns: [income, age], every: 1h, window: 1d}
- {name: wasserstein, kind: drift, method: wasserstein, columns: [income, age], every: 1h, window: 1d}
- {name: psi, kind: drift, method: psi, every: 1h, window: 1d}
- {name: js, kind: drift, method: jensenshannon, every: 1h, window: 1d}
- {name: chisquare, kind: drift, method: chisquare, columns: [plan, rating], every: 1h, window: 1d}
- {name: auto, kind: drift, method: auto, every: 1h, window: 6h}
"""


def frame(n: int, seed: int, shift: float, start: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp(start, tz="UTC") + pd.to_timedelta(
        np.sort(rng.uniform(0, 36 * 3600, n)).round(), unit="s"
    )
    income = rng.lognormal(10 + shift, 1, n)
    income[rng.random(n) < 0.02] = np.nan
    plans = np.array(["basic", "pro", "premium", "gold"], dtype=object)
    weights = np.array([0.5, 0.3, 0.15 - shift / 10, 0.05 + shift / 10])
    return pd.DataFrame(
        {
            "ts": ts,
            "income": income,
            "age": rng.integers(18, 90 + int(10 * shift), n),
            "rating": rng.integers(1, 6, n),  # few distinct values: counted per value
            "plan": rng.choice(plans, n, p=weights / weights.sum()),
        }
    )


def test_every_drift_method_scores_the_same_on_the_engine_as_in_process(place: Place) -> None:
    current = place.write(frame(30_000, 1, 0.6, "2026-09-30T12:00"), "logs")
    reference = place.write(frame(20_000, 2, 0.0, "2026-09-01T00:00"), "reference")
    source = SCHEMA + f"data:\n  current: {current}\n  reference: {reference}"
    ours, theirs = place.runs(source, MONITORS)
    assert_same_runs(ours, theirs, place.engine)
    for name, run in ours.items():
        assert set(run["details"]["columns"]) == set(theirs[name]["details"]["columns"]), name
        for column, tested in run["details"]["columns"].items():
            got = theirs[name]["details"]["columns"][column]
            assert (tested["method"], tested["current_rows"], tested["drifted"]) == (
                got["method"],
                got["current_rows"],
                got["drifted"],
            ), (name, column)
    # the shift is seen, so the scores compared are not all alike
    assert ours["psi"]["slis"]["drift_share"] > 0
    assert ours["ks"]["slis"]["drift_score[income]"] < 0.05
