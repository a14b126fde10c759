"""The cockpit's overview over a big store: 50 services x 2 SLOs x 30 days of 5-minute data.

Builds a SQLite store (bulk inserts through SQLAlchemy Core): per service a data-quality
monitor every 5 minutes (an occurrence SLO) and a drift monitor every hour (a timeslice SLO on
``drift_share``), their runs and the drift measurements, one ``slo_evaluation`` row per SLO
every 5 minutes (864,000 rows for the defaults), and a few firing alerts. Then times
``cockpit.read.overview.overview`` (median of ``--repeat`` calls) against the obvious first version
(every evaluation and run read into pandas, the newest kept per key), and, with ``--page``,
the whole overview page through Streamlit's AppTest with cold caches.

    .venv/bin/python bench/bench_overview.py [--services 50] [--days 30] [--repeat 5]
        [--db PATH [--reuse]] [--page] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Row, measure, print_table, write_json  # noqa: E402
from cockpit.config.loader import parse_config
from cockpit.config.models import Config
from cockpit.read.overview import overview  # noqa: E402
from cockpit.store import (  # noqa: E402
    Alert,
    MonitorRun,
    SliMeasurement,
    SliName,
    SloEvaluation,
    Store,
)

END = datetime(2026, 10, 31, tzinfo=UTC)
STEP = timedelta(minutes=5)
CHUNK = 20_000


def make_config(services: int) -> Config:
    return parse_config(config_text(services))


def config_text(services: int, store_url: str | None = None) -> str:
    lines = ["version: cockpit/v1", *([f"store: {store_url}"] if store_url else []), "services:"]
    for i in range(services):
        lines += [
            f"  - name: svc-{i:03d}",
            "    data:",
            '      current: {kind: parquet, path: "none/*.parquet", timestamp: ts}',
            "      reference: {window: 7d, offset: 7d}",
            "    schema:",
            "      x: {type: float, min: 0, max: 1}",
            "    monitors:",
            "      - {name: quality, kind: data_quality, every: 5m}",
            "      - {name: drift, kind: drift, every: 1h, window: 1d}",
            "    slos:",
            "      - {name: valid, monitor: quality, objective: 0.99}",
            '      - {name: no-drift, monitor: drift, good: "drift_share <= 0.3", objective: 0.95}',
        ]
    return "\n".join(lines) + "\n"


def time_page(db: Path, services: int, repeat: int) -> list[float]:
    """The whole overview page through Streamlit's AppTest (cold caches each time): the
    script, the reads and the serialisation of its elements."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    app = Path(__file__).resolve().parent.parent / "app" / "streamlit_app.py"
    config_path = db.with_suffix(".yaml")
    config_path.write_text(config_text(services, f"sqlite:///{db}"))
    os.environ["COCKPIT_CONFIG"] = str(config_path)
    os.environ.pop("COCKPIT_DATABASE_URL", None)
    seconds = []
    for _ in range(repeat):
        st.cache_data.clear()
        at = AppTest.from_file(str(app), default_timeout=60)
        started = time.perf_counter()
        at.run()
        seconds.append(time.perf_counter() - started)
        assert not at.exception and len(at.dataframe[0].value) == 2 * services
    return seconds


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def build(store: Store, config: Config, days: int, seed: int = 0) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    steps = int(timedelta(days=days) / STEP)
    moments = [END - STEP * (steps - 1 - i) for i in range(steps)]
    hours = [m for m in moments if m.minute == 0]
    counts = {"runs": 0, "measurements": 0, "slo_evaluations": 0}

    def runs() -> Iterator[dict[str, Any]]:
        run_id = 0
        for service in config.services:
            totals = rng.poisson(60, steps)
            bad = rng.binomial(totals, 0.002)
            for i, at in enumerate(moments):
                run_id += 1
                failed = i == steps - 1 and service.name.endswith("7")
                yield {
                    "id": run_id,
                    "service": service.name,
                    "monitor": "quality",
                    "kind": "data_quality",
                    "window_start": at - STEP,
                    "window_end": at,
                    "status": "failed" if failed else "ok",
                    "good": None if failed else float(totals[i] - bad[i]),
                    "total": None if failed else float(totals[i]),
                    "duration_s": 0.01,
                    "error": "source unreachable" if failed else None,
                    "started_at": at,
                }
            for at in hours:
                run_id += 1
                yield {
                    "id": run_id,
                    "service": service.name,
                    "monitor": "drift",
                    "kind": "drift",
                    "window_start": at - timedelta(days=1),
                    "window_end": at,
                    "status": "ok",
                    "good": None,
                    "total": None,
                    "duration_s": 0.2,
                    "error": None,
                    "started_at": at,
                }

    def measurements() -> Iterator[dict[str, Any]]:
        run_id = 0
        for _service in config.services:
            run_id += steps
            for _at in hours:
                run_id += 1
                yield {"run_id": run_id, "name_id": 1, "value": float(rng.uniform(0, 0.4))}

    def evaluations() -> Iterator[dict[str, Any]]:
        for service in config.services:
            for slo in service.slos:
                budget = 1 - np.cumsum(rng.uniform(0, 1.2 / steps, steps))
                for i, at in enumerate(moments):
                    burns = {w: float(rng.uniform(0, 2)) for w in ("5m", "1h", "6h", "1d", "3d")}
                    yield {
                        "service": service.name,
                        "slo": slo.name,
                        "at": at,
                        "method": slo.method,
                        "objective": slo.objective,
                        "good": 1000.0,
                        "total": 1001.0,
                        "error_budget_remaining": float(budget[i]),
                        "burn_rates": json.dumps(burns),
                        "alert_severity": "ticket" if burns["1h"] > 1.9 else None,
                    }

    with store.engine.begin() as conn:
        conn.execute(sa.insert(SliName.__table__), [{"id": 1, "name": "drift_share"}])
        for table, rows, name in (
            (MonitorRun.__table__, runs(), "runs"),
            (SliMeasurement.__table__, measurements(), "measurements"),
            (SloEvaluation.__table__, evaluations(), "slo_evaluations"),
        ):
            for chunk in _chunks(rows):
                conn.execute(sa.insert(table), chunk)
                counts[name] += len(chunk)
        conn.execute(
            sa.insert(Alert.__table__),
            [
                {
                    "fingerprint": f"fp{i}",
                    "service": service.name,
                    "slo": "valid",
                    "severity": "page",
                    "state": "firing",
                    "started_at": END,
                    "last_evaluated_at": END,
                }
                for i, service in enumerate(config.services[::10])
            ],
        )
    return counts


