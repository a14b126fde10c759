"""The real daemon applies ``store_retention``: old runs and SLO history in its store go while
it runs its monitors, recent ones stay."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from cockpit.store import RunRecord, SloEvaluation, Store
from tests.e2e.test_daemon import CONFIG, Serve, write_live_data

RETENTION = "store_retention: {runs: 30d, slo_history_margin: 2d, every: 1h}\n"


def archive_run(at: datetime) -> RunRecord:
    return RunRecord(
        service="archive",
        monitor="quality",
        kind="data_quality",
        window_start=at - timedelta(days=1),
        window_end=at,
        status="ok",
        slis={"valid_rows_share": 1.0},
        good=1.0,
        total=1.0,
    )


def evaluation(at: datetime) -> dict:
    return {
        "service": "archive",
        "slo": "valid",
        "at": at,
        "method": "occurrences",
        "objective": 0.99,
        "good": 1.0,
        "total": 1.0,
        "error_budget_remaining": 1.0,
        "burn_rates": "{}",
    }


def archive(url: str) -> tuple[list[datetime], list[datetime]]:
    store = Store(url)
    runs = sorted(r.window_end for r in store.runs("archive", "quality"))
    with store.connect() as conn:
        table = SloEvaluation.__table__
        ats = sorted(
            conn.execute(sa.select(table.c.at).where(table.c.service == "archive")).scalars()
        )
    store.close()
    return runs, ats


def test_the_daemon_prunes_old_runs_and_slo_history(tmp_path: Path, store_url: str) -> None:
    write_live_data(tmp_path)
    config = tmp_path / "cockpit.yaml"
    config.write_text(RETENTION + CONFIG)
    now = datetime.now(UTC)
    # one a day, half a day off the cutoffs: 0.5 to 99.5 days old
    days = [now - timedelta(days=d, hours=12) for d in range(99, -1, -1)]
    store = Store(store_url)
    store.save_runs([archive_run(at) for at in days])
    store.save_slo_evaluations([evaluation(at) for at in days])
    store.close()
    # runs are kept 30 days (longer than the config's 28-day SLO window), SLO history 28 + 2
    kept = [at for at in days if at > now - timedelta(days=30)]
    assert len(kept) == 30
    daemon = Serve(config, {"COCKPIT_DATABASE_URL": store_url}, tmp_path / "serve.log")
    try:
        daemon.wait_until(lambda: len(archive(store_url)[0]) < len(days), timeout=60)
        daemon.wait_until(lambda: len(archive(store_url)[1]) < len(days), timeout=60)
        assert archive(store_url) == (kept, kept)
    finally:
        daemon.stop()
    assert daemon.proc.returncode == 0
    events = [
        json.loads(line)
        for line in (tmp_path / "serve.log").read_text().splitlines()
        if line.startswith("{")
    ]
    pruned = [e for e in events if e.get("event") == "prune"]
    assert [e["message"].split(" before ")[0] for e in pruned] == [
        "deleted 70 runs (70 SLI values)"
    ]
