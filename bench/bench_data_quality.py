"""Data quality over a big window, against Evidently's per-column missing and range metrics.

Ours: ``monitors.data_quality.evaluate`` (every row against the schema: missing, type, range,
allowed values, duplicates, in one pass per column). Baseline: an Evidently 0.7 report with
``MissingValueCount`` and ``OutRangeValueCount`` for each numeric column and
``MissingValueCount`` and ``OutListValueCount`` for each categorical one, and
``DuplicatedRowCount``. The script checks that the counts agree.

    .venv/bin/python bench/bench_data_quality.py [--rows 1000000] [--repeat 3]
        [--evidently-repeat 3] [--json PATH]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_drift import CATEGORICAL, NUMERICAL, make_frames  # noqa: E402
from bench.common import Row, measure, print_table, write_json  # noqa: E402
from monitors.data_quality import ColumnRule, DataQualitySpec, evaluate  # noqa: E402


def window(rows: int):  # noqa: ANN201
    _, current = make_frames(rows, seed=3)
    rng = np.random.default_rng(4)
    for name in NUMERICAL[::3]:  # some missing values to find
        current.loc[rng.choice(rows, rows // 100, replace=False), name] = np.nan
    return current


def bounds(frame, name: str) -> tuple[float, float]:  # noqa: ANN001
    low, high = frame[name].quantile([0.01, 0.99])  # 2% of each numeric column out of range
    return float(low), float(high)


def run(rows: int = 1_000_000, repeat: int = 3, evidently_repeat: int = 3) -> list[Row]:
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import (
        DuplicatedRowCount,
        MissingValueCount,
        OutListValueCount,
        OutRangeValueCount,
    )

    frame = window(rows)
    ranges = {name: bounds(frame, name) for name in NUMERICAL}
    allowed = {
        name: sorted(set(frame[name].dropna().unique()) - {f"{name}_unseen"})[:-1]
        for name in CATEGORICAL
    }
    spec = DataQualitySpec(
        columns=(
            *(ColumnRule(n, "float", min=lo, max=hi) for n, (lo, hi) in ranges.items()),
            *(ColumnRule(n, "category", allowed=tuple(allowed[n])) for n in CATEGORICAL),
        ),
    )
    ours = measure(lambda: evaluate(frame, spec, window_s=86400), repeat=repeat)

    metrics = [
        m
        for n, (lo, hi) in ranges.items()
        for m in (MissingValueCount(column=n), OutRangeValueCount(column=n, left=lo, right=hi))
    ]
    metrics += [
        m
        for n in CATEGORICAL
        for m in (MissingValueCount(column=n), OutListValueCount(column=n, values=allowed[n]))
    ]
    metrics.append(DuplicatedRowCount())
    definition = DataDefinition(numerical_columns=NUMERICAL, categorical_columns=CATEGORICAL)

    def evidently() -> list:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report = Report(metrics).run(
                current_data=Dataset.from_pandas(frame, data_definition=definition)
            )
        values = [m["value"] for m in report.dict()["metrics"]]
        return [v["count"] if isinstance(v, dict) else v for v in values]

    base = measure(evidently, repeat=evidently_repeat)
    columns = ours.result.details["columns"]
    mine = [float(columns[n][check]) for n in NUMERICAL for check in ("missing", "out_of_range")]
    mine += [float(columns[n][check]) for n in CATEGORICAL for check in ("missing", "unexpected")]
    mine.append(float(ours.result.details["duplicates"]))
    diff = float(np.max(np.abs(np.array(mine) - np.array(base.result, dtype=float))))
    return [
        Row(
            f"data quality {rows:,} rows x {len(NUMERICAL) + len(CATEGORICAL)} cols",
            ours.median_s,
            base.median_s,
            "evidently missing + out-of-range/list counts",
            ours.peak_mb,
            base.peak_mb,
            diff,
            f"max |diff| of counts; ours x{len(ours.seconds)}, evidently x{len(base.seconds)}",
            float(frame.memory_usage(index=False, deep=True).sum() / 2**20),
        )
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--evidently-repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    rows = run(args.rows, args.repeat, args.evidently_repeat)
    print_table(rows)
    if args.json:
        write_json(rows, args.json, vars(args))


if __name__ == "__main__":
    main()
