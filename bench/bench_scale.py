"""Scale: windows of 1M, 10M and 100M Parquet rows through each engine, the real cockpit.

    .venv/bin/python bench/bench_scale.py [--sizes 1000000,10000000,100000000]
        [--cache DIR] [--pandas-100m] [--spark [--spark-remote sc://host:15002]] [--json PATH]

The data (made once into ``--cache``, default ``$COCKPIT_BENCH_CACHE`` or
``bench/.cache/scale/``, and reused): a current source of one Parquet file per hour, 1,000,000
rows each, the newest hour last before :data:`AT`, and a reference file of 1,000,000 rows. Each
row has six numerical columns (float64 holding float32 values, so that they compress; some with
NaN; ``num_3`` shifted in the current rows, so drift is found), two categorical ones (4 and 50
values, a few missing or unexpected) and a microsecond UTC timestamp ``ts``. A window of N rows
is the last N / 1,000,000 hours before :data:`AT`; only the files a size needs are made.

Each case is one ``cockpit run-once CONFIG --at AT --json`` **in a process of its own** on a
fresh SQLite store, with three drift monitors (``auto``, ``psi`` on every column; ``ks`` on the
numerical ones) and one ``data_quality`` monitor over the window. Time is the process's wall
time (start-up, reading and fitting the reference included); rows/s is window rows / time;
peak RSS is that process's own high-water mark (``wait4``'s ``ru_maxrss``). Every run must be
``ok``; the pandas runs' SLIs are compared with DuckDB's at the same size (``same as duckdb``:
the largest relative difference). pandas runs up to 10M rows (``--pandas-100m`` for 100M);
Spark only with ``--spark``, the cockpit talking to ``--spark-remote`` or a local server
started as the tests start theirs (its memory is not in the peak RSS). Nothing asserts a time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Row, machine, machine_line  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = ROOT / "bench" / ".cache" / "scale"
AT = datetime(2026, 11, 1, tzinfo=UTC)
ROWS_PER_FILE = 1_000_000  # one file per hour of rows
SIZES = (1_000_000, 10_000_000, 100_000_000)
QUICK_SIZES = (100_000, 1_000_000)
PANDAS_MAX_ROWS = 10_000_000  # above it only with --pandas-100m: the window is held in memory
FORMAT = 1  # bump when the generated data changes: a cache of another format is remade
NUMERICAL = tuple(f"num_{i}" for i in range(6))
CATEGORICAL = ("cat_small", "cat_wide")
SMALL_VALUES = ("a", "b", "c", "d")
WIDE_VALUES = tuple(f"v{i:02d}" for i in range(50))
SHIFTED = "num_3"  # shifted by 0.3 of its standard deviation in the current rows
AUTO_SHOWN = ("num_0", SHIFTED, "num_5", "cat_wide")  # a column with NaN, the shifted one, ...
DUCKDB_SETTINGS = {"memory_limit": "1GB", "threads": 2}


# --- data ---------------------------------------------------------------------------------------


def _rows(rng: np.random.Generator, n: int, start: datetime, span_s: float, current: bool) -> Any:
    """``n`` rows with timestamps spread over ``[start, start + span_s)``, as an Arrow table."""
    import pyarrow as pa

    def f32(values: np.ndarray) -> np.ndarray:
        return values.astype(np.float32).astype(np.float64)

    def with_nan(values: np.ndarray, share: float) -> np.ndarray:
        values[rng.random(n) < share] = np.nan
        return values

    start_us = int(start.timestamp() * 1_000_000)
    offsets = np.sort(rng.integers(0, int(span_s * 1_000_000), n))
    columns: dict[str, Any] = {
        "ts": pa.array(start_us + offsets, type=pa.timestamp("us", tz="UTC")),
        "num_0": with_nan(f32(rng.standard_normal(n)), 0.01),
        "num_1": f32(rng.lognormal(3.0, 0.5, n)),
        "num_2": f32(rng.uniform(0.0, 100.0, n)),
        SHIFTED: f32(rng.normal(50.0 + (3.0 if current else 0.0), 10.0, n)),
        "num_4": with_nan(f32(rng.exponential(2.0, n)), 0.005),
        "num_5": rng.poisson(3.0, n).astype(np.float64),
    }
    columns["num_2"][rng.random(n) < 1e-4] = 150.0  # out of the schema's range
    small = np.array(SMALL_VALUES, dtype=object)[rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1])]
    small[rng.random(n) < 0.002] = None
    weights = 1.0 / np.arange(1, len(WIDE_VALUES) + 1)
    wide = np.array(WIDE_VALUES, dtype=object)[
        rng.choice(len(WIDE_VALUES), n, p=weights / weights.sum())
    ]
    wide[rng.random(n) < 1e-4] = "v99"  # not an allowed value
    columns["cat_small"] = pa.array(small, type=pa.string())
    columns["cat_wide"] = pa.array(wide, type=pa.string())
    return pa.table(columns)


def _write(table: Any, path: Path) -> None:
    """Written whole under a temporary name, then renamed: a file present is complete."""
    import pyarrow.parquet as pq

    part = path.with_suffix(".part")
    pq.write_table(
        table,
        part,
        compression="zstd",
        row_group_size=250_000,
        use_dictionary=["cat_small", "cat_wide"],
        use_byte_stream_split=list(NUMERICAL),  # float32 values in float64: zero low bytes
    )
    part.replace(path)


def hour_file(cache: Path, hour: int) -> Path:
    """The file of the ``hour``-th hour before :data:`AT` (0: the newest)."""
    return cache / "current" / f"hour-{hour:04d}.parquet"


def ensure_data(cache: Path, rows: int, rows_per_file: int = ROWS_PER_FILE) -> float:
    """The reference and every file a window of ``rows`` rows reads, made if missing; the
    seconds spent making them."""
    import pyarrow.parquet as pq

    marker = cache / "format.json"
    wanted = {"format": FORMAT, "rows_per_file": rows_per_file}
    if marker.exists() and json.loads(marker.read_text()) != wanted:
        shutil.rmtree(cache / "current", ignore_errors=True)
        (cache / "reference.parquet").unlink(missing_ok=True)
    (cache / "current").mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(wanted))
    started = time.perf_counter()
    reference = cache / "reference.parquet"
    if not reference.exists():
        rng = np.random.default_rng([FORMAT, 0])
        _write(_rows(rng, rows_per_file, AT - timedelta(days=8), 3600.0, False), reference)
    for hour in range(math.ceil(rows / rows_per_file)):
        path = hour_file(cache, hour)
        if path.exists() and pq.ParquetFile(path).metadata.num_rows == rows_per_file:
            continue
        rng = np.random.default_rng([FORMAT, 1, hour])
        begins = AT - timedelta(hours=hour + 1)
        _write(_rows(rng, rows_per_file, begins, 3600.0, True), path)
        print(f"  made {path.name} ({hour + 1}/{math.ceil(rows / rows_per_file)})", flush=True)
    return time.perf_counter() - started


def window_mb(cache: Path, rows: int, rows_per_file: int) -> float:
    """The Parquet bytes of the files a window reads (a partial hour counts whole)."""
    files = [hour_file(cache, h) for h in range(math.ceil(rows / rows_per_file))]
    return sum(f.stat().st_size for f in files) / 2**20


# --- one case -----------------------------------------------------------------------------------


def config(cache: Path, store: Path, engine: str, window_s: int, spark: str | None) -> dict:
    """The config of one case: the cached files, three drift monitors and data quality."""
    schema: dict[str, dict[str, Any]] = {
        name: {"type": "float", "nullable": name in ("num_0", "num_4")} for name in NUMERICAL
    }
    schema["num_2"] |= {"min": 0, "max": 100}
    schema["cat_small"] = {"type": "category", "allowed": list(SMALL_VALUES)}
    schema["cat_wide"] = {"type": "category", "allowed": list(WIDE_VALUES)}
    every = {"every": "1h", "window": f"{window_s}s"}
    return {
        "version": "cockpit/v1",
        "store": f"sqlite:///{store}",
        "engines": {"duckdb": {**DUCKDB_SETTINGS, "temp_directory": str(cache / "duckdb-spill")}}
        | ({"spark": {"remote": spark}} if spark else {}),
        "services": [
            {
                "name": "scale",
                "engine": engine,
                "data": {
                    "current": {
                        "kind": "parquet",
                        "path": str(cache / "current" / "*.parquet"),
                        "timestamp": "ts",
                    },
                    "reference": {
                        "kind": "parquet",
                        "path": str(cache / "reference.parquet"),
                        "timestamp": "ts",
                    },
                },
                "schema": schema,
                "monitors": [
                    {"name": "drift-auto", "kind": "drift", "method": "auto", **every},
                    {"name": "drift-psi", "kind": "drift", "method": "psi", **every},
                    {
                        "name": "drift-ks",
                        "kind": "drift",
                        "method": "ks",
                        "columns": list(NUMERICAL),
                        **every,
                    },
                    {"name": "quality", "kind": "data_quality", **every},
                ],
            }
        ],
    }


@dataclass
class Case:
    engine: str
    rows: int
    seconds: float | None = None
    peak_rss_mb: float | None = None
    ok: bool = False
    error: str = ""
    data_mb: float | None = None
    monitor_s: dict[str, float] = field(default_factory=dict)
    slis: dict[str, dict[str, float | None]] = field(default_factory=dict)  # monitor -> SLIs
    same_as_duckdb: float | None = None  # the largest relative SLI difference from duckdb
    skipped: str = ""

    @property
    def rows_per_s(self) -> float | None:
        return self.rows / self.seconds if self.seconds else None


def run_case(
    cache: Path,
    engine: str,
    rows: int,
    rows_per_file: int = ROWS_PER_FILE,
    spark: str | None = None,
) -> Case:
    """``cockpit run-once --json`` over the last ``rows`` rows, in a process of its own."""
    case = Case(engine, rows, data_mb=window_mb(cache, rows, rows_per_file))
    window_s = round(rows / rows_per_file * 3600)
    with tempfile.TemporaryDirectory(prefix="cockpit-scale-") as folder:
        path = Path(folder) / "cockpit.yaml"
        spec = config(cache, Path(folder) / "store.db", engine, window_s, spark)
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
        out, err = Path(folder) / "out.json", Path(folder) / "err.txt"
        command = [sys.executable, "-m", "cockpit.cli", "run-once", str(path)]
        command += ["--at", AT.isoformat(), "--json"]
        with out.open("wb") as stdout, err.open("wb") as stderr:
            started = time.perf_counter()
            process = subprocess.Popen(command, cwd=ROOT, stdout=stdout, stderr=stderr)
            _pid, status, usage = os.wait4(process.pid, 0)  # this child's own resource use
            case.seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        case.peak_rss_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
        if process.returncode != 0:
            case.error = f"exit {process.returncode}: {err.read_text()[-2000:]}"
            return case
        result = json.loads(out.read_text())
    runs = result["runs"]
    case.monitor_s = {r["monitor"]: r["duration_s"] for r in runs}
    case.slis = {r["monitor"]: r["slis"] for r in runs}
    failed = [
        f"{r['monitor']}: {r['status']} {r['error'] or ''}" for r in runs if r["status"] != "ok"
    ]
    case.ok = len(runs) == 4 and not failed
    case.error = "; ".join(failed) if failed else ("" if len(runs) == 4 else f"{len(runs)} runs")
    return case


def largest_difference(a: Case, b: Case) -> float:
    """The largest relative difference between the two cases' SLIs (inf when one lacks one)."""
    worst = 0.0
    for monitor in a.slis.keys() | b.slis.keys():
        x, y = a.slis.get(monitor, {}), b.slis.get(monitor, {})
        for name in x.keys() | y.keys():
            u, v = x.get(name), y.get(name)
            if u is None or v is None:
                worst = worst if u is v else math.inf
                continue
            scale = max(abs(u), abs(v))
            worst = max(worst, abs(u - v) / scale if scale > 1e-300 else 0.0)
    return worst


