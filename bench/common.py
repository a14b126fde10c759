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
    """Median wall time of ``repeat`` calls, and the peak memory allocated during one more.

    The memory run comes first and is not timed: tracemalloc slows allocation-heavy code (pandas
    far more than numpy), so a traced run in the median would favour the side allocating less.
    It counts what Python and numpy allocate during the call, not what was allocated before.
    """
    peak_mb = float("nan")
    if trace_memory:
        gc.collect()
        tracemalloc.start()
        try:
            fn()
            peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()
    seconds = []
    result = None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
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
    data_mb: float | None = None  # the input the case reads (for peak memory / data)

    @property
    def speedup(self) -> float | None:
        if self.baseline_s is None or self.ours_s <= 0:
            return None
        return self.baseline_s / self.ours_s

    @property
    def peak_per_data(self) -> float | None:
        if self.ours_peak_mb is None or not self.data_mb:
            return None
        return self.ours_peak_mb / self.data_mb


def print_table(rows: list[Row]) -> None:
    header = (
        f"{'case':<44} {'ours s':>9} {'baseline s':>11} {'speedup':>8} {'ours MB':>8} "
        f"{'base MB':>8} {'data MB':>8} {'peak/data':>9} {'max |diff|':>10}  baseline"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        cells = [
            f"{r.case:<44}",
            f"{r.ours_s:9.3f}",
            _cell(r.baseline_s, 11, ".3f"),
            f"{r.speedup:7.1f}x" if r.speedup else f"{'-':>8}",
            _cell(r.ours_peak_mb, 8, ".1f"),
            _cell(r.baseline_peak_mb, 8, ".1f"),
            _cell(r.data_mb, 8, ".0f"),
            _cell(r.peak_per_data, 9, ".2f"),
            _cell(r.max_abs_diff, 10, ".1e"),
        ]
        print(" ".join(cells) + f"  {r.baseline}" + (f"  ({r.note})" if r.note else ""))


def _cell(value: float | None, width: int, spec: str) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:{width}{spec}}"


def machine() -> dict[str, Any]:
    """Where a benchmark ran: the same code moves several-fold between CPUs (numpy's sort uses
    a SIMD kernel on some and not on others), so every result carries its machine."""
    import importlib.metadata
    import os
    import platform

    import numpy as np

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:  # an older numpy
        __cpu_features__, __cpu_dispatch__ = {}, []

    def version(name: str) -> str | None:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return None

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy_simd": sorted(k for k, on in __cpu_features__.items() if on),
        "numpy_dispatch": list(__cpu_dispatch__),
        "versions": {
            name: version(name)
            for name in ("numpy", "pandas", "scipy", "evidently", "pyarrow", "duckdb", "polars")
        },
        "numpy_sort_1m_ms": _sort_probe_ms(np),
    }


def machine_line(info: dict[str, Any]) -> str:
    """One line for tables and the README."""
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v)
    return (
        f"{info['cpu']}, {info['cores']} cores; numpy sorts 1M float64 in "
        f"{info['numpy_sort_1m_ms']:.0f} ms; {versions}"
    )


def _sort_probe_ms(np: Any) -> float:
    values = np.random.default_rng(0).normal(size=1_000_000)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        np.sort(values)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def write_json(rows: list[Row], path: Path, meta: dict[str, Any]) -> None:
    """The rows and ``meta``, with the machine they ran on (unless ``meta`` has it already)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "meta": {"machine": machine(), **meta} if "machine" not in meta else meta,
        "rows": [
            {**asdict(r), "speedup": r.speedup, "peak_per_data": r.peak_per_data} for r in rows
        ],
    }
    path.write_text(json.dumps(payload, indent=2, default=str))
