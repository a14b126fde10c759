"""monitors.counting.value_counts equals pandas' value_counts(sort=False, dropna=True)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitors import counting
from monitors.counting import value_counts


def same_as_pandas(series: pd.Series) -> None:
    expected = series.value_counts(sort=False, dropna=True)
    got = value_counts(series)
    if isinstance(series.dtype, pd.CategoricalDtype):  # pandas: a CategoricalIndex
        expected.index = pd.Index(expected.index.categories[expected.index.codes], name=series.name)
    pd.testing.assert_series_equal(got, expected)


def unshared(words: list[str]) -> np.ndarray:
    """Equal strings held by different objects, as a SQL driver returns them."""
    return np.array(["".join(list(w)) for w in words], dtype=object)


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(np.random.default_rng(0).choice(["a", "b", "c"], 20_000), id="shared strings"),
        pytest.param(
            unshared([f"v{i % 7}" for i in range(20_000)]), id="equal strings in separate objects"
        ),
        pytest.param(
            np.random.default_rng(1).choice(
                np.array(["a", None, np.nan, pd.NA, 1, 1.0, True, float("inf"), "b"], dtype=object),
                20_000,
            ),
            id="missing markers, numbers equal across types and infinity",
        ),
        pytest.param(unshared([f"id-{i}" for i in range(20_000)]), id="every value distinct"),
        pytest.param(np.array([], dtype=object), id="empty"),
        pytest.param(np.array([None, np.nan], dtype=object), id="only missing values"),
    ],
)
def test_object_columns_count_as_pandas_counts(values: np.ndarray) -> None:
    same_as_pandas(pd.Series(values, dtype=object, name="col"))


def test_a_strided_object_column_is_counted_correctly() -> None:
    # a non-contiguous view (every other row of a frame): the identity pass must not read it
    labels = np.random.default_rng(2).choice(["x", "y", "z"], 10_000).astype(object)
    same_as_pandas(pd.Series(labels[::2], name="s"))


def test_a_categorical_column_is_counted_from_its_codes() -> None:
    values = pd.Categorical(["p", "q", None, "p", "r"], categories=["r", "p", "q", "never"])
    series = pd.Series(values, name="plan")
    same_as_pandas(series)
    assert value_counts(series).to_dict() == {"r": 1, "p": 2, "q": 1, "never": 0}


def test_shared_objects_take_the_identity_pass_and_unshared_ones_do_not() -> None:
    shared = np.random.default_rng(3).choice(["a", "b"], 10_000).astype(object)
    assert counting._shared(counting._identities(shared))
    assert not counting._shared(counting._identities(unshared([f"{i}" for i in range(10_000)])))


POOL = ["a", "b", "a" * 3, "", None, np.nan, 1, 1.0, 2, True, False, -0.0, 0]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(range(len(POOL))), max_size=300), st.booleans())
def test_any_mix_of_values_counts_as_pandas_counts(picks: list[int], copy_strings: bool) -> None:
    values = [POOL[i] for i in picks]
    if copy_strings:  # the same strings, each in a new object
        values = ["".join(list(v)) if isinstance(v, str) else v for v in values]
    same_as_pandas(pd.Series(np.array(values, dtype=object), dtype=object, name="v"))
