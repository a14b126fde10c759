"""The sample scenario backfilled on an engine against the in-process backfill: the same history
(every run's status, good, total and SLIs, every SLO evaluation's good, total, budget, burn
rates and severity), and the time of each.

With ``engine: duckdb`` a service is not preloaded: its backfill goes window by window through
DuckDB, as a 100M-row day must. The ratio says what that costs on data that fits in memory.

    .venv/bin/python bench/bench_engine_backfill.py [--days 30] [--engine duckdb] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Row, machine, machine_line, print_table, write_json  # noqa: E402
from cockpit.config.loader import load_config  # noqa: E402
from cockpit.config.models import Config  # noqa: E402
from cockpit.engine.cycle import replay  # noqa: E402
from cockpit.store import Store  # noqa: E402
from demo.scenario import SAMPLE_CONFIG  # noqa: E402

SERVICES = ("loan-default", "ad-ctr")


def backfilled(
    scenario_dir: Path, root: Path, engine: str, start: datetime, end: datetime
) -> tuple[Store, Config]:
    """The scenario's config with every service on ``engine``, backfilled from start to end."""
    text = (scenario_dir / "cockpit.yaml").read_text()
    text = text.replace("generated/", f"{scenario_dir}/generated/")
    for service in SERVICES:
        text = text.replace(
            f"  - name: {service}\n", f"  - name: {service}\n    engine: {engine}\n"
        )
    config_path = root / f"{engine}.yaml"
    config_path.write_text(text)
    previous = os.environ.get("COCKPIT_DATABASE_URL")
    os.environ["COCKPIT_DATABASE_URL"] = f"sqlite:///{root / (engine + '.db')}"
    try:
        config = load_config(config_path)
        store = Store(config.store_url())
    finally:
        if previous is None:
            del os.environ["COCKPIT_DATABASE_URL"]
        else:
            os.environ["COCKPIT_DATABASE_URL"] = previous
    replay(config, store, start, end)
    return store, config


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@dataclass
class Comparison:
    runs: int = 0
    slis: int = 0
    evaluations: int = 0
    engines: set[str] = field(default_factory=set)
    severities: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)  # what differs, first ones


def compare(ours: Store, theirs: Store, config: Config) -> Comparison:
    """Every run, SLI and SLO evaluation of ``ours`` against ``theirs``, within 1e-9."""
    out = Comparison()
    differ = out.differences.append
    runs_a = {(r.service, r.monitor, r.window_end): r for r in ours.runs()}
    runs_b = {(r.service, r.monitor, r.window_end): r for r in theirs.runs()}
    if runs_a.keys() != runs_b.keys():
        differ(f"runs: {len(runs_a.keys() ^ runs_b.keys())} windows in one history only")
    for key in runs_a.keys() & runs_b.keys():
        a, b = runs_a[key], runs_b[key]
        out.runs += 1
        out.engines.add(json.loads(b.details or "{}").get("engine", "pandas"))
        if a.status != b.status or not (_close(a.good, b.good) and _close(a.total, b.total)):
            differ(f"run {key}: {a.status} {a.good}/{a.total} vs {b.status} {b.good}/{b.total}")
    for service in config.services:
        slis_a = {m[:3]: m[3] for m in ours.measurements(service.name)}
        slis_b = {m[:3]: m[3] for m in theirs.measurements(service.name)}
        if slis_a.keys() != slis_b.keys():
            differ(f"{service.name}: SLI values in one history only")
        for key in slis_a.keys() & slis_b.keys():
            out.slis += 1
            if not _close(slis_a[key], slis_b[key]):
                differ(f"SLI {key}: {slis_a[key]} vs {slis_b[key]}")
        for slo in service.slos:
            a_rows = ours.slo_evaluations(service.name, slo.name)
            b_rows = theirs.slo_evaluations(service.name, slo.name)
            if [e.at for e in a_rows] != [e.at for e in b_rows]:
                differ(f"{service.name}/{slo.name}: evaluated at different times")
                continue
            out.severities[(service.name, slo.name)] = {e.alert_severity for e in b_rows}
            for a, b in zip(a_rows, b_rows, strict=True):
                out.evaluations += 1
                burn_a, burn_b = json.loads(a.burn_rates), json.loads(b.burn_rates)
                same = (
                    _close(a.good, b.good)
                    and _close(a.total, b.total)
                    and _close(a.error_budget_remaining, b.error_budget_remaining)
                    and burn_a.keys() == burn_b.keys()
                    and all(_close(burn_a[w], burn_b[w]) for w in burn_a)
                    and a.alert_severity == b.alert_severity
                )
                if not same:
                    differ(f"evaluation {service.name}/{slo.name} at {a.at}")
    return out


def run(days: int = 30, engine: str = "duckdb") -> tuple[list[Row], Comparison]:
    from sample_data.generate import generate

    root = Path(tempfile.mkdtemp(prefix="bench-engine-backfill-"))
    try:
        summary = generate(root / "generated", days=days, seed=7)
        shutil.copyfile(SAMPLE_CONFIG, root / "cockpit.yaml")
        start = datetime.fromisoformat(str(summary["start"]))
        end = start + timedelta(days=days)
        seconds = {}
        stores = {}
        for name in ("pandas", engine):
            began = time.perf_counter()
            stores[name] = backfilled(root, root, name, start, end)
            seconds[name] = time.perf_counter() - began
        (ours, config), (theirs, _) = stores["pandas"], stores[engine]
        comparison = compare(ours, theirs, config)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    row = Row(
        f"backfill {days} d on {engine}",
        seconds[engine],
        seconds["pandas"],
        "the same backfill preloaded in process (pandas)",
        note=f"{comparison.runs} runs, {comparison.evaluations} SLO evaluations, "
        f"{len(comparison.differences)} differences",
    )
    return [row], comparison


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--engine", default="duckdb", choices=["duckdb"])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows, comparison = run(args.days, args.engine)
    info = machine()
    print(machine_line(info))
    print_table(rows)
    print(
        f"{comparison.runs} runs, {comparison.slis} SLI values, {comparison.evaluations} SLO "
        f"evaluations compared; engines used: {sorted(comparison.engines)}; "
        f"{len(comparison.differences)} differences"
    )
    for line in comparison.differences[:20]:
        print("  differs:", line)
    if args.json:
        write_json(rows, args.json, {"machine": info, "differences": comparison.differences})
    sys.exit(1 if comparison.differences else 0)


if __name__ == "__main__":
    main()
