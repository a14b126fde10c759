"""A real store filled by hand for the read models' tests: three services, each with a
data-quality monitor (5 minutes) and a drift monitor (hourly, over a day), and their SLOs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from cockpit.config.loader import parse_config
from cockpit.config.models import Config
from cockpit.store import Alert, RunRecord, Store

END = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)


def make_config(services: int) -> Config:
    lines = ["version: cockpit/v1", "services:"]
    for i in range(services):
        lines += [
            f"  - name: svc-{i}",
            f"    owner: team-{i}",
            "    data:",
            '      current: {kind: parquet, path: "none/*.parquet", timestamp: ts}',
            "      reference: {window: 7d, offset: 7d}",
            "    schema:",
            "      x: {type: float, min: 0, max: 1}",
            "      y: {type: float, min: 0, max: 1}",
            "    monitors:",
            "      - {name: quality, kind: data_quality, every: 5m}",
            "      - {name: drift, kind: drift, every: 1h, window: 1d}",
            "    slos:",
            "      - {name: valid, monitor: quality, objective: 0.99}",
            '      - {name: no-drift, monitor: drift, good: "drift_share <= 0.3", objective: 0.95}',
        ]
    return parse_config("\n".join(lines) + "\n")


def evaluation(
    service: str,
    slo: str,
    at: datetime,
    remaining: float | None,
    burn_1h: float | None = 0.5,
    severity: str | None = None,
) -> dict:
    return {
        "service": service,
        "slo": slo,
        "at": at,
        "method": "occurrences",
        "objective": 0.99,
        "good": 99.0,
        "total": 100.0,
        "error_budget_remaining": remaining,
        "burn_rates": json.dumps({"5m": 0.1, "1h": burn_1h, "6h": 0.2, "1d": 0.3, "3d": 0.4}),
        "alert_severity": severity,
        "alert": None,
    }


def quality_run(
    service: str, at: datetime, good: float, total: float, status: str = "ok"
) -> RunRecord:
    return RunRecord(
        service=service,
        monitor="quality",
        kind="data_quality",
        window_start=at - STEP,
        window_end=at,
        status=status,
        good=good if status == "ok" else None,
        total=total if status == "ok" else None,
        error="boom: source unreachable" if status == "failed" else None,
        slis={
            "valid_rows_share": good / total,
            "out_of_range_share[x]": 1 - good / total,
            "missing_share[y]": 0.0,
        }
        if status == "ok"
        else {},
    )


def drift_run(service: str, at: datetime, share: float, scores: dict[str, float]) -> RunRecord:
    return RunRecord(
        service=service,
        monitor="drift",
        kind="drift",
        window_start=at - timedelta(days=1),
        window_end=at,
        status="ok",
        slis={"drift_share": share, **{f"drift_score[{c}]": v for c, v in scores.items()}},
        details={
            "columns": {
                c: {"method": "ks", "score": v, "threshold": 0.05, "drifted": v < 0.05}
                for c, v in scores.items()
            }
        },
    )


def fill(store: Store) -> tuple[Config, Store]:
    """svc-0: valid exhausted, no-drift burning by its 1h burn; svc-1: healthy, but its quality
    monitor's newest run failed; svc-2: never evaluated."""
    config = make_config(3)
    store.save_slo_evaluations(
        [
            evaluation("svc-0", "valid", END - STEP, 0.2),
            evaluation("svc-0", "valid", END, -0.5, burn_1h=30.0, severity="page"),
            evaluation("svc-0", "no-drift", END, 0.6, burn_1h=1.5),
            evaluation("svc-1", "valid", END, 0.9),
            evaluation("svc-1", "no-drift", END, 0.8, burn_1h=None),
            evaluation("svc-2", "valid", END, None, burn_1h=None),
        ]
    )
    store.save_runs(
        [
            quality_run("svc-0", END - STEP, 90, 100),
            quality_run("svc-0", END, 40, 80),
            quality_run("svc-1", END - STEP, 199, 200),
            quality_run("svc-1", END, 0, 0, status="failed"),
            drift_run("svc-0", END - timedelta(hours=1), 0.0, {"x": 0.4, "y": 0.5}),
            drift_run("svc-0", END, 0.5, {"x": 0.01, "y": 0.3}),
        ]
    )
    fire_valid_page(store)
    return config, store


def fire_valid_page(store: Store) -> None:
    """svc-0's valid page fires, with one evidence line."""
    with store.engine.begin() as conn:
        conn.execute(
            sa.insert(Alert.__table__).values(
                fingerprint="f1",
                service="svc-0",
                slo="valid",
                severity="page",
                state="firing",
                started_at=END,
                last_evaluated_at=END,
                evidence=json.dumps(["x: 50% out of range"]),
            )
        )
