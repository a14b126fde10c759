"""The cockpit's read models (cockpit/views.py) on a real SQLite store built by hand."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from cockpit import views
from cockpit.config.loader import parse_config
from cockpit.config.models import Config
from cockpit.read import common
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


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A real SQLite file, and a real PostgreSQL when COCKPIT_TEST_DATABASE_URL is set."""
    opened = Store(store_url)
    yield opened
    opened.close()


@pytest.fixture
def filled(store: Store) -> tuple[Config, Store]:
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
    return config, store


def test_overview_rows_sorted_by_what_needs_attention(filled: tuple[Config, Store]) -> None:
    config, store = filled
    frame = views.overview(store, config)
    assert list(zip(frame["service"], frame["slo"], frame["status"], strict=True)) == [
        ("svc-0", "valid", "firing"),  # its page fires: first, though its budget is spent too
        ("svc-0", "no-drift", "burning"),
        ("svc-1", "no-drift", "healthy"),  # less budget left than svc-1/valid
        ("svc-1", "valid", "healthy"),
        ("svc-2", "no-drift", "no_data"),
        ("svc-2", "valid", "no_data"),
    ]
    first = frame.iloc[0]
    assert first["budget_remaining"] == -0.5  # the newest evaluation, not the older one
    assert first["burn_1h"] == 30.0
    assert first["sli"] == pytest.approx(0.5)  # good/total of the newest run: 40/80
    assert first["active_alerts"] == 1
    assert first["link"] == "/service?service=svc-0"
    drift = frame.iloc[1]
    assert drift["sli"] == 0.5 and drift["sli_name"] == "drift_share <= 0.3"


def test_overview_takes_the_sli_of_the_newest_ok_run_when_the_newest_failed(
    filled: tuple[Config, Store],
) -> None:
    config, store = filled
    row = views.overview(store, config).set_index(["service", "slo"]).loc[("svc-1", "valid")]
    assert row["monitor_status"] == "failed"
    assert not row["monitors_healthy"]
    assert row["failing_monitors"] == "quality"
    assert row["sli"] == pytest.approx(199 / 200)
    assert row["last_run_at"] == END


def test_overview_query_count_does_not_grow_with_services(store: Store) -> None:
    statements: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    counts = []
    for n in (2, 20):
        config = make_config(n)
        store.save_slo_evaluations(
            [
                evaluation(f"svc-{i}", slo, END, 0.5)
                for i in range(n)
                for slo in ("valid", "no-drift")
            ]
        )
        store.save_runs(
            [
                quality_run(f"svc-{i}", END, 9, 10, status="failed" if i % 2 else "ok")
                for i in range(n)
            ]
        )
        statements.clear()
        assert len(views.overview(store, config)) == 2 * n
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 6


def test_overview_counts_and_service_badges(filled: tuple[Config, Store]) -> None:
    config, store = filled
    frame = views.overview(store, config)
    assert views.overview_counts(frame) == {
        "firing": 1,
        "stale": 0,
        "burning": 1,
        "exhausted": 0,
        "at_risk": 0,
        "healthy": 2,
        "no_data": 2,  # svc-2: valid has no events yet, no-drift was never evaluated
        "active_alerts": 1,
        "slos": 6,
    }
    badges = views.service_badges(frame)
    assert [(b["service"], b["status"]) for b in badges] == [
        ("svc-0", "firing"),
        ("svc-1", "healthy"),
        ("svc-2", "no_data"),
    ]
    assert badges[0]["summary"] == "1 firing, 1 burning of 2 SLOs; 1 alert firing"
    assert badges[1]["summary"] == "all healthy of 2 SLOs; failing monitors: quality"


def test_overview_of_an_empty_store(store: Store) -> None:
    config = make_config(2)
    assert common.is_empty(store)
    frame = views.overview(store, config)
    assert set(frame["status"]) == {"no_data"}
    assert frame["monitor_status"].eq("never run").all()


def test_sli_series_of_an_occurrence_slo_is_good_over_total(filled: tuple[Config, Store]) -> None:
    config, store = filled
    series = views.sli_series(store, config, "svc-0", "valid")
    assert series["value"].tolist() == pytest.approx([0.9, 0.5])
    assert series["threshold"].tolist() == [0.99, 0.99]


def test_sli_series_of_a_timeslice_slo_is_its_condition_sli(filled: tuple[Config, Store]) -> None:
    config, store = filled
    series = views.sli_series(store, config, "svc-0", "no-drift")
    assert series["value"].tolist() == [0.0, 0.5]
    assert series["threshold"].tolist() == [0.3, 0.3]