# --- all cases ----------------------------------------------------------------------------------


def run_cases(
    sizes: Sequence[int] = SIZES,
    *,
    cache: Path | None = None,
    rows_per_file: int = ROWS_PER_FILE,
    pandas_100m: bool = False,
    spark: str | None = None,
    engines: Sequence[str] = ("duckdb", "pandas"),
) -> list[Case]:
    """DuckDB at every size, pandas where it fits, Spark when given its remote (of
    ``engines``, in that order)."""
    cache = Path(cache or os.environ.get("COCKPIT_BENCH_CACHE") or DEFAULT_CACHE)
    made = ensure_data(cache, max(sizes), rows_per_file)
    if made > 1:
        print(f"  data made in {made:.0f}s into {cache}", flush=True)
    cases = []
    for rows in sizes:
        done: dict[str, Case] = {}
        for engine in [*engines, *(["spark"] if spark else [])]:
            if engine == "pandas" and rows > PANDAS_MAX_ROWS and not pandas_100m:
                skipped = Case(engine, rows, skipped="skipped: the window held in memory")
                cases.append(skipped)
                continue
            case = run_case(
                cache, engine, rows, rows_per_file, spark if engine == "spark" else None
            )
            if engine != "duckdb" and "duckdb" in done and case.ok and done["duckdb"].ok:
                case.same_as_duckdb = largest_difference(case, done["duckdb"])
            done[engine] = case
            cases.append(case)
            print(f"  {_line(case)}", flush=True)
    return cases


