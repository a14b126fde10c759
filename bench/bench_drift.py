"""Drift: monitors.drift against Evidently 0.7 ``ValueDrift``, per method, on the same data.

Seeded data: a reference and a window of ``--rows`` rows each, 20 numerical columns (normal,
lognormal, uniform, integer counts; half of them shifted in the window, one only slightly;
every third with 1% of its values missing, so columns differ in how many values they test)
and 5 categorical string columns (one with a category the reference never saw, one with
missing values). For each method, ours is ``evaluate`` (the reference fitted once beforehand,
as the monitor runs; ``fit_reference`` is timed on its own row) and Evidently's is one
``Report`` of one ``ValueDrift`` per column over ``Dataset``s declaring the column types,
building the datasets included. ``ks`` and ``wasserstein`` test the numerical columns,
``chisquare`` the categorical ones, ``psi`` and ``jensenshannon`` all 25. The table gives
medians of the repetitions, peak memory allocated during a call (tracemalloc, in a run of its
own, not timed), the size of the window's tested columns (strings included) and the largest
difference between the two scores.

    .venv/bin/python bench/bench_drift.py [--rows N] [--repeat K] [--evidently-repeat K]
        [--evidently-memory] [--json out.json]

Evidently takes about a second per column at a million rows: ``--evidently-repeat`` defaults
to 3 (``make bench`` uses 3, ``--quick`` 1), and its memory is traced only with
``--evidently-memory`` (one more, slower run per method).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Row, measure, print_table, write_json  # noqa: E402
from monitors.drift import DriftSpec, evaluate, fit_reference, registry  # noqa: E402
from monitors.evidently_adapter import value_drifts  # noqa: E402

NUMERICAL = [f"num_{i:02d}" for i in range(20)]
CATEGORICAL = [f"cat_{i}" for i in range(5)]
METHODS = ("ks", "wasserstein", "psi", "jensenshannon", "chisquare")


def make_frames(
    rows: int, seed: int = 0, categorical_dtype: str = "object"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference and window: same generators, half the columns shifted in the window."""
    rng = np.random.default_rng(seed)

    def frame(shift: bool) -> pd.DataFrame:
        data: dict[str, np.ndarray] = {}
        for i, name in enumerate(NUMERICAL):
            moved = shift and i % 2 == 1
            kind = i % 4
            if kind == 0:  # num_04 drifts mildly: KS's p-value is then scipy's Smirnov series
                data[name] = rng.normal(0.01 if shift and i == 4 else 0.0, 1.0, rows)
            elif kind == 1:
                data[name] = rng.lognormal(0.0, 1.2 if moved else 1.0, rows)
            elif kind == 2:
                data[name] = rng.uniform(0.0, 1.05 if moved else 1.0, rows)
            else:
                data[name] = rng.poisson(12.0 if moved else 10.0, rows).astype("float64")
            if i % 3 == 0:  # missing values: each column tests a different number of values
                data[name][rng.random(rows) < 0.01] = np.nan
        for i, name in enumerate(CATEGORICAL):
            labels = np.array([f"{name}_{k}" for k in range(4 + i)], dtype=object)
            p = np.linspace(1.0, 2.0, labels.size)
            if shift and i % 2 == 0:
                p = p[::-1]
            values = rng.choice(labels, size=rows, p=p / p.sum())
            if shift and i == 4:
                values[:: max(rows // 1000, 1)] = f"{name}_unseen"
            if i == 1:
                values[rng.random(rows) < 0.01] = None
            data[name] = values if categorical_dtype == "object" else pd.Categorical(values)
        return pd.DataFrame(data)

    return frame(False), frame(True)


def columns_for(method: str) -> list[str]:
    """The columns of the types ``method`` tests, as its registry entry says."""
    accepted = registry.get(method)
    return (NUMERICAL if accepted.accepts_column(categorical=False) else []) + (
        CATEGORICAL if accepted.accepts_column(categorical=True) else []
    )


def run(
    rows: int,
    repeat: int,
    evidently_repeat: int,
    methods: tuple[str, ...] = METHODS,
    evidently_memory: bool = False,
    categorical_dtype: str = "object",
) -> list[Row]:
    reference, current = make_frames(rows, categorical_dtype=categorical_dtype)
    out: list[Row] = []
    for method in methods:
        columns = columns_for(method)
        # the window's tested columns, strings included
        data_mb = current[columns].memory_usage(index=False, deep=True).sum() / 2**20
        spec = DriftSpec(columns=tuple(columns), method=method, categorical=tuple(CATEGORICAL))
        fit = measure(lambda spec=spec: fit_reference(reference, spec), repeat=1)
        fitted = fit.result
        ours = measure(lambda fitted=fitted: evaluate(current, fitted), repeat=repeat)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Evidently's chi-square divides by zero (unseen)
            base = measure(
                lambda columns=columns, method=method: value_drifts(
                    reference, current, columns, method, CATEGORICAL
                ),
                repeat=evidently_repeat,
                trace_memory=evidently_memory,
            )
            base_mb = base.peak_mb if evidently_memory else None
        details = ours.result.details["columns"]
        diffs = [abs(details[c]["score"] - base.result[c].score) for c in columns]
        flags = sum(details[c]["drifted"] != base.result[c].drifted for c in columns)
        note = f"ours x{len(ours.seconds)}, evidently x{len(base.seconds)}"
        if flags:
            note += f"; {flags} drifted flags differ"
        out.append(
            Row(
                f"drift {method} ({len(columns)} cols)",
                ours.median_s,
                base.median_s,
                "evidently ValueDrift",
                ours.peak_mb,
                base_mb,
                max(diffs),
                note,
                data_mb,
            )
        )
        out.append(
            Row(
                f"  fit_reference {method} (once/ref)",
                fit.median_s,
                None,
                "-",
                fit.peak_mb,
                None,
                None,
                "the reference, once per version",
                float(reference[columns].memory_usage(index=False, deep=True).sum() / 2**20),
            )
        )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--evidently-repeat", type=int, default=None)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--evidently-memory", action="store_true")
    parser.add_argument(
        "--categorical-dtype",
        choices=("object", "category"),
        default="object",
        help="strings as Python objects (as read from CSV) or pandas categoricals",
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    evidently_repeat = args.evidently_repeat or 3
    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    started = time.perf_counter()
    rows = run(
        args.rows,
        args.repeat,
        evidently_repeat,
        methods,
        args.evidently_memory,
        args.categorical_dtype,
    )
    print(
        f"drift: {args.rows:,} reference rows and {args.rows:,} window rows, "
        f"{len(NUMERICAL)} numerical + {len(CATEGORICAL)} categorical ({args.categorical_dtype}) "
        f"columns; ours median of "
        f"{args.repeat}, Evidently median of {evidently_repeat} "
        f"({time.perf_counter() - started:.0f} s in all)"
    )
    print_table(rows)
    if args.json:
        write_json(rows, args.json, {**vars(args), "evidently_repeat": evidently_repeat})


if __name__ == "__main__":
    main()
