"""Data quality: rows against the schema, shares per column, duplicates and volume."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import monitors.data_quality as dq
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


# --- the fast paths: row keys for duplicates, distinct values for categories ------------------


def tricky_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "x": [0.0, -0.0, np.nan, np.nan, 1.5, 1.5, 2.0],
            "o": ["a", "a", None, np.nan, 1, 1.0, "b"],  # None and NaN alike, 1 equals 1.0
            "tags": [[1], [1], [2], [2], [3], [3], [1]],  # unhashable: compared by text
            "c": pd.Categorical(["p", "p", "q", "q", None, None, "p"]),
            "t": pd.to_datetime([0, 0, 1, 1, 2, 2, 3], unit="s"),
            "n": [1, 1, 2, 2, 3, 3, 4],
            "b": [True, True, False, False, True, True, False],
        }
    )


def test_duplicates_equal_pandas_on_values_that_compare_equal_in_several_ways() -> None:
    frame_ = tricky_frame()
    expected = dq._hashable(frame_).duplicated().to_numpy()
    np.testing.assert_array_equal(dq._duplicated(frame_), expected)
    assert expected.tolist() == [False, True, False, True, False, True, False]


def test_a_column_with_lists_is_compared_as_text_in_every_row() -> None:
    # once one cell is unhashable the whole column is text: 1 and "1" are then the same row
    frame_ = pd.DataFrame({"o": pd.Series([[1], 1, "1", [1]], dtype=object)})
    assert dq._duplicated(frame_).tolist() == [False, False, True, True]


def test_colliding_row_keys_cost_time_not_correctness(monkeypatch: pytest.MonkeyPatch) -> None:
    frame_ = tricky_frame()
    expected = dq._hashable(frame_).duplicated().to_numpy()
    monkeypatch.setattr(dq, "_column_key", lambda raw: np.zeros(len(raw), dtype=np.uint64))
    np.testing.assert_array_equal(dq._duplicated(frame_), expected)


CELLS = [0.0, -0.0, np.nan, 1.0, 2.5]
LABELS = ["a", "b", None, "c", 1]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(CELLS), st.sampled_from(LABELS)), max_size=60))
def test_duplicates_equal_pandas_on_any_small_frame(rows: list[tuple[float, object]]) -> None:
    frame_ = pd.DataFrame(
        {"x": pd.Series([r[0] for r in rows], dtype="float64"),
         "o": pd.Series(["".join(v) if isinstance(v, str) else v for _, v in rows], dtype=object)}
    )  # fmt: skip
    np.testing.assert_array_equal(dq._duplicated(frame_), frame_.duplicated().to_numpy())


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(["basic", "gold", None, "pro", "gold"] * 200, id="strings"),
        pytest.param(["".join(list(v)) for v in ["basic", "gold", "pro"] * 300], id="copies"),
        pytest.param(["basic", 1, 1.0, True, np.nan, "pro"] * 100, id="mixed types"),
        pytest.param(pd.Categorical(["pro", "gold", None] * 100), id="categorical"),
        pytest.param([["basic"], "basic", None] * 50, id="unhashable lists"),
    ],
)
def test_allowed_categories_are_checked_as_their_text(values: list) -> None:
    raw = pd.Series(values, name="plan")
    rule = ColumnRule("plan", "category", allowed=("basic", "pro", "1", "True"))
    check = dq._check_column(raw, rule)
    present = ~raw.isna().to_numpy()
    text = raw.astype(str) if raw.dtype == object else raw.astype("string")
    expected = present & ~text.isin({"basic", "pro", "1", "True"}).to_numpy(bool, na_value=False)
    np.testing.assert_array_equal(check.unexpected, expected)
    np.testing.assert_array_equal(check.missing, ~present)


def test_booleans_written_as_text_or_numbers_are_not_type_errors() -> None:
    raw = pd.Series(["true", "no", 1, 0.0, "maybe", None, [1]] * 10, dtype=object)
    check = dq._check_column(raw, ColumnRule("vip", "bool"))
    assert check.type_error.tolist() == [False, False, False, False, True, False, True] * 10
    assert check.missing.tolist() == [False, False, False, False, False, True, False] * 10
