"""Fit once per reference version: each column reduced to what its method's test needs.

A column is categorical when listed in ``DriftSpec.categorical``, else by Evidently's inference
(``evidently.core.datasets.infer_column_type``): floats are numerical, integers with at most 10
distinct values categorical, bool/category/strings categorical. Evidently infers from the
current dataset and calls high-cardinality strings text; here the reference decides and strings
are always categorical. A method refuses the column types it does not accept, at fit (Evidently
refuses them too).
"""

from __future__ import annotations

import hashlib

import pandas as pd

from monitors.drift import auto, registry
from monitors.drift.prepare import MISSING_IN_REFERENCE, ReferenceColumn
from monitors.drift.registry import AUTO
from monitors.drift.spec import ColumnReference, DriftSpec, FittedReference

INTEGER_CARDINALITY_LIMIT = 10  # core/datasets.py: ints with <= 10 values are categorical


def reference_version(reference: pd.DataFrame, spec: DriftSpec) -> str:
    """A fingerprint of the spec and the reference's tested columns: equal inputs, equal text."""
    digest = hashlib.sha256(repr(spec).encode())
    digest.update(str(len(reference)).encode())
    for name in spec.columns:
        if name not in reference.columns:
            raise ValueError(f"column {name!r} not in the reference")
        column = reference[name]
        digest.update(f"|{name}|{column.dtype}|".encode())
        digest.update(pd.util.hash_pandas_object(column, index=False).to_numpy().tobytes())
    return f"sha256:{digest.hexdigest()[:32]}"


def fit_reference(reference: pd.DataFrame, spec: DriftSpec) -> FittedReference:
    """Reduce ``reference`` to what every later window needs (once per reference version)."""
    version = reference_version(reference, spec)
    columns = tuple(fit_column(reference[name], spec) for name in spec.columns)
    return FittedReference(spec=spec, columns=columns, rows=len(reference), version=version)


def fit_column(raw: pd.Series, spec: DriftSpec) -> ColumnReference:
    name = str(raw.name)
    categorical = name in spec.categorical or infer_categorical(raw)
    if spec.method != AUTO:
        _check_accepts(spec.method, name, categorical)
    column = ReferenceColumn(raw, categorical)
    if column.rows == 0:
        return ColumnReference(
            name, categorical, spec.method, spec.threshold, rows=0, distinct=0,
            problem=MISSING_IN_REFERENCE,
        )  # fmt: skip
    methods = (spec.method,)
    if spec.method == AUTO:
        methods = auto.candidates(column.rows, categorical, column.distinct)
    method = methods[0] if len(methods) == 1 else AUTO
    threshold = spec.threshold
    if threshold is None:
        threshold = registry.default_threshold(method)  # None while auto waits for the window
    return ColumnReference(
        name,
        categorical,
        method,
        threshold,
        rows=column.rows,
        distinct=column.distinct,
        states={key: registry.get(key).fit(column) for key in methods},
        values=column.counts.index if method == AUTO else None,
    )


def _check_accepts(method: str, name: str, categorical: bool) -> None:
    """Refuse a method for a column type it does not test, naming the ones that do."""
    if registry.get(method).accepts_column(categorical):
        return
    others = ", ".join(registry.accepting(categorical))
    if categorical:
        where = f"numerical columns only, and column {name!r} is categorical"
        advice = f"use {others} or auto"
    else:
        where = f"categorical columns only, and column {name!r} is numerical"
        advice = f"list it in categorical, or use {others} or auto"
    raise ValueError(f"method {method!r} applies to {where} ({advice})")


def infer_categorical(raw: pd.Series) -> bool:
    """evidently.core.datasets.infer_column_type, with strings always categorical."""
    dtype = raw.dtype
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return True
    if pd.api.types.is_float_dtype(dtype):
        return False
    if pd.api.types.is_integer_dtype(dtype):
        return bool(raw.nunique() <= INTEGER_CARDINALITY_LIMIT)
    if pd.api.types.is_string_dtype(dtype):  # object and string dtypes
        present = raw.dropna()
        if present.empty or isinstance(present.iloc[0], str):
            return True
    raise ValueError(
        f"cannot infer whether column {raw.name!r} (dtype {dtype}) is numerical or categorical: "
        "list it in categorical, or give it a numeric dtype"
    )
