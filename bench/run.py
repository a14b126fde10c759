"""``make bench``: every performance case with its same-run baseline; a table and a JSON file.

    .venv/bin/python bench/run.py [--quick] [--json bench/results/latest.json]

``--quick`` uses smaller inputs (200,000 drift rows, 100 SLOs, a 7-day backfill) to check that
everything runs; the README's numbers come from the full run.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import bench_backfill, bench_data_quality, bench_drift, bench_slo  # noqa: E402
from bench.common import print_table, write_json  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args()
    rows = []
    rows += bench_drift.run(200_000 if args.quick else 1_000_000, repeat=3, evidently_repeat=1)
    rows += bench_data_quality.run(200_000 if args.quick else 1_000_000, repeat=3)
    rows += bench_slo.run(100 if args.quick else 1000, 28, repeat=3)
    rows += bench_backfill.run(7 if args.quick else 30, baseline_days=1 if args.quick else 2)
    print_table(rows)
    overview = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_overview.py"),
            "--services",
            "10" if args.quick else "50",
        ],
        capture_output=True,
        text=True,
    )
    print(overview.stdout[-2000:] or overview.stderr[-2000:])
    meta = {
        "at": datetime.now(UTC).isoformat(),
        "machine": platform.platform(),
        "quick": args.quick,
    }
    write_json(rows, args.json, meta)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