def rows_of(cases: Sequence[Case]) -> list[Row]:
    """The cases as ``bench/run.py`` rows (peak memory there is this process's peak RSS)."""
    out = []
    for c in cases:
        if c.skipped:
            continue
        note = (
            f"{c.rows_per_s / 1e6:.2f}M rows/s, peak RSS {c.peak_rss_mb:,.0f} MB"
            if c.rows_per_s and c.peak_rss_mb
            else ""
        )
        note += ", ok" if c.ok else f", FAILED: {c.error[:200]}"
        out.append(
            Row(
                case=f"scale: {c.engine} run-once, {c.rows:,} rows",
                ours_s=c.seconds or float("nan"),
                baseline_s=None,
                baseline="(duckdb at the same size: max |diff| relative)"
                if c.same_as_duckdb is not None
                else "",
                ours_peak_mb=c.peak_rss_mb,
                max_abs_diff=c.same_as_duckdb,
                note=note,
                data_mb=c.data_mb,
            )
        )
    return out


def _line(c: Case) -> str:
    if c.skipped:
        return f"{c.engine:<7} {c.rows:>12,} {c.skipped}"
    rate = f"{c.rows_per_s:>12,.0f}" if c.rows_per_s else f"{'-':>12}"
    same = "-" if c.same_as_duckdb is None else f"{c.same_as_duckdb:.0e}"
    monitors = " ".join(f"{k} {v:.1f}" for k, v in c.monitor_s.items())
    status = "ok" if c.ok else f"FAILED {c.error[:300]}"
    return (
        f"{c.engine:<7} {c.rows:>12,} {c.seconds or 0:8.1f} {rate} {c.peak_rss_mb or 0:9,.0f} "
        f"{c.data_mb or 0:8,.0f} {same:>9}  {status}  [{monitors}]"
    )


