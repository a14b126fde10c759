"""The method registry: the built-in methods, one registered from outside, and the imports."""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import monitors.drift as drift
from monitors.drift import DriftMethod, DriftSpec, Score, evaluate, fit_reference, registry
from monitors.drift.prepare import ReferenceColumn, WindowColumn


def test_the_built_in_methods_are_evidentlys_stattests() -> None:
    assert drift.METHODS == (
        "auto", "ks", "wasserstein", "psi", "jensenshannon", "chisquare", "z",
    )  # fmt: skip
    assert drift.DEFAULT_THRESHOLDS == {
        "ks": 0.05, "chisquare": 0.05, "z": 0.05,
        "wasserstein": 0.1, "psi": 0.1, "jensenshannon": 0.1,
    }  # fmt: skip
    assert isinstance(drift.P_VALUE_METHODS, frozenset)
    assert sorted(drift.P_VALUE_METHODS) == ["chisquare", "ks", "z"]
    assert [m for m in drift.METHODS if drift.is_p_value(m)] == ["ks", "chisquare", "z"]
    assert registry.accepting(categorical=False) == ("ks", "wasserstein", "psi", "jensenshannon")
    assert registry.accepting(categorical=True) == ("psi", "jensenshannon", "chisquare", "z")
    # Evidently: ks drifts at p <= threshold, chisquare and z at p < threshold, distances at >=
    at = {key: registry.get(key).drifted(0.05, 0.05) for key in drift.METHODS[1:]}
    assert at == {
        "ks": True, "wasserstein": True, "psi": True, "jensenshannon": True,
        "chisquare": False, "z": False,
    }  # fmt: skip


# A method from outside the package: what adding one takes (a module would hold these lines
# and call register at import; monitors/drift/__init__.py would import it).
@dataclass(frozen=True)
class Mean:
    value: float


def fit_mean(reference: ReferenceColumn) -> Mean:
    assert reference.sorted is not None
    return Mean(float(reference.sorted.mean()))


def mean_shift(state: Mean, window: WindowColumn) -> Score:
    return Score(abs(float(window.sorted.mean()) - state.value))


def mean_shift_p(state: Mean, window: WindowColumn) -> Score:
    """A toy p-value: exp(-shift), small when the means are far apart."""
    shift = abs(float(window.sorted.mean()) - state.value)
    return Score(math.exp(-shift), shift)


TOY = {
    "a distance": DriftMethod(
        key="mean_shift",
        accepts=registry.NUMERICAL,
        default_threshold=0.25,
        p_value=False,
        drifted=registry.at_or_above,
        fit=fit_mean,
        test=mean_shift,
    ),
    "a p-value": DriftMethod(
        key="mean_shift_p",
        accepts=registry.NUMERICAL,
        default_threshold=0.7,
        p_value=True,
        drifted=registry.below,
        fit=fit_mean,
        test=mean_shift_p,
    ),
}


@pytest.fixture(params=list(TOY), ids=lambda kind: f"a method whose score is {kind}")
def toy(request: pytest.FixtureRequest) -> Iterator[DriftMethod]:
    method = drift.register(TOY[request.param])
    try:
        yield method
    finally:
        drift.unregister(method.key)


def toy_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(5)
    reference = pd.DataFrame({"far": rng.normal(0, 1, 3000), "near": rng.normal(0, 1, 3000)})
    window = pd.DataFrame({"far": rng.normal(2, 1, 2000), "near": rng.normal(0.5, 1, 2000)})
    window.loc[::10, "near"] = np.nan  # cleaned like any column before the method sees it
    reference["label"] = rng.choice(["a", "b"], 3000)
    return reference, window


def test_a_method_registered_from_outside_is_fitted_and_evaluated(toy: DriftMethod) -> None:
    reference, window = toy_frames()
    assert toy.key in registry.names()
    spec = DriftSpec(columns=("near", "far"), method=toy.key)
    result = evaluate(window, fit_reference(reference, spec))
    for name in ("near", "far"):
        column = result.details["columns"][name]
        shift = abs(window[name].dropna().mean() - reference[name].mean())
        expected = shift if not toy.p_value else math.exp(-shift)
        assert column["method"] == toy.key
        assert column["score"] == pytest.approx(expected, rel=1e-12)
        assert column["p_value"] == (column["score"] if toy.p_value else None)
        assert column["threshold"] == toy.default_threshold
        assert column["drifted"] is True
        assert result.slis[f"drift_score[{name}]"] == column["score"]
    assert result.details["columns"]["near"]["current_rows"] == window["near"].count()
    assert result.slis["drift_share"] == 1.0
    assert result.details["top_drifted"] == ["far", "near"]  # the registry says how to rank
    assert drift.is_p_value(toy.key) is toy.p_value
    with pytest.raises(ValueError, match="numerical columns only"):
        fit_reference(reference, DriftSpec(columns=("label",), method=toy.key))


def test_an_unregistered_method_is_refused_again(toy: DriftMethod) -> None:
    DriftSpec(columns=("x",), method=toy.key)
    drift.unregister(toy.key)
    try:
        with pytest.raises(ValueError, match="method must be one of"):
            DriftSpec(columns=("x",), method=toy.key)
        assert toy.key not in registry.names()
        assert drift.is_p_value(toy.key) is False
    finally:
        drift.register(toy)  # for the fixture to unregister


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"key": "ks"}, "already registered"),
        ({"key": "auto"}, "a key other than 'auto'"),
        ({"accepts": frozenset()}, "accepts must name numerical and/or categorical"),
        ({"accepts": frozenset({"text"})}, "accepts must name numerical and/or categorical"),
        ({"default_threshold": math.nan}, "default_threshold must be a finite number"),
    ],
    ids=[
        "a key that is taken",
        "the key auto",
        "no column type",
        "an unknown column type",
        "a threshold that is not a number",
    ],
)
def test_a_method_that_cannot_be_registered_is_refused(change: dict, message: str) -> None:
    fields = {**TOY["a distance"].__dict__, **change}
    with pytest.raises(ValueError, match=message):
        drift.register(DriftMethod(**fields))
    assert registry.names() == drift.METHODS


def test_unregistering_an_unknown_method_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="no drift method 'nope' is registered .known: ks, "):
        drift.unregister("nope")


def test_the_drift_modules_import_no_evidently_and_no_cockpit() -> None:
    modules = sorted(Path(drift.__file__).parent.glob("*.py"))
    assert len(modules) > 1  # the package and its modules, each read
    for module in modules:
        tree = ast.parse(module.read_text())
        imported = {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
        } | {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        third_party = imported - {"__future__", "collections", "dataclasses", "hashlib", "math"}
        third_party -= {"typing", "os", "concurrent"}  # the standard library
        assert third_party <= {"numpy", "pandas", "scipy", "monitors"}, module.name
