"""Drift is the same in process and on each engine, for every method: DuckDB over Parquet and
CSV, a real PostgreSQL for a SQL source. A categorical column's value counts come from the
engine; a numerical column's profile too (its range, counts per bin, the KS and Wasserstein
distances to the uploaded reference), never its values, except the few a small window's exact
KS p-value needs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from scipy import stats

from cockpit.config.models import DuckDBSettings, SparkSettings
from cockpit.engines import database, sqltext
from cockpit.engines.database import DatabaseWindow
from cockpit.engines.duckdb import DuckDBEngine, DuckDBWindow
from cockpit.engines.spark import SparkEngine, SparkWindow
from cockpit.engines.sqltext import SqlWindow
from cockpit.sources import FileDataSource, SqlDataSource
from monitors.drift.binning import sturges_edges
from tests.engines.conftest import Place, assert_same_runs

SCHEMA = """\
schema:
  income: {type: float}
  score:  {type: float}
  level:  {type: float}
  age:    {type: int}
  visits: {type: int}
  rating: {type: int}
  plan:   {type: category}
"""
NUMERICAL = "[income, score, age, visits]"
MONITORS = f"""\
- {{name: ks, kind: drift, method: ks, columns: {NUMERICAL}, every: 1h, window: 1d}}
- {{name: wasserstein, kind: drift, method: wasserstein, columns: {NUMERICAL}, every: 1h, window: 1d}}
- {{name: psi, kind: drift, method: psi, every: 1h, window: 1d}}
- {{name: js, kind: drift, method: jensenshannon, every: 1h, window: 1d}}
- {{name: chisquare, kind: drift, method: chisquare, columns: [plan, rating], every: 1h, window: 1d}}
- {{name: auto, kind: drift, method: auto, every: 1h, window: 6h}}
"""


def frame(n: int, seed: int, shift: float, start: str) -> pd.DataFrame:
    """Numerical columns with NaN, +-inf, missing values and ties, and categorical ones."""
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp(start, tz="UTC") + pd.to_timedelta(
        np.sort(rng.uniform(0, 36 * 3600, n)).round(), unit="s"
    )
    income = rng.lognormal(10 + shift, 1, n)
    income[rng.random(n) < 0.02] = np.nan
    # ties: rounded to a tenth, with a block of one repeated value; NaN and both infinities
    score = np.round(rng.normal(shift, 1, n), 1)
    score[rng.random(n) < 0.1] = 0.5
    odd = rng.random(n)
    score[odd < 0.01] = np.inf
    score[(odd >= 0.01) & (odd < 0.02)] = -np.inf
    score[(odd >= 0.02) & (odd < 0.03)] = np.nan
    level = rng.choice([0.5, 1.5, 2.5, 3.5 if shift else 2.5], n)  # few values: counted per value
    level[rng.random(n) < 0.01] = np.inf
    visits = pd.array(rng.integers(0, 200 + int(100 * shift), n), dtype="Int64")
    visits[rng.random(n) < 0.05] = pd.NA  # an integer column with missing values
    plans = np.array(["basic", "pro", "premium", "gold"], dtype=object)
    weights = np.array([0.5, 0.3, 0.15 - shift / 10, 0.05 + shift / 10])
    return pd.DataFrame(
        {
            "ts": ts,
            "income": income,
            "score": score,
            "level": level,
            "age": rng.integers(18, 90 + int(10 * shift), n),
            "visits": visits,
            "rating": rng.integers(1, 6, n),  # few distinct integers: categorical
            "plan": rng.choice(plans, n, p=weights / weights.sum()),
        }
    )


def assert_same_columns(ours: dict[str, dict], theirs: dict[str, dict]) -> None:
    for name, run in ours.items():
        assert set(run["details"]["columns"]) == set(theirs[name]["details"]["columns"]), name
        for column, tested in run["details"]["columns"].items():
            got = theirs[name]["details"]["columns"][column]
            keys = ("method", "current_rows", "drifted", "problem")
            assert [tested.get(k) for k in keys] == [got.get(k) for k in keys], (name, column)


def write_sources(place: Place, current: int, reference: int) -> str:
    logs = place.write(frame(current, 1, 0.6, "2026-09-30T12:00"), "logs")
    ref = place.write(frame(reference, 2, 0.0, "2026-09-01T00:00"), "reference")
    return SCHEMA + f"data:\n  current: {logs}\n  reference: {ref}"


def test_every_drift_method_scores_the_same_on_the_engine_as_in_process(place: Place) -> None:
    ours, theirs = place.runs(write_sources(place, 30_000, 20_000), MONITORS)
    assert_same_runs(ours, theirs, place.engine)
    assert_same_columns(ours, theirs)
    # the shift is seen, so the scores compared are not all alike
    assert ours["psi"]["slis"]["drift_share"] > 0
    assert ours["ks"]["slis"]["drift_score[income]"] < 0.05
    # every kind of numerical test ran: binned, per value, the asymptotic KS, and auto's picks
    tested = {name: run["details"]["columns"] for name, run in ours.items()}
    assert tested["auto"]["income"]["method"] == "wasserstein"
    assert tested["auto"]["level"]["method"] == "jensenshannon"
    assert all(c["current_rows"] > 10_000 for c in tested["ks"].values())


def test_small_windows_score_the_same_with_scipys_exact_ks(place: Place) -> None:
    """Both samples of at most 10,000 values: the exact p-value, from the window's values."""
    ours, theirs = place.runs(write_sources(place, 6_000, 3_000), MONITORS)
    assert_same_runs(ours, theirs, place.engine)
    assert_same_columns(ours, theirs)
    tested = ours["ks"]["details"]["columns"]
    assert all(0 < c["current_rows"] <= 10_000 for c in tested.values())


