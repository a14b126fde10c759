"""The sample scenario's 30-day backfill: runs per second, against running each tick on its own.

Ours: ``cockpit.engine.cycle.replay`` over the whole scenario (every monitor, SLO history, alerts), with
each service's data read once and sliced per window. Baseline: the same runs one by one as the
daemon does them (``Runner.run_monitor`` reading its window from the files), over the first
``--baseline-days`` days; the ratio compares runs per second.

    .venv/bin/python bench/bench_backfill.py [--days 30] [--baseline-days 2] [--json PATH]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Row, print_table, write_json  # noqa: E402
from cockpit.config.loader import load_config
from cockpit.engine import schedule  # noqa: E402
from cockpit.engine.cycle import replay  # noqa: E402
from cockpit.engine.runner import Runner  # noqa: E402
from cockpit.store import Store  # noqa: E402
from demo.scenario import SAMPLE_CONFIG, _parse  # noqa: E402
from sample_data.generate import generate  # noqa: E402


def run(days: int = 30, baseline_days: int = 2) -> list[Row]:
    root = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    previous_url = os.environ.get("COCKPIT_DATABASE_URL")
    try:
        summary = generate(root / "generated", days=days)
        shutil.copyfile(SAMPLE_CONFIG, root / "cockpit.yaml")
        os.environ["COCKPIT_DATABASE_URL"] = f"sqlite:///{root / 'ours.db'}"
        config = load_config(root / "cockpit.yaml")
        start, end = _parse(summary["start"]), _parse(summary["end"])
        t0 = time.perf_counter()
        records = replay(config, Store(config.store_url()), start, end)
        ours_s = time.perf_counter() - t0
        ours_rate = len(records) / ours_s

        runner = Runner(config, Store(f"sqlite:///{root / 'base.db'}"))
        runner.reports = False
        plan = sorted(
            (tick, service.name, monitor.name)
            for service in config.services
            for monitor in service.monitors
            for tick in schedule.ticks(monitor, start, start + timedelta(days=baseline_days))
        )
        t0 = time.perf_counter()
        for tick, service_name, monitor_name in plan:
            service = config.service(service_name)
            runner.store.save_run(runner.run_monitor(service, service.monitor(monitor_name), tick))
        base_s = time.perf_counter() - t0
        base_rate = len(plan) / base_s
        return [
            Row(
                f"backfill {days}d scenario ({len(records)} runs)",
                ours_s,
                len(records) / base_rate,
                f"one run at a time ({base_rate:.0f} runs/s over {baseline_days}d, scaled)",
                note=f"{ours_rate:.0f} runs/s",
            )
        ]
    finally:
        if previous_url is None:
            os.environ.pop("COCKPIT_DATABASE_URL", None)
        else:
            os.environ["COCKPIT_DATABASE_URL"] = previous_url
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--baseline-days", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    rows = run(args.days, args.baseline_days)
    print_table(rows)
    if args.json:
        write_json(rows, args.json, vars(args))


if __name__ == "__main__":
    main()