def print_cases(cases: Sequence[Case]) -> None:
    header = (
        f"{'engine':<7} {'rows':>12} {'seconds':>8} {'rows/s':>12} {'peak RSS':>9} "
        f"{'data MB':>8} {'same as':>9}  ok  [seconds per monitor, in the run]"
    )
    print(header)
    print(f"{'':<7} {'':>12} {'':>8} {'':>12} {'MB':>9} {'':>8} {'duckdb':>9}")
    print("-" * len(header))
    for c in cases:
        print(_line(c))
    scored = [c for c in cases if c.ok]
    if scored:
        print(
            "\ndrift scores (drift-auto: wasserstein / jensen-shannon distance; drift-ks: p-value)"
        )
        for c in scored:
            auto, ks = c.slis.get("drift-auto", {}), c.slis.get("drift-ks", {})
            shown = [f"{name}={_g(auto.get(f'drift_score[{name}]'))}" for name in AUTO_SHOWN]
            shown.append(f"ks {SHIFTED}={_g(ks.get(f'drift_score[{SHIFTED}]'))}")
            share = auto.get("drift_share")
            print(f"  {c.engine:<7} {c.rows:>12,}  drift_share={share}  " + "  ".join(shown))


def _g(value: float | None) -> str:
    return "None" if value is None else f"{value:.6g}"


def start_spark() -> tuple[str, Any]:
    """A local Spark Connect server, as the tests start theirs: (its remote, the server)."""
    from tests.spark_server import SparkConnectServer

    server = SparkConnectServer()
    return server.remote, server


def case_json(case: Case) -> dict[str, Any]:
    return {**asdict(case), "rows_per_s": case.rows_per_s}


def write(cases: Sequence[Case], path: Path, meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta, "cases": [case_json(c) for c in cases]}
    path.write_text(json.dumps(payload, indent=2, default=str))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES} only")
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--engines", default="duckdb,pandas", help="of duckdb and pandas")
    parser.add_argument("--pandas-100m", action="store_true")
    parser.add_argument("--spark", action="store_true")
    parser.add_argument("--spark-remote", default=None)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "scale.json")
    args = parser.parse_args(argv)
    sizes = QUICK_SIZES if args.quick else tuple(int(s) for s in args.sizes.split(","))
    server = None
    remote = args.spark_remote
    if args.spark and remote is None:
        remote, server = start_spark()
    try:
        cases = run_cases(
            sizes,
            cache=args.cache,
            pandas_100m=args.pandas_100m,
            spark=remote,
            engines=tuple(args.engines.split(",")),
        )
    finally:
        if server is not None:
            server.stop()
    print()
    print_cases(cases)
    info = machine()
    print(f"machine: {machine_line(info)}")
    meta = {
        "at": datetime.now(UTC).isoformat(),
        "machine": info,
        "duckdb": DUCKDB_SETTINGS,
        "load": os.getloadavg(),
    }
    write(cases, args.json, meta)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
