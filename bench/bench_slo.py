"""SLO evaluation: 1,000 SLOs x 28 days of 5-minute buckets, every burn window and every tier.

Ours: cumulative sums and binary search (slo.engine.evaluate), including building each
series. Baselines: a boolean mask and a sum over the whole history per window (the obvious
numpy way), and, with ``--rolling``, pandas ``rolling(window).sum()`` per window (the way
DESIGN.md warns about: about 7 s here for 1,000 SLOs). All compute the same numbers; the script
reports the largest difference.

    .venv/bin/python bench/bench_slo.py [--slos 1000] [--days 28] [--repeat 3] [--rolling] [--json PATH]
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Row, measure, print_table, write_json  # noqa: E402
from slo.budget import burn_rate  # noqa: E402
from slo.engine import BURN_WINDOWS, SloSpec, evaluate  # noqa: E402
from slo.rules import WORKBOOK_TIERS  # noqa: E402
from slo.series import EventSeries  # noqa: E402

AT = datetime(2026, 10, 29, tzinfo=UTC)
STEP_S = 300


Raw = tuple[np.ndarray, np.ndarray, np.ndarray]


def make_series(slos: int, days: int, seed: int = 0) -> list[Raw]:
    rng = np.random.default_rng(seed)
    n = days * 86400 // STEP_S
    ends = AT.timestamp() - np.arange(n)[::-1] * STEP_S
    out = []
    for _ in range(slos):
        total = rng.poisson(500, n).astype("float64")
        bad = rng.binomial(total.astype(int), rng.uniform(0.0001, 0.01)).astype("float64")
        out.append((ends, total - bad, total))
    return out


def ours(raw: list[Raw], spec: SloSpec) -> np.ndarray:
    states = [evaluate(EventSeries(t, g, n, STEP_S), spec, AT) for t, g, n in raw]
    return np.array([[st.burn_rates[w] for w in BURN_WINDOWS] for st in states], dtype="float64")


def masks(raw: list[Raw], spec: SloSpec) -> np.ndarray:
    at_s = AT.timestamp()
    windows = [
        *BURN_WINDOWS.values(),
        *(w for t in spec.tiers for w in (t.long_window_s, t.short_window_s)),
        spec.window_s,
    ]
    rows = []
    for t, good, total in raw:
        burns = []
        for window_s in windows:
            inside = (t > at_s - window_s) & (t <= at_s)
            burns.append(burn_rate(good[inside].sum(), total[inside].sum(), spec.objective))
        rows.append(burns[: len(BURN_WINDOWS)])
    return np.array(rows, dtype="float64")


def rolling(raw: list[Raw], spec: SloSpec) -> np.ndarray:
    rows = []
    windows = {**BURN_WINDOWS}
    for t, good, total in raw:
        index = pd.to_datetime(t, unit="s", utc=True)
        frame = pd.DataFrame({"good": good, "total": total}, index=index)
        burns = []
        for window_s in windows.values():
            rolled = frame.rolling(pd.Timedelta(seconds=window_s)).sum().iloc[-1]
            burns.append(burn_rate(rolled["good"], rolled["total"], spec.objective))
        # the tiers: same rolling sums for their long and short windows
        for tier in spec.tiers:
            for w in (tier.long_window_s, tier.short_window_s):
                frame.rolling(pd.Timedelta(seconds=w)).sum().iloc[-1]
        frame.rolling(pd.Timedelta(seconds=spec.window_s)).sum().iloc[-1]
        rows.append(burns)
    return np.array(rows, dtype="float64")


def run(slos: int, days: int, repeat: int, with_rolling: bool = False) -> list[Row]:
    raw = make_series(slos, days)
    spec = SloSpec(0.999, 28 * 86400.0, WORKBOOK_TIERS)
    mine = measure(lambda: ours(raw, spec), repeat=repeat)
    case = f"SLO evaluation: {slos} SLOs x {days}d of 5m"
    base = measure(lambda: masks(raw, spec), repeat=repeat)
    rows = [
        Row(
            case,
            mine.median_s,
            base.median_s,
            "numpy mask + sum per window",
            mine.peak_mb,
            base.peak_mb,
            float(np.nanmax(np.abs(mine.result - base.result))),
        )
    ]
    if with_rolling:
        slow = measure(
            lambda: rolling(raw, spec), repeat=1, trace_memory=False
        )  # 10x slower traced
        rows.append(
            Row(
                case,
                mine.median_s,
                slow.median_s,
                "pandas rolling().sum() per window (1 run)",
                mine.peak_mb,
                slow.peak_mb,
                float(np.nanmax(np.abs(mine.result - slow.result))),
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slos", type=int, default=1000)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--rolling", action="store_true", help="also the pandas rolling baseline (slow)"
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    rows = run(args.slos, args.days, args.repeat, args.rolling)
    print_table(rows)
    if args.json:
        write_json(rows, args.json, vars(args))


if __name__ == "__main__":
    main()
