"""``make bench``: every performance case with its same-run baseline; a table and a JSON file.

    .venv/bin/python bench/run.py [--quick] [--json bench/results/latest.json]

Cases: drift on 1,000,000 rows x 25 columns per method against Evidently's ``ValueDrift``;
data quality on the same window against Evidently's count metrics; SLO evaluation of 1,000
SLOs x 28 days against a mask-and-sum per window and pandas ``rolling``; the 30-day sample
backfill against one run at a time; the overview for 50 services x 30 days against reading
every row into pandas; an SLO cycle reading only new runs against re-reading every window
(``bench/bench_slo_cycle.py``); the sample backfill on DuckDB window by window against the
preloaded in-process one, their histories compared (``bench/bench_engine_backfill.py``); the
bytes per run of the backfilled sample store (SQLite, per table); a cold ``cockpit run-once``
of a drift monitor on 1M x 5, as a process, beside the warm per-window time
(``bench/bench_cold.py``);
``cockpit run-once`` over Parquet windows of 1M, 10M and 100M rows on DuckDB and (up to 10M)
pandas, each in a process of its own, with its peak RSS (``bench/bench_scale.py``; its data is
made once into ``bench/.cache/scale/``). ``--quick`` uses smaller inputs (200,000 rows, 100
SLOs, a 7-day backfill, 10 services, windows of 100,000 and 1M rows) and runs Evidently once,
to check that everything runs; the README's numbers come from the full run.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import (  # noqa: E402
    bench_backfill,
    bench_cold,
    bench_data_quality,
    bench_drift,
    bench_engine_backfill,
    bench_overview,
    bench_scale,
    bench_slo,
    bench_slo_cycle,
    bench_store,
)
from bench.common import machine, machine_line, print_table, write_json  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args()
    started = time.perf_counter()
    quick = args.quick
    sizes: dict = {}
    scale: list = []

    def store_case() -> list:
        rows, size = bench_store.run(7 if quick else 30)
        bench_store.print_sizes(size)
        sizes.update(size.as_dict())
        return rows

    def scale_case() -> list:
        cases = bench_scale.run_cases(bench_scale.QUICK_SIZES if quick else bench_scale.SIZES)
        bench_scale.print_cases(cases)
        scale.extend(bench_scale.case_json(c) for c in cases)
        return bench_scale.rows_of(cases)

    drift_rows = 200_000 if quick else 1_000_000
    cases = [
        (
            "drift",
            lambda: bench_drift.run(
                drift_rows,
                repeat=3 if quick else 5,
                evidently_repeat=1 if quick else 3,
                evidently_memory=not quick,
            ),
        ),
        (
            "data quality",
            lambda: bench_data_quality.run(
                drift_rows, repeat=3 if quick else 5, evidently_repeat=1 if quick else 3
            ),
        ),
        (
            "slo",
            lambda: bench_slo.run(
                100 if quick else 1000, 28, repeat=3 if quick else 5, with_rolling=not quick
            ),
        ),
        ("backfill", lambda: bench_backfill.run(7 if quick else 30, 1 if quick else 2)),
        (
            "overview",
            lambda: bench_overview.run(
                10 if quick else 50, days=7 if quick else 30, repeat=3 if quick else 5
            ),
        ),
        (
            "slo cycle",
            lambda: bench_slo_cycle.run(5 if quick else 20, 7 if quick else 28, 3 if quick else 5)[
                0
            ],
        ),
        ("cold run-once", lambda: bench_cold.run(200_000 if quick else 1_000_000, 3)),
        ("engine backfill", lambda: bench_engine_backfill.run(2 if quick else 30)[0]),
        ("store", store_case),
        ("scale", scale_case),
    ]
    rows = []
    for name, case in cases:
        case_started = time.perf_counter()
        rows += case()
        print(
            f"[{time.perf_counter() - started:6.0f}s] {name} done in "
            f"{time.perf_counter() - case_started:.0f}s",
            flush=True,
        )
    print()
    print_table(rows)
    info = machine()
    print(f"machine: {machine_line(info)}")
    meta = {
        "at": datetime.now(UTC).isoformat(),
        "machine": info,
        "quick": args.quick,
        "seconds": round(time.perf_counter() - started, 1),
        "store": sizes,
        "scale": {"duckdb": bench_scale.DUCKDB_SETTINGS, "cases": scale},
    }
    write_json(rows, args.json, meta)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
