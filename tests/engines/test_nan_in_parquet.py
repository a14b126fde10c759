"""NaN stored as a value in Parquet (as pyarrow and Spark write it; pandas writes a missing
float as null) is missing on DuckDB too: drift and data quality equal the in-process path.

Parquet's min/max statistics leave NaN out, and DuckDB's optimizer, reading them, took a float
column for one without NaN wherever a statement tested ``isnan`` twice: the finite count, the
range and the KS/Wasserstein distances counted NaN as a value (a drift score of None). Rows
repeated with NaN in them are duplicates on both paths."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tests.engines.conftest import Place, assert_same_runs

MONITORS = """\
- {name: wasserstein, kind: drift, method: wasserstein, columns: [x, y], every: 1h, window: 1d}
- {name: ks, kind: drift, method: ks, columns: [x, y], every: 1h, window: 1d}
- {name: psi, kind: drift, method: psi, every: 1h, window: 1d}
- {name: quality, kind: data_quality, every: 1h, window: 1d}
"""


def write(path: str, n: int, seed: int, shift: float) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1.0, n)
    x[rng.random(n) < 0.05] = np.nan
    y = rng.uniform(0.0, 10.0, n)
    y[rng.random(n) < 0.02] = np.nan
    y[:3] = [np.inf, -np.inf, 20.0]  # infinities and one out of range
    start = 1_790_812_800_000_000  # 2026-10-01T00:00:00Z in microseconds
    ts = start + np.sort(rng.integers(0, 86_400_000_000, n))
    plan = rng.choice(np.array(["a", "b", "c"], dtype=object), n)
    twins = np.concatenate([np.flatnonzero(np.isnan(x))[:50], rng.integers(0, n, 150)])
    ts, x, y, plan = (np.concatenate([a, a[twins]]) for a in (ts, x, y, plan))  # repeated rows
    table = pa.table(
        {
            "ts": pa.array(ts, type=pa.timestamp("us", tz="UTC")),
            "x": pa.array(x),  # from numpy: NaN stays a value, not a null
            "y": pa.array(y),
            "plan": pa.array(plan, type=pa.string()),
        }
    )
    pq.write_table(table, path, row_group_size=n // 4)


def test_nan_values_in_parquet_are_missing_on_duckdb_as_in_process(tmp_path) -> None:  # noqa: ANN001
    write(str(tmp_path / "logs.parquet"), 40_000, 1, 0.3)
    write(str(tmp_path / "reference.parquet"), 40_000, 2, 0.0)
    stats = pq.ParquetFile(tmp_path / "logs.parquet").metadata.row_group(0).column(1).statistics
    assert stats.null_count == 0  # the NaN are values in the file, as the test needs
    place = Place("parquet", "duckdb", tmp_path)
    source = """\
data:
  current: {kind: parquet, path: logs.parquet, timestamp: ts}
  reference: {kind: parquet, path: reference.parquet}
schema:
  x: {type: float}
  y: {type: float, min: 0, max: 10}
  plan: {type: category, allowed: [a, b]}
"""
    ours, theirs = place.runs(source, MONITORS)
    assert_same_runs(ours, theirs, "duckdb")
    for name in ("wasserstein", "ks"):
        assert theirs[name]["slis"]["drift_score[x]"] is not None, name
    assert ours["quality"]["slis"]["missing_share[x]"] > 0.04
    assert ours["quality"]["slis"]["duplicate_share"] >= 200 / 40_200  # NaN equal to NaN
