"""Drift: has each column's distribution in the window moved away from the reference?

Fit once per reference version, evaluate every window (NannyML's fit-then-calculate):

    fitted = fit_reference(reference, DriftSpec(columns=("age", "income", "score")))
    result = evaluate(window, fitted)

Every number equals Evidently 0.7's ``ValueDrift(column=..., method=...)`` on the same data
(``evidently/legacy/calculations/stattests/*.py``, ``registry.py``, ``utils.py`` and
``legacy/calculations/data_drift.py``; the tests compare them within 1e-9).

One module per statistical test, each registering itself (``registry.py``): ``ks``,
``wasserstein``, ``psi``, ``jensenshannon``, ``chisquare``, ``z``. ``ks`` and ``wasserstein``
apply to numerical columns only, ``chisquare`` and ``z`` to categorical ones only, ``psi`` and
``jensenshannon`` to both. Around them:

- ``spec.py``: ``DriftSpec``, and what a fit keeps (``FittedReference``, ``ColumnReference``);
- ``fit.py``: ``fit_reference``, ``reference_version`` and the column types Evidently infers;
- ``evaluation.py``: ``evaluate``, the SLIs and details it reports;
- ``prepare.py``: NaN and +-inf dropped, a numerical window sorted once for every method;
- ``auto.py``: the method ``"auto"`` picks; ``binning.py``, ``categories.py``, ``smirnov.py``:
  what several tests share.

Thresholds default to the method's own (0.05 for the p-values of ``ks``, ``chisquare`` and
``z``; 0.1 for the distances). A new method is one module whose test function is decorated
with ``@registry.method(...)`` (or that calls ``register(DriftMethod(...))``) and one import
line below; nothing else names it.
"""

from __future__ import annotations

# Each method registers itself on import; METHODS lists them in this order.
# isort: off
from monitors.drift import ks  # noqa: F401
from monitors.drift import wasserstein  # noqa: F401
from monitors.drift import psi  # noqa: F401
from monitors.drift import jensenshannon  # noqa: F401
from monitors.drift import chisquare  # noqa: F401
from monitors.drift import z  # noqa: F401

# isort: on
from monitors.drift import registry
from monitors.drift.evaluation import evaluate
from monitors.drift.fit import fit_reference, reference_version
from monitors.drift.registry import DriftMethod, Score, is_p_value, register, unregister
from monitors.drift.spec import ColumnReference, DriftSpec, FittedReference

METHODS = registry.names()  # "auto", then the built-in methods
# Each stattest's default_threshold in evidently/legacy/calculations/stattests/*.py.
DEFAULT_THRESHOLDS = {key: registry.get(key).default_threshold for key in METHODS[1:]}
P_VALUE_METHODS = frozenset(key for key in METHODS[1:] if is_p_value(key))

__all__ = [
    "DEFAULT_THRESHOLDS",
    "METHODS",
    "P_VALUE_METHODS",
    "ColumnReference",
    "DriftMethod",
    "DriftSpec",
    "FittedReference",
    "Score",
    "evaluate",
    "fit_reference",
    "is_p_value",
    "reference_version",
    "register",
    "registry",
    "unregister",
]