def naive_overview(store: Store) -> pd.DataFrame:
    """The baseline: everything read into pandas, the newest evaluation and run kept per key."""
    with store.engine.connect() as conn:
        evaluations = pd.read_sql(sa.select(SloEvaluation.__table__), conn)
        runs = pd.read_sql(sa.select(MonitorRun.__table__), conn)
        alerts = pd.read_sql(sa.select(Alert.__table__), conn)
    newest = evaluations.sort_values("at").groupby(["service", "slo"]).tail(1)
    last_runs = runs.sort_values("window_end").groupby(["service", "monitor"]).tail(1)
    firing = alerts[alerts["state"] == "firing"].groupby(["service", "slo"]).size()
    frame = newest.merge(last_runs, on="service", suffixes=("", "_run"))
    return frame.assign(active=frame.set_index(["service", "slo"]).index.map(firing).fillna(0))


def run(services: int = 50, days: int = 30, repeat: int = 5, page: bool = True) -> list[Row]:
    config = make_config(services)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "overview.db"
        store = Store(f"sqlite:///{db}")
        counts = build(store, config, days)
        ours = measure(lambda: overview(store, config), repeat=repeat, trace_memory=False)
        base = measure(lambda: naive_overview(store), repeat=max(1, repeat // 2))
        data_mb = db.stat().st_size / 2**20
        store.close()
        case = f"overview: {services} services x {days}d"
        note = f"{counts['slo_evaluations']:,} evaluations, {counts['runs']:,} runs in the store"
        rows = [
            Row(
                f"{case} (read model)",
                ours.median_s,
                base.median_s,
                "all rows into pandas, newest per key",
                None,
                base.peak_mb,
                note=note,
                data_mb=data_mb,
            )
        ]
        if page:
            seconds = time_page(db, services, repeat)
            rows.append(
                Row(
                    f"{case} (page, AppTest, cold cache)",
                    statistics.median(seconds),
                    None,
                    "-",
                    note=f"the whole page: script, reads, elements; x{len(seconds)}",
                )
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", type=Path, help="SQLite file to build and keep")
    parser.add_argument("--reuse", action="store_true", help="time an already built --db")
    parser.add_argument(
        "--page", action="store_true", help="also time the whole overview page (AppTest)"
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if args.db is None:
        rows = run(args.services, args.days, args.repeat, args.page)
        print_table(rows)
        if args.json:
            write_json(rows, args.json, {k: str(v) for k, v in vars(args).items()})
        return
    config = make_config(args.services)
    store = Store(f"sqlite:///{args.db}")
    if not args.reuse:
        started = time.perf_counter()
        counts = build(store, config, args.days)
        print(
            f"built {args.db} in {time.perf_counter() - started:.1f}s: "
            + ", ".join(f"{n:,} {name}" for name, n in counts.items())
        )
    result = measure(lambda: overview(store, config), repeat=args.repeat, trace_memory=False)
    frame = result.result
    print(
        f"overview of {len(frame)} SLOs ({args.services} services x {args.days} days): "
        f"median {result.median_s * 1000:.0f} ms over {args.repeat} runs"
    )
    print(frame.head(8).to_string(max_colwidth=24))
    store.close()
    if args.page:
        seconds = time_page(args.db, args.services, args.repeat)
        print(
            f"overview page (AppTest, cold cache): median {statistics.median(seconds) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