def test_a_numerical_column_is_never_fetched_whole(
    place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every statement an engine runs for drift returns a few rows, not a column of ~20,000."""
    source = write_sources(place, 30_000, 20_000)
    returned: list[int] = []

    def counted(method: Any) -> Any:
        def wrapper(self: SqlWindow, *args: Any, **kwargs: Any) -> Any:
            result = method(self, *args, **kwargs)
            returned.append(len(result))
            return result

        return wrapper

    for cls in (DuckDBWindow, DatabaseWindow, SparkWindow):
        for name in ("_fetch", "_frame", "_fetch_with"):
            monkeypatch.setattr(cls, name, counted(getattr(cls, name)))

    def no_series(self: SqlWindow, column: str) -> pd.Series:
        raise AssertionError(f"column {column!r} fetched whole")

    monkeypatch.setattr(SqlWindow, "series", no_series)
    engine = "auto" if place.engine == "sql" else place.engine
    runs = place.run(engine, source, MONITORS)
    assert all(run["status"] == "ok" for run in runs.values()), runs
    assert returned and max(returned) <= 50, sorted(returned)[-5:]


# ---------------------------------------------------------------------------------------------
# the SQL pieces against numpy and scipy, on values chosen to sit on the bin edges


def opened(place: Place, x: np.ndarray) -> SqlWindow:
    """A window over a column ``x`` of ``x``'s values, NaN and +-inf, on the place's engine.
    The NaN stays a float NaN in Parquet and PostgreSQL (not a missing value, as writing a
    frame would make it); CSV has it as the text NaN, read as missing on every path."""
    at = pd.Timestamp("2026-10-01", tz="UTC")
    values = np.concatenate([x, [np.inf, -np.inf]])
    place.write(pd.DataFrame({"ts": at, "x": values}), "numbers")
    if place.kind in ("parquet", "spark"):
        table = pa.table({"ts": pa.array([at] * (values.size + 1)), "x": np.append(values, np.nan)})
        pq.write_table(table, place.folder / "numbers.parquet", coerce_timestamps="us")
    elif place.kind == "csv":
        with open(place.folder / "numbers.csv", "a") as out:
            out.write(f"{at.tz_localize(None)},NaN\n")
    else:
        assert place.url is not None
        engine = sa.create_engine(place.url)
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO numbers (ts, x) VALUES (:at, 'NaN')"), {"at": at})
        engine.dispose()
        sql = SqlDataSource(place.url, "numbers", table="numbers", timestamp="ts")
        return database.window(sql, ["x"], None, None)
    kind = "parquet" if place.kind == "spark" else place.kind
    files = FileDataSource(kind, str(place.folder / f"numbers.{kind}"), "numbers", timestamp="ts")
    if place.kind == "spark":
        return SparkEngine(SparkSettings(remote=place.remote)).window(files, ["x"], None, None)
    return DuckDBEngine(DuckDBSettings()).window(files, ["x"], None, None)


def test_bin_counts_equal_numpys_histogram_with_values_on_every_edge(place: Place) -> None:
    edges = sturges_edges(-1.5, 2.0, 40, False)  # the edges of 40 values from -1.5 to 2.0
    filler = np.random.default_rng(3).uniform(-1.5, 2.0, 40 - 2 * edges.size)
    finite = np.concatenate([edges, edges, filler])  # every edge twice, the last one too
    np.testing.assert_array_equal(
        edges, sturges_edges(finite.min(), finite.max(), finite.size, False)
    )
    window = opened(place, finite)
    got = window.bin_counts("x", list(edges))
    np.testing.assert_array_equal(got, np.histogram(finite, edges)[0])
    missing = 1 if place.kind == "csv" else 0  # NaN and +-inf left out, NaN missing in CSV
    assert window.finite_range("x") == (finite.size, -1.5, 2.0, missing)


def test_ecdf_distances_equal_scipys_ks_and_wasserstein_with_ties(place: Place) -> None:
    rng = np.random.default_rng(7)
    current = np.round(rng.normal(0.3, 1, 3000), 1)
    reference = np.sort(np.round(rng.normal(0, 1, 2000), 1))  # ties within and across sides
    window = opened(place, current)
    ks, w1 = window.ecdf_distances("x", reference)
    assert ks == stats.ks_2samp(reference, current).statistic  # the same float
    assert w1 == pytest.approx(stats.wasserstein_distance(reference, current), rel=1e-12)


def test_a_column_too_large_for_one_ordered_pass_gives_the_same_distances(
    place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB orders a column larger than one pass may hold range by range (cut at approximate
    quantiles of the window); with the limit at 400 values, 3,000 values with ties across the
    cuts give scipy's KS statistic exactly and its Wasserstein distance."""
    if place.engine != "duckdb":
        pytest.skip("PostgreSQL and Spark order a whole column in one pass (they spill)")
    monkeypatch.setattr(sqltext, "ORDERED_PASS_ROWS", 400)
    rng = np.random.default_rng(11)
    current = np.round(rng.normal(0.3, 1, 3000), 1)
    reference = np.sort(np.round(rng.normal(0, 1, 2000), 1))
    window = opened(place, current)
    passes: list[int] = []
    fetch_with = DuckDBWindow._fetch_with

    def counted(self: SqlWindow, sql: str, arrays: Any) -> Any:
        passes.append(len(arrays["v"]))
        return fetch_with(self, sql, arrays)

    monkeypatch.setattr(DuckDBWindow, "_fetch_with", counted)
    ks, w1 = window.ecdf_distances("x", reference)
    assert len(passes) >= 5 and sum(passes) == np.unique(reference).size  # each value once
    monkeypatch.setattr(sqltext, "ORDERED_PASS_ROWS", 10**9)
    assert window.ecdf_distances("x", reference)[0] == ks  # the same differences, one pass
    # scipy's own arithmetic may round the largest difference the other way (one ulp)
    assert ks == pytest.approx(stats.ks_2samp(reference, current).statistic, rel=1e-12)
    assert w1 == pytest.approx(stats.wasserstein_distance(reference, current), rel=1e-12)
