"""fit_reference: column types, versions, and specs that cannot apply."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitors.drift import DriftSpec, fit_reference
from tests.monitors.drift.cases import frames


@pytest.mark.parametrize(
    ("values", "categorical", "expected"),
    [
        (np.arange(30, dtype="float64"), False, ("num", "ks")),
        (np.tile(np.arange(10), 3), False, ("cat", "chisquare")),  # ints with <= 10 values
        (np.arange(30), False, ("num", "ks")),  # ints with more
        # two values: Z-test, unless the window brings a third (then chi-square)
        (np.array(["x", "y"] * 15, dtype=object), False, ("cat", "auto")),
        (np.arange(30, dtype="float64"), True, ("cat", "chisquare")),  # forced categorical
    ],
    ids=[
        "floats are numerical",
        "integers with at most ten values are categorical",
        "integers with more values are numerical",
        "strings are categorical",
        "a column listed in categorical is categorical",
    ],
)
def test_column_types_are_inferred_as_evidently_infers_them(
    values: np.ndarray, categorical: bool, expected: tuple[str, str]
) -> None:
    reference = pd.DataFrame({"x": values})
    spec = DriftSpec(columns=("x",), categorical=("x",) if categorical else ())
    column = fit_reference(reference, spec).column("x")
    assert ("cat" if column.categorical else "num", column.method) == expected


def test_the_version_follows_the_reference_content_and_the_spec() -> None:
    reference, _ = frames("small")
    spec = DriftSpec(columns=("num", "cat"), categorical=("cat",))
    assert fit_reference(reference, spec).version == fit_reference(reference.copy(), spec).version
    moved = reference.assign(num=reference["num"] + 1)
    assert fit_reference(moved, spec).version != fit_reference(reference, spec).version
    other = DriftSpec(columns=("num", "cat"), categorical=("cat",), method="psi")
    assert fit_reference(reference, other).version != fit_reference(reference, spec).version


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (DriftSpec(columns=("cat",), method="ks", categorical=("cat",)), "numerical columns only"),
        (DriftSpec(columns=("num",), method="chisquare"), "categorical columns only"),
        (DriftSpec(columns=("nope",)), "column 'nope' not in the reference"),
    ],
    ids=[
        "ks on a categorical column",
        "chi-square on a numerical column",
        "a column the reference lacks",
    ],
)
def test_a_spec_that_cannot_apply_fails_at_fit(spec: DriftSpec, message: str) -> None:
    reference, _ = frames("small")
    with pytest.raises(ValueError, match=message):
        fit_reference(reference, spec)


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="method must be one of"):
        DriftSpec(columns=("x",), method="kolmogorov")
