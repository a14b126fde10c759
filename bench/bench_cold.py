"""A cold ``cockpit run-once`` beside the warm per-window time, for one drift monitor.

One service reads a Parquet window of ``--rows`` rows x 5 numerical columns against a fixed
Parquet reference of as many rows (KS, 1-day window). Measured:

- the first ``run-once`` as a process of its own (its wall time and ``duration_s``): it reads
  and fits the reference, and files the fit beside the config;
- the next ones (median wall time and ``duration_s``): new processes that load that fit
  instead of reading and fitting the reference again;
- the warm per-window time: the same monitor run again in one process (the daemon's case).

    .venv/bin/python bench/bench_cold.py [--rows N] [--repeat K] [--json out.json]

Its data is made once into ``bench/.cache/cold/``; each measurement starts from a new store.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Row, print_table, write_json  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache" / "cold"
AT = "2026-10-03T00:00:00Z"


def make_data(rows: int) -> Path:
    """The reference and the window, once per size; returns their folder."""
    folder = CACHE / f"{rows}"
    if (folder / "current.parquet").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for name, shift, day in (("reference", 0.0, "2026-10-01"), ("current", 0.05, "2026-10-02")):
        data = {f"x{i}": rng.normal(shift * (i % 2), 1.0, rows) for i in range(5)}
        data["ts"] = pd.date_range(day, periods=rows, freq=pd.Timedelta(days=1) / rows, tz="UTC")
        pd.DataFrame(data).to_parquet(folder / f"{name}.parquet")
    return folder


def project(data: Path, where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    schema = ", ".join(f"x{i}: {{type: float}}" for i in range(5))
    config = where / "cockpit.yaml"
    config.write_text(
        textwrap.dedent(f"""\
        version: cockpit/v1
        store: sqlite:///cockpit.db
        services:
          - name: svc
            schema: {{{schema}}}
            data:
              current: {{kind: parquet, path: "{data / "current.parquet"}", timestamp: ts}}
              reference: {{kind: parquet, path: "{data / "reference.parquet"}"}}
            monitors:
              - {{name: drift, kind: drift, method: ks, window: 1d, every: 1d}}
        """)
    )
    return config


def run_once(config: Path) -> tuple[float, float]:
    """A ``cockpit run-once`` process from a new store: its wall time and the run's duration_s."""
    (config.parent / "cockpit.db").unlink(missing_ok=True)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "cockpit.cli", "run-once", str(config), "--at", AT, "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=config.parent,
    )
    wall = time.perf_counter() - started
    [run] = json.loads(out.stdout)["runs"]
    if run["status"] != "ok":
        raise RuntimeError(f"run-once failed: {run['error']}")
    return wall, float(run["duration_s"])


def warm(config: Path, repeat: int) -> float:
    """The monitor run again in one process: the median of ``repeat`` runs after the first."""
    from cockpit.config.loader import load_config
    from cockpit.engine.runner import Runner
    from cockpit.store import Store

    loaded = load_config(config)
    runner = Runner(loaded, Store(loaded.store_url()))
    service = loaded.services[0]
    monitor = service.monitors[0]
    at = datetime.fromisoformat(AT.replace("Z", "+00:00")).astimezone(UTC)
    runner.run_monitor(service, monitor, at)
    return statistics.median(
        runner.run_monitor(service, monitor, at).duration_s for _ in range(repeat)
    )


def run(rows: int, repeat: int) -> list[Row]:
    config = project(make_data(rows), CACHE / f"project-{rows}")
    shutil.rmtree(config.parent / ".cockpit-cache", ignore_errors=True)
    first_wall, first_duration = run_once(config)
    later = [run_once(config) for _ in range(repeat)]
    wall = statistics.median(w for w, _ in later)
    duration = statistics.median(d for _, d in later)
    per_window = warm(config, repeat)
    what = f"{rows:,} rows x 5"
    return [
        Row(f"drift run, warm per-window, {what}", per_window, None, "-", note="duration_s"),
        Row(
            f"run-once, first (fits), {what}",
            first_wall,
            None,
            "-",
            note=f"process wall, {first_wall / per_window:.1f}x the warm window; "
            f"duration_s {first_duration:.3f} s",
        ),
        Row(
            f"run-once, fit reused, {what}",
            wall,
            None,
            "-",
            note=f"process wall, median of {repeat}, {wall / per_window:.1f}x the warm window; "
            f"duration_s {duration:.3f} s ({duration / per_window:.1f}x)",
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    rows = run(args.rows, args.repeat)
    print_table(rows)
    if args.json:
        write_json(rows, args.json, vars(args))


if __name__ == "__main__":
    main()
