"""``cockpit demo``: the sample scenario, generated, backfilled and summarised.

It writes everything under one folder (``.demo`` by default): the generated data, a copy of
``sample_data/cockpit.yaml`` and the SQLite store, so a demo never touches anything else.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from cockpit.config import load_config
from cockpit.cycle import replay
from cockpit.store import Store

SAMPLE_CONFIG = Path(__file__).resolve().parent.parent / "sample_data" / "cockpit.yaml"

# The headline SLI of each monitor kind, and whether lower is worse.
HEADLINES = {
    "input-quality": "valid_rows_share",
    "feature-drift": "drift_share",
    "prediction-drift": "drift_share",
    "accuracy": "accuracy",
    "ctr": "ctr",
    "latency": "good_share",
}


def prepare(out: Path, *, seed: int = 7) -> tuple[Path, dict]:
    """Generate the scenario under ``out/generated`` and put the sample config beside it."""
    from sample_data.generate import generate

    out.mkdir(parents=True, exist_ok=True)
    generated = out / "generated"
    if generated.exists():
        shutil.rmtree(generated)
    summary = generate(generated, seed=seed)
    config_path = out / "cockpit.yaml"
    shutil.copyfile(SAMPLE_CONFIG, config_path)
    return config_path, summary


def run_demo(out: Path, *, seed: int = 7, echo: Callable[[str], None] = print) -> pd.DataFrame:
    started = time.perf_counter()
    config_path, summary = prepare(out, seed=seed)
    echo(
        f"generated the sample scenario in {out / 'generated'} ({time.perf_counter() - started:.1f}s)"
    )
    config = load_config(config_path)
    store = Store(config.store_url())
    start, end = _parse(summary["start"]), _parse(summary["end"])

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    t0 = time.perf_counter()
    with Progress(
        TextColumn("backfill"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[at]}")
    ) as progress:
        task = progress.add_task("backfill", total=None, at="")

        def tick(done: int, total: int, at: datetime) -> None:
            if done % 100 == 0 or done == total:
                progress.update(task, completed=done, total=total, at=at.strftime("%Y-%m-%d %H:%M"))

        records = replay(config, store, start, end, on_progress=tick)
    failed = [r for r in records if r.status == "failed"]
    echo(
        f"backfilled {len(records)} runs in {time.perf_counter() - t0:.1f}s ({len(failed)} failed)"
    )
    for error in sorted({r.error for r in failed if r.error})[:5]:
        echo(f"  failed: {error}")

    table = daily_table(store, config)
    echo("")
    echo("Daily minimum of each monitor's headline SLI (the scenario's incidents are marked):")
    echo(render(table, summary))
    echo("")
    echo(f"config: {config_path}   store: {config.store_url()}")
    echo(f"try:    cockpit run-once {config_path} --at {summary['end']} --json")
    return table


def daily_table(store: Store, config) -> pd.DataFrame:
    """One row per day, one column per service/monitor: the day's worst headline SLI."""
    columns = {}
    for service in config.services:
        for monitor in service.monitors:
            name = HEADLINES.get(monitor.name)
            if name is None:
                continue
            rows = store.measurements(service.name, monitor.name, [name])
            if not rows:
                continue
            frame = pd.DataFrame(rows, columns=["window_end", "monitor", "name", "value"])
            day = frame["window_end"].dt.floor("D")
            worst = (
                frame.groupby(day)["value"].max()
                if name == "drift_share"
                else frame.groupby(day)["value"].min()
            )
            columns[f"{service.name}/{monitor.name}:{name}"] = worst
    return pd.DataFrame(columns).sort_index()


def render(table: pd.DataFrame, summary: dict) -> str:
    events = [
        (e["service"], e["kind"], _parse(e["start"]), _parse(e["end"]))
        for e in summary.get("events", [])
    ]
    header = ["day       "] + [c.split(":")[0] for c in table.columns] + ["incidents"]
    lines = ["  ".join(header)]
    for day, row in table.iterrows():
        day_end = day + timedelta(days=1)
        marks = sorted({f"{svc}:{kind}" for svc, kind, s, e in events if s < day_end and e > day})
        cells = [day.strftime("%Y-%m-%d")]
        for column, value in zip(table.columns, row, strict=True):
            width = len(column.split(":")[0])
            cells.append(("-" if pd.isna(value) else f"{value:.3f}").rjust(width))
        cells.append(", ".join(marks))
        lines.append("  ".join(cells))
    return "\n".join(lines)


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
