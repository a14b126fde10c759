"""Value counts and factorisation of a column, the same as pandas' own, fast.

``value_counts(raw)`` equals ``raw.value_counts(sort=False, dropna=True)``; ``factorize(raw)``
equals ``pd.factorize(raw, use_na_sentinel=True)``; ``distinct_objects(raw)`` lets a per-cell
check run once per distinct object.

Counting a million Python strings with pandas' hash table costs about 30 ms: every value is
hashed and compared as an object. But a column of categories rarely holds a million different
string *objects*: pyarrow's ``to_pandas`` deduplicates them (``deduplicate_objects``, on by
default, so every Parquet window arrives that way), pandas' CSV parser boxes each distinct
string once, and ``numpy.random.choice`` repeats its labels. So the column is first counted by
object identity, its pointers read as integers (about 3 ms), and only the few distinct objects
are then grouped by value with pandas' own semantics (NaN, ``None`` and ``pd.NA`` dropped, equal
values such as two copies of ``"a"`` or ``1`` and ``1.0`` merged). The result equals pandas',
labels and first-appearance order included (``tests/monitors/test_counting.py``). Values
that cannot be hashed (lists from JSON) raise ``TypeError`` here as they do in pandas.

When the objects are not shared (a SQL driver builds one per row), the identity pass would find
almost as many objects as rows; a sample of the first values detects that and pandas counts the
column directly. Categorical columns are counted from their codes.
"""

from __future__ import annotations

import ctypes
import sys

import numpy as np
import pandas as pd

SAMPLE = 4096  # values looked at to decide whether objects are shared
SHARED_MAX_DISTINCT = SAMPLE // 8  # more distinct objects than this in the sample: count directly


def value_counts(raw: pd.Series) -> pd.Series:
    """``raw.value_counts(sort=False, dropna=True)``: counts indexed by value, first seen first.

    Categorical columns keep every category, zero counts included, as pandas does (indexed by
    the categories themselves, where pandas gives a ``CategoricalIndex``).
    """
    dtype = raw.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        codes = raw.cat.codes.to_numpy()
        counts = np.bincount(codes[codes >= 0], minlength=len(dtype.categories))
        return pd.Series(counts, index=dtype.categories.rename(raw.name), name="count")
    shared = _shared_identities(raw)
    if shared is not None:
        _values, identities = shared
        counts = _count_by_identity(identities)
        counts.index.name = raw.name
        return counts
    return raw.value_counts(sort=False, dropna=True)


def factorize(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(raw, use_na_sentinel=True)``: codes (-1 for missing) and unique values.

    For a categorical column the uniques are its categories in order of first appearance, as
    pandas gives them (as plain values, where pandas keeps a ``Categorical``).
    """
    shared = _shared_identities(raw)
    if shared is not None:
        _values, identities = shared
        pointer_codes, pointers = pd.factorize(identities)
        codes, uniques = pd.factorize(_objects(pointers), use_na_sentinel=True)
        return codes[pointer_codes], uniques
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def distinct_objects(raw: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes into the column's distinct *objects* (not values: ``1`` and ``1.0`` stay apart), so
    that anything computed per cell can be computed once per object; None when the objects are
    not shared (compute per cell then). Categorical columns: their codes (-1 for missing) and
    categories. Nothing is hashed, so unhashable values (lists) are fine.
    """
    if isinstance(raw.dtype, pd.CategoricalDtype):
        return raw.cat.codes.to_numpy(), np.asarray(raw.cat.categories, dtype=object)
    shared = _shared_identities(raw)
    if shared is not None:
        _values, identities = shared
        codes, pointers = pd.factorize(identities)
        return codes, _objects(pointers)
    return None


def _objects(pointers: np.ndarray) -> np.ndarray:
    """The objects at ``pointers``: each is alive, held by the array the pointers were read from
    (``py_object`` takes a new reference)."""
    objects = np.empty(len(pointers), dtype=object)
    objects[:] = [ctypes.cast(int(p), ctypes.py_object).value for p in pointers]
    return objects


def _shared_identities(raw: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """An object column's array and its pointers when its objects are shared, else None.

    The pointers are valid while the array lives: callers keep both."""
    if raw.dtype != np.dtype(object):
        return None
    values = raw.to_numpy()
    identities = _identities(values)
    if identities is None or not _shared(identities):
        return None
    return values, identities


def _identities(values: np.ndarray) -> np.ndarray | None:
    """The object pointers of a contiguous object array, as unsigned integers (no copy).

    numpy refuses to view an object array as integers, so the view goes through ctypes. It is
    only valid while ``values`` lives; the callers use it within their own frame.
    """
    if sys.implementation.name != "cpython":  # pointers as identities: CPython's object model
        return None
    if values.ndim != 1 or not values.flags.c_contiguous or values.size == 0:
        return None
    if values.itemsize != ctypes.sizeof(ctypes.c_void_p):
        return None
    buffer = (ctypes.c_size_t * values.size).from_address(values.ctypes.data)
    return np.frombuffer(buffer, dtype=np.uintp)


def _shared(identities: np.ndarray) -> bool:
    return np.unique(identities[:SAMPLE]).size <= SHARED_MAX_DISTINCT


def _count_by_identity(identities: np.ndarray) -> pd.Series:
    # a hash count of the pointers, in first-appearance order (np.unique's argsort is slower)
    per_pointer = pd.Series(identities, copy=False).value_counts(sort=False)
    objects = _objects(per_pointer.index.to_numpy())
    # equal values held by different objects merge (pandas' object hash table, as value_counts
    # uses); NaN-like values get the code -1 and are dropped, as dropna=True drops them
    codes, uniques = pd.factorize(objects, use_na_sentinel=True)
    present = codes >= 0
    counts = np.bincount(
        codes[present], weights=per_pointer.to_numpy()[present], minlength=len(uniques)
    )
    return pd.Series(counts.astype(np.int64), index=pd.Index(uniques, dtype=object), name="count")
