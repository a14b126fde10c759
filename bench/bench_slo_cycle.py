"""SLO evaluation per daemon cycle from the store: only what changed vs the whole window again.

A SQLite store holds ``--monitors`` 5-minute monitors x ``--days`` days of runs (each with an
occurrence SLO over 28 days and a timeslice SLO over 7 days). Each cycle saves one new run per
monitor, then evaluates every SLO at the new tick twice: through the process's
:class:`cockpit.engine.slo_cache.SloCache` (ours: reads the runs saved since the previous
cycle) and through :func:`cockpit.engine.slos.evaluate_slos` (baseline: reads every SLO's
lookback). The history is stamped as saved a day ago (a daemon saved it as it ran); the
cache is warmed by one cycle first (a full read, as after a restart). Both give the same
numbers; the script reports the largest difference.

    .venv/bin/python bench/bench_slo_cycle.py [--monitors 20] [--days 28] [--cycles 5] [--json PATH]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Row, print_table, write_json  # noqa: E402
from cockpit.config.loader import parse_config  # noqa: E402
from cockpit.engine.slo_cache import SloCache  # noqa: E402
from cockpit.engine.slos import SloReport, evaluate_slos  # noqa: E402
from cockpit.store import MonitorRun, RunRecord, Store, utcnow  # noqa: E402

START = datetime(2026, 10, 1, tzinfo=UTC)
STEP = timedelta(minutes=5)


def config_text(monitors: int) -> str:
    lines = [
        "version: cockpit/v1",
        "services:",
        "  - name: svc",
        "    data:",
        '      current: {kind: parquet, path: "logs/*.parquet", timestamp: ts}',
        "    schema:",
        "      x: {type: float, min: 0, max: 1}",
        "    monitors:",
    ]
    lines += [f"      - {{name: m{i}, kind: data_quality, every: 5m}}" for i in range(monitors)]
    lines.append("    slos:")
    for i in range(monitors):
        lines.append(f"      - {{name: events-{i}, monitor: m{i}, objective: 0.99, window: 28d}}")
        lines.append(
            f'      - {{name: slices-{i}, monitor: m{i}, objective: 0.9, window: 7d, good: "valid_rows_share >= 0.99"}}'
        )
    return "\n".join(lines) + "\n"


def runs(monitors: int, ends: list[datetime], rng: np.random.Generator) -> list[RunRecord]:
    out = []
    for end in ends:
        totals = rng.poisson(500, monitors).astype(float)
        bad = rng.binomial(totals.astype(int), 0.005).astype(float)
        for i in range(monitors):
            out.append(
                RunRecord(
                    service="svc",
                    monitor=f"m{i}",
                    kind="data_quality",
                    window_start=end - STEP,
                    window_end=end,
                    status="ok",
                    slis={"valid_rows_share": float(1 - bad[i] / max(totals[i], 1))},
                    good=float(totals[i] - bad[i]),
                    total=float(totals[i]),
                )
            )
    return out


def max_diff(a: list[SloReport], b: list[SloReport]) -> float:
    worst = 0.0
    for x, y in zip(a, b, strict=True):
        pairs = [(x.good, y.good), (x.total, y.total)]
        pairs += [(x.error_budget_remaining, y.error_budget_remaining)]
        pairs += [(x.burn_rates[w], y.burn_rates[w]) for w in y.burn_rates]
        for p, q in pairs:
            if (p is None) != (q is None):
                return float("inf")
            if p is not None:
                worst = max(worst, abs(p - q))
    return worst


def run(monitors: int, days: int, cycles: int) -> tuple[list[Row], dict]:
    rng = np.random.default_rng(0)
    config = parse_config(config_text(monitors))
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{Path(folder) / 'cockpit.db'}")
        ends = [START + STEP * i for i in range(1, days * 288 + 1)]
        for i in range(0, len(ends), 2000):
            store.save_runs(runs(monitors, ends[i : i + 2000], rng))
        with store.begin() as conn:  # saved as they ran, days ago (not seconds, as here)
            table = MonitorRun.__table__
            conn.execute(sa.update(table).values(saved_at=utcnow() - timedelta(days=1)))
        cache = SloCache()
        at = ends[-1]
        cache.evaluate(config, store, at, save=False)  # the first cycle after a start: in full
        ours_s, full_s, diff = [], [], 0.0
        for _ in range(cycles):
            at += STEP
            store.save_runs(runs(monitors, [at], rng))
            started = time.perf_counter()
            mine = cache.evaluate(config, store, at, save=False)
            ours_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            full = evaluate_slos(config, store, at, save=False)
            full_s.append(time.perf_counter() - started)
            diff = max(diff, max_diff(mine, full))
        store.close()
    slos = 2 * monitors
    row = Row(
        f"SLO cycle from the store, {slos} SLOs x {days} days (SQLite)",
        float(np.median(ours_s)),
        float(np.median(full_s)),
        "every SLO's lookback read again",
        max_abs_diff=diff,
        note=f"{monitors * len(ends):,} runs; medians of {cycles} cycles",
    )
    return [row], {"runs": monitors * len(ends), "slos": slos}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=20)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    rows, sizes = run(args.monitors, args.days, args.cycles)
    print_table(rows)
    for row in rows:
        print(f"ratio (full re-read / incremental): {row.speedup:.1f}x; {sizes}")
    if args.json:
        write_json(rows, args.json, {**vars(args), **sizes})


if __name__ == "__main__":
    main()
