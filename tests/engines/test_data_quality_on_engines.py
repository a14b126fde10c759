"""The data-quality monitor's SLIs are the same in process and on each engine (DuckDB over
Parquet and CSV, a real PostgreSQL computing a SQL source's profile): every check of every
column, the rows bad for any of them, duplicates, and the example values an alert shows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.engines.conftest import Place, assert_same_runs

SCHEMA = """\
schema:
  age:    {type: int, min: 18, max: 100, nullable: false}
  income: {type: float, min: 0}
  tier:   {type: int, allowed: [1, 2, 3]}
  plan:   {type: category, allowed: [basic, pro, premium]}
  code:   {type: str}
  score:  {type: float, min: 300, max: 850}
"""
MONITORS = """\
- {name: quality, kind: data_quality, every: 1h, window: 1d}
- {name: some, kind: data_quality, columns: [plan, code], every: 1h, window: 6h}
"""


def rows(n: int = 20_000, seed: int = 5, *, infinities: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp("2026-09-30T12:00", tz="UTC") + pd.to_timedelta(
        np.sort(rng.uniform(0, 36 * 3600, n)).round(), unit="s"
    )
    age = rng.integers(10, 110, n).astype(float)
    age[rng.random(n) < 0.01] = np.nan  # missing where it may not be
    age[rng.random(n) < 0.01] += 0.5  # not whole
    income = rng.lognormal(10, 1, n)
    income[rng.random(n) < 0.01] = -1.0
    income[rng.random(n) < 0.02] = np.nan
    if infinities:
        income[:4] = np.inf
    tier = rng.integers(0, 5, n)
    plan = rng.choice(np.array(["basic", "pro", "premium", "gold", None], dtype=object), n)
    # numbers as text, and text that is not a number: the column arrives as text everywhere
    score = rng.choice(np.array(["400", "500.5", "unknown", "900", None, "320"], dtype=object), n)
    code = rng.choice(np.array(["a", "b", None], dtype=object), n)
    frame = pd.DataFrame(
        {
            "ts": ts,
            "age": age,
            "income": income,
            "tier": tier,
            "plan": plan,
            "code": code,
            "score": score,
        }
    )
    twins = frame.sample(300, random_state=seed)  # rows repeated exactly, timestamp included
    return pd.concat([frame, twins], ignore_index=True).sort_values("ts", kind="stable")


def test_every_data_quality_sli_is_the_same_on_the_engine_as_in_process(place: Place) -> None:
    source = SCHEMA + f"data:\n  current: {place.write(rows(infinities=place.kind != 'csv'))}"
    ours, theirs = place.runs(source, MONITORS)
    assert_same_runs(ours, theirs, place.engine)
    quality = ours["quality"]
    slis = quality["slis"]
    # every kind of failure happens, so each count is compared on something
    for sli in (
        "missing_share[age]",
        "type_error_share[age]",
        "out_of_range_share[age]",
        "out_of_range_share[income]",
        "unexpected_share[tier]",
        "unexpected_share[plan]",
        "type_error_share[score]",
        "out_of_range_share[score]",
        "duplicate_share",
    ):
        assert slis[sli] > 0, sli
    assert 0 < slis["valid_rows_share"] < 1
    # the alert's evidence: the same failing columns and example values
    for name in ("quality", "some"):
        a, b = ours[name]["details"], theirs[name]["details"]
        assert a["failing_columns"] == b["failing_columns"], name
        for column, found in a["columns"].items():
            got = b["columns"][column]
            assert {k: v for k, v in found.items() if k != "examples"} == {
                k: v for k, v in got.items() if k != "examples"
            }, (name, column)
            assert set(found["examples"]) == set(got["examples"]), (name, column)
            for check, examples in found["examples"].items():
                assert len(got["examples"][check]) == len(examples), (name, column, check)
                if column in ("plan", "score"):  # few distinct bad values: the same ones
                    assert set(got["examples"][check]) == set(examples), (name, column, check)


def test_a_column_not_in_the_data_fails_the_run_naming_the_source_and_column(
    place: Place,
) -> None:
    schema = SCHEMA + "  nope:   {type: float}\n"
    source = schema + f"data:\n  current: {place.write(rows(2_000))}"
    ours, theirs = place.runs(
        source, "- {name: quality, kind: data_quality, every: 1h, window: 1d}"
    )
    for run in (ours["quality"], theirs["quality"]):
        assert run["status"] == "failed"
        assert "'nope'" in run["error"] and "services[0].data.current" in run["error"], run["error"]