def test_long_series_are_bucketed_keeping_true_ratios(store: Store) -> None:
    config = make_config(1)
    runs = [quality_run("svc-0", END - STEP * i, 100 - (i % 2) * 50, 100) for i in range(2000)]
    store.save_runs(runs)
    series = views.sli_series(store, config, "svc-0", "valid")
    assert len(series) <= views.MAX_POINTS
    # every 15-minute bucket holds 3 runs: 150/200 or 200/300 alternately -> never a mean of ratios
    assert set(series["value"].round(4)) <= {0.75, 0.8333, 0.6667, 0.5, 1.0}


def test_budget_series_reads_the_kept_evaluations(filled: tuple[Config, Store]) -> None:
    _config, store = filled
    series = views.budget_series(store, "svc-0", "valid")
    assert series["budget_remaining"].tolist() == [0.2, -0.5]
    assert series["alert_severity"].tolist() == [None, "page"]


def test_drift_scores_matrix_and_latest(filled: tuple[Config, Store]) -> None:
    config, store = filled
    scores = views.drift_scores(store, config, "svc-0", "drift")
    matrix = views.drift_matrix(scores)
    assert list(matrix.columns) == ["x", "y"]
    assert matrix.loc[END].tolist() == [0.01, 0.3]
    latest = views.drift_latest(store, "svc-0", "drift")
    assert latest.iloc[0]["column"] == "x" and bool(latest.iloc[0]["drifted"])
    # ks is a p-value test: severity = threshold / p, above 1 when drifted
    newest = scores[scores["at"] == END].set_index("column")["severity"]
    assert newest["x"] == pytest.approx(0.05 / 0.01)
    assert newest["y"] == pytest.approx(0.05 / 0.3)


def test_drift_report_is_none_without_a_stored_report(filled: tuple[Config, Store]) -> None:
    config, store = filled
    assert views.drift_report(store, config, "svc-0", "drift") is None


def test_drift_report_reads_the_newest_stored_html(store: Store, tmp_path: Path) -> None:
    config = make_config(1)
    report = tmp_path / "report.html"
    report.write_text("<html>drift report</html>")
    run = drift_run("svc-0", END, 0.1, {"x": 0.5})
    store.save_run(RunRecord(**{**run.__dict__, "details": {"report_path": str(report)}}))
    found = views.drift_report(store, config, "svc-0", "drift")
    assert found is not None and found["html"] == "<html>drift report</html>"
    report.unlink()
    assert views.drift_report(store, config, "svc-0", "drift") is None


def test_data_quality_shares_and_summary(filled: tuple[Config, Store]) -> None:
    config, store = filled
    shares = views.data_quality_shares(store, config, "svc-0", "quality")
    assert set(shares["check"]) == {"out_of_range", "missing"}
    summary = views.data_quality_summary(shares)
    assert summary.loc["x", "worst out_of_range"] == pytest.approx(0.5)
    assert summary.loc["x", "latest out_of_range"] == pytest.approx(0.5)
    assert summary.loc["y", "worst missing"] == 0.0


def test_monitor_health_counts_runs_and_keeps_the_last_error(filled: tuple[Config, Store]) -> None:
    config, store = filled
    health = views.monitor_health(store, config, "svc-1").set_index("monitor")
    assert health.loc["quality", "last_status"] == "failed"
    assert health.loc["quality", "ok"] == 1 and health.loc["quality", "failed"] == 1
    assert health.loc["quality", "last_error"] == "boom: source unreachable"
    assert health.loc["drift", "last_status"] == "never run"
    failures = views.run_history(store, "svc-1", failures_only=True)
    assert failures["status"].tolist() == ["failed"]
    assert failures["error"].tolist() == ["boom: source unreachable"]


def test_run_history_explains_windows_without_data(store: Store) -> None:
    empty = RunRecord(
        service="svc-0",
        monitor="quality",
        kind="data_quality",
        window_start=END - STEP,
        window_end=END,
        status="no_data",
        details={"reason": "no rows in the window", "rows": 0},
    )
    store.save_runs([quality_run("svc-0", END - STEP, 9, 10), empty])
    history = views.run_history(store, "svc-0")
    assert history["status"].tolist() == ["no_data", "ok"]
    assert history["error"].tolist() == ["no rows in the window", None]


def test_time_range_ends_at_the_newest_data(filled: tuple[Config, Store]) -> None:
    _config, store = filled
    assert views.time_range(store, "svc-0", "last 24 hours") == (END - timedelta(days=1), END)
    assert views.time_range(store, "svc-2", "last 24 hours") is None


def test_unknown_service_names_it_and_the_services() -> None:
    config = make_config(2)
    assert common.unknown_service(config, None) is None  # no link: the picker chooses
    assert common.unknown_service(config, "svc-1") is None
    message = common.unknown_service(config, "svc-9")
    assert message is not None
    assert "'svc-9'" in message and "svc-0, svc-1" in message
