"""Shared by the benchmarks: medians of repetitions, peak memory, a table and a JSON file.

Every case runs ours and its baseline in the same process, on the same data, so the ratio is
meaningful on whatever machine runs it. Nothing here asserts a time.
"""

from __future__ import annotations

import gc
import json
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Measurement:
    seconds: list[float]
    peak_mb: float
    result: Any = field(default=None, repr=False)

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds)


def measure(fn: Callable[[], Any], *, repeat: int = 3, trace_memory: bool = True) -> Measurement:
    """Median wall time of ``repeat`` calls; peak Python-allocated memory of the first call."""
    seconds = []
    peak_mb = float("nan")
    result = None
    for i in range(repeat):
        gc.collect()
        if trace_memory and i == 0:
            tracemalloc.start()
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
        if trace_memory and i == 0:
            peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
    return Measurement(seconds, peak_mb, result)


@dataclass
class Row:
    case: str
    ours_s: float
    baseline_s: float | None
    baseline: str
    ours_peak_mb: float | None = None
    baseline_peak_mb: float | None = None
    max_abs_diff: float | None = None
    note: str = ""

    @property
    def speedup(self) -> float | None:
        if self.baseline_s is None or self.ours_s <= 0:
            return None
        return self.baseline_s / self.ours_s


def print_table(rows: list[Row]) -> None:
    header = f"{'case':<40} {'ours s':>9} {'baseline s':>11} {'speedup':>8} {'ours MB':>8} {'base MB':>8} {'max |diff|':>11}  baseline"
    print(header)
    print("-" * len(header))
    for r in rows:
        speed = f"{r.speedup:7.1f}x" if r.speedup else "      -"
        base = f"{r.baseline_s:11.3f}" if r.baseline_s is not None else f"{'-':>11}"
        diff = f"{r.max_abs_diff:11.2e}" if r.max_abs_diff is not None else f"{'-':>11}"
        ours_mb = f"{r.ours_peak_mb:8.1f}" if r.ours_peak_mb is not None else f"{'-':>8}"
        base_mb = f"{r.baseline_peak_mb:8.1f}" if r.baseline_peak_mb is not None else f"{'-':>8}"
        print(
            f"{r.case:<40} {r.ours_s:9.3f} {base} {speed} {ours_mb} {base_mb} {diff}  {r.baseline}{('  ' + r.note) if r.note else ''}"
        )


def write_json(rows: list[Row], path: Path, meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta, "rows": [{**asdict(r), "speedup": r.speedup} for r in rows]}
    path.write_text(json.dumps(payload, indent=2, default=str))
