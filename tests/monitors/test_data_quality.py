"""Data quality: rows against the schema, shares per column, duplicates and volume."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitors.data_quality import ColumnRule, DataQualitySpec, evaluate

SPEC = DataQualitySpec(
    columns=(
        ColumnRule("height_cm", "float", min=30, max=300, nullable=False),
        ColumnRule("age", "int", min=18, max=100),
        ColumnRule("plan", "category", allowed=("basic", "pro")),
        ColumnRule("vip", "bool"),
    )
)


def frame(**overrides: list) -> pd.DataFrame:
    base = {
        "height_cm": [170.0, 180.0, 165.0, 150.0],
        "age": [30, 40, 50, 60],
        "plan": ["basic", "pro", "basic", "pro"],
        "vip": [True, False, True, False],
    }
    base.update(overrides)
    return pd.DataFrame(base)


def test_a_clean_window_is_all_good() -> None:
    result = evaluate(frame(), SPEC, window_s=300)
    assert result.status == "ok"
    assert (result.good, result.total) == (4, 4)
    assert result.slis["valid_rows_share"] == 1.0
    assert result.slis["missing_share"] == 0.0


@pytest.mark.parametrize(
    ("column", "values", "check", "bad_rows"),
    [
        ("height_cm", [1.7, 1.8, 165.0, 150.0], "out_of_range", 2),
        ("height_cm", [np.inf, -np.inf, 165.0, 150.0], "out_of_range", 2),
        ("height_cm", [np.nan, 180.0, 165.0, 150.0], "missing", 1),
        ("height_cm", ["tall", "180", 165.0, 150.0], "type_error", 1),
        ("age", [30.5, 40, 50, 60], "type_error", 1),
        ("age", [17, 40, 101, 60], "out_of_range", 2),
        ("plan", ["basic", "gold", "basic", "platinum"], "unexpected", 2),
        ("vip", [True, "maybe", True, False], "type_error", 1),
    ],
    ids=[
        "heights in metres are out of range",
        "infinities are out of range",
        "a missing value in a non-nullable column is bad",
        "text in a float column is a type error",
        "a fraction in an int column is a type error",
        "ages outside min and max are out of range",
        "categories not allowed are unexpected",
        "a non-boolean in a bool column is a type error",
    ],
)
def test_each_rule_marks_its_rows_bad(column: str, values: list, check: str, bad_rows: int) -> None:
    result = evaluate(frame(**{column: values}), SPEC, window_s=300)
    assert result.good == 4 - bad_rows
    assert result.slis[f"{check}_share[{column}]"] == bad_rows / 4
    assert result.details["failing_columns"] == [column]
    assert result.details["columns"][column]["bad_rows"] == bad_rows


def test_missing_values_in_a_nullable_column_are_counted_but_not_bad() -> None:
    result = evaluate(frame(age=[None, 40, None, 60]), SPEC, window_s=300)
    assert result.good == 4
    assert result.slis["missing_share[age]"] == 0.5
    assert result.slis["missing_share"] == pytest.approx(2 / 16)


def test_an_all_nan_column_makes_every_row_bad_when_not_nullable() -> None:
    result = evaluate(frame(height_cm=[np.nan] * 4), SPEC, window_s=300)
    assert result.good == 0
    assert result.slis["valid_rows_share"] == 0.0
    assert result.slis["missing_share[height_cm]"] == 1.0


def test_examples_of_bad_values_are_kept_as_evidence() -> None:
    result = evaluate(frame(height_cm=[1.7, 1.8, 165.0, 150.0]), SPEC, window_s=300)
    assert result.details["columns"]["height_cm"]["examples"]["out_of_range"] == ["1.7", "1.8"]


def test_duplicates_and_volume_against_the_reference_rate() -> None:
    window = pd.concat([frame(), frame().iloc[:2]], ignore_index=True)
    result = evaluate(window, SPEC, window_s=600, reference_rate_per_s=0.02)  # 12 expected
    assert result.slis["duplicate_share"] == pytest.approx(2 / 6)
    assert result.slis["volume_ratio"] == pytest.approx(6 / 12)
    assert result.slis["rows"] == 6


def test_no_reference_rate_means_no_volume_ratio() -> None:
    assert evaluate(frame(), SPEC, window_s=300).slis["volume_ratio"] is None


def test_an_empty_window_is_no_data() -> None:
    result = evaluate(frame().iloc[:0], SPEC, window_s=300)
    assert result.status == "no_data"
    assert result.good is None and result.total is None


def test_a_column_missing_from_the_window_names_it() -> None:
    with pytest.raises(ValueError, match="'plan'"):
        evaluate(frame().drop(columns=["plan"]), SPEC, window_s=300)
