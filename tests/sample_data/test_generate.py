"""The sample scenario: seeded, shaped as documented, and every incident visible in the data."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp
from sklearn.metrics import accuracy_score

from sample_data.generate import generate, scenario_events

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 10, 1, tzinfo=UTC)
END = START + timedelta(days=30)
LATENCY_THRESHOLD_MS = 300.0

LOAN_COLUMNS = {
    "ts": "datetime64[ns, UTC]",
    "request_id": "object",
    "age": "int64",
    "income": "float64",
    "height_cm": "float64",
    "plan": "object",
    "credit_score": "float64",
    "score": "float64",
    "model_version": "object",
    "latency_ms": "float64",
    "error": "bool",
}
ADS_COLUMNS = {
    "ts": "datetime64[ns, UTC]",
    "request_id": "object",
    "country": "object",
    "device": "object",
    "ctr_pred": "float64",
    "model_version": "object",
    "impressions": "int64",
    "clicks": "int64",
    "latency_ms": "float64",
    "error": "bool",
}


def at(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def read_days(folder: Path) -> pd.DataFrame:
    return pd.concat(
        [pd.read_parquet(path) for path in sorted(folder.glob("day-*.parquet"))],
        ignore_index=True,
    )


def day_of(path: Path) -> pd.Timestamp:
    """The UTC day a ``day-YYYY-MM-DD.parquet`` file is named for."""
    return pd.Timestamp(path.stem.removeprefix("day-"), tz="UTC")


def between(frame: pd.DataFrame, start: str, end: str, column: str = "ts") -> pd.Series:
    return (frame[column] >= at(start)) & (frame[column] < at(end))


def digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("generated")
    return out, generate(out, seed=7)


@pytest.fixture(scope="module")
def loan(scenario: tuple[Path, dict]) -> pd.DataFrame:
    return read_days(scenario[0] / "loan" / "logs")


@pytest.fixture(scope="module")
def loan_reference(scenario: tuple[Path, dict]) -> pd.DataFrame:
    return pd.read_parquet(scenario[0] / "loan" / "reference.parquet")


@pytest.fixture(scope="module")
def labels(scenario: tuple[Path, dict]) -> pd.DataFrame:
    return read_days(scenario[0] / "loan" / "labels")


@pytest.fixture(scope="module")
def ads(scenario: tuple[Path, dict]) -> pd.DataFrame:
    return read_days(scenario[0] / "ads" / "logs")


# --- the summary and the story ---------------------------------------------------------------


def test_the_summary_tells_the_story_and_is_written_beside_the_data(
    scenario: tuple[Path, dict],
) -> None:
    out, summary = scenario
    assert json.loads((out / "scenario.json").read_text()) == summary
    assert (summary["seed"], summary["start"], summary["end"]) == (
        7,
        "2026-10-01T00:00:00Z",
        "2026-10-31T00:00:00Z",
    )
    assert [(e["service"], e["kind"], e["start"], e["end"]) for e in summary["events"]] == [
        ("loan", "unit_change", "2026-10-10T14:00:00Z", "2026-10-11T10:00:00Z"),
        ("loan", "covariate_drift", "2026-10-15T00:00:00Z", "2026-10-31T00:00:00Z"),
        ("ads", "bad_model_version", "2026-10-17T10:00:00Z", "2026-10-18T16:00:00Z"),
        ("loan", "bad_model_version", "2026-10-20T09:00:00Z", "2026-10-22T09:00:00Z"),
        ("ads", "latency_regression", "2026-10-24T12:00:00Z", "2026-10-25T06:00:00Z"),
        ("ads", "canary_rollout", "2026-10-27T10:00:00Z", "2026-10-28T04:00:00Z"),
    ]
    assert all(event["description"] for event in summary["events"])


def test_events_follow_the_start_and_are_clipped_to_a_short_scenario() -> None:
    start = datetime(2025, 3, 1, 6, tzinfo=UTC)
    events = scenario_events(start, start + timedelta(days=15))
    assert [(e.service, e.kind) for e in events] == [
        ("loan", "unit_change"),
        ("loan", "covariate_drift"),
    ]
    assert events[0].start == datetime(2025, 3, 10, 20, tzinfo=UTC)
    assert events[1].end == start + timedelta(days=15)


def test_a_naive_start_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        generate(tmp_path, start=datetime(2026, 10, 1), days=1)


# --- determinism -----------------------------------------------------------------------------


def test_the_same_seed_writes_the_same_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    first, again, other = tmp_path / "first", tmp_path / "again", tmp_path / "other"
    generate(first, seed=7, days=3)
    generate(again, seed=7, days=3)
    generate(other, seed=8, days=3)

    assert digests(first) == digests(again)
    for part in ("loan/logs", "loan/labels", "ads/logs"):
        pd.testing.assert_frame_equal(read_days(first / part), read_days(again / part))
    for part in ("loan/logs", "ads/logs"):
        assert not read_days(first / part).equals(read_days(other / part))


def test_a_rerun_in_the_same_folder_replaces_the_day_files(tmp_path: Path) -> None:
    generate(tmp_path, seed=7, days=3)
    generate(tmp_path, seed=7, days=2)
    assert len(list((tmp_path / "loan" / "logs").glob("day-*.parquet"))) == 2
    assert len(list((tmp_path / "ads" / "logs").glob("day-*.parquet"))) == 2


# --- shape -----------------------------------------------------------------------------------


def test_row_counts_follow_the_arrival_rates(scenario: tuple[Path, dict]) -> None:
    out, summary = scenario
    assert 40_000 < summary["rows"]["loan"] < 47_000  # about 1 a minute for 30 days
    assert 82_000 < summary["rows"]["ads"] < 91_000  # about 2 a minute
    assert 9_500 < len(pd.read_parquet(out / "loan" / "reference.parquet")) < 10_700
    assert 19_000 < len(pd.read_parquet(out / "ads" / "reference.parquet")) < 21_300


def test_the_daily_cycle_is_busiest_in_the_afternoon(loan: pd.DataFrame) -> None:
    per_hour = loan.groupby(loan["ts"].dt.hour).size()
    assert per_hour[14] > 2 * per_hour[2]


@pytest.mark.parametrize(
    ("service", "columns"),
    [("loan", LOAN_COLUMNS), ("ads", ADS_COLUMNS)],
    ids=["loan logs have the documented columns", "ads logs have the documented columns"],
)
def test_each_day_file_holds_its_day_sorted_with_the_documented_columns(
    scenario: tuple[Path, dict], service: str, columns: dict[str, str]
) -> None:
    out, _ = scenario
    files = sorted((out / service / "logs").glob("day-*.parquet"))
    assert [f.name for f in files[:2]] == ["day-2026-10-01.parquet", "day-2026-10-02.parquet"]
    assert len(files) == 30
    for path in files:
        day = pd.read_parquet(path)
        assert {c: str(t) for c, t in day.dtypes.items()} == columns
        assert day["ts"].is_monotonic_increasing
        assert (day["ts"].dt.floor("D") == day_of(path)).all()
    reference = pd.read_parquet(out / service / "reference.parquet")
    assert {c: str(t) for c, t in reference.dtypes.items()} == columns
    assert reference["ts"].min() >= at("2026-09-24T00:00Z")
    assert reference["ts"].max() < at("2026-10-01T00:00Z")


def test_request_ids_are_unique_across_reference_and_logs(
    loan: pd.DataFrame, loan_reference: pd.DataFrame, ads: pd.DataFrame
) -> None:
    ids = pd.concat([loan_reference["request_id"], loan["request_id"]])
    assert ids.is_unique
    assert ids.str.fullmatch(r"loan-\d{7}").all()
    assert ads["request_id"].is_unique
    assert ads["request_id"].str.startswith("ads-").all()


def test_loan_features_lie_in_their_documented_ranges(loan: pd.DataFrame) -> None:
    assert loan["age"].between(18, 90).all()
    assert set(loan["plan"]) == {"basic", "pro", "premium"}
    assert loan["credit_score"].between(300, 850).all()
    assert loan["score"].between(0, 1).all()
    assert 40_000 < loan["income"].median() < 65_000
    assert 0.0002 < loan["error"].mean() < 0.003


def test_ads_rows_are_single_impressions_with_a_normal_ctr(ads: pd.DataFrame) -> None:
    assert (ads["impressions"] == 1).all()
    assert set(ads["clicks"]) == {0, 1}
    assert set(ads["device"]) == {"mobile", "desktop", "tablet"}
    assert ads["country"].nunique() == 6
    assert ads["ctr_pred"].between(0, 1).all()
    assert 0.0002 < ads["error"].mean() < 0.003


# --- incidents -------------------------------------------------------------------------------


def test_during_the_unit_change_every_height_is_in_metres(
    loan: pd.DataFrame, loan_reference: pd.DataFrame
) -> None:
    during = between(loan, "2026-10-10T14:00Z", "2026-10-11T10:00Z")
    assert during.sum() > 500
    assert (loan.loc[during, "height_cm"] < 30).all()
    assert loan.loc[~during, "height_cm"].between(140, 210).all()
    assert loan_reference["height_cm"].between(140, 210).all()


def test_model_v2_is_far_less_accurate_than_v1(loan: pd.DataFrame, labels: pd.DataFrame) -> None:
    joined = loan.merge(labels, on="request_id", validate="one_to_one")
    predicted = (joined["score"] >= 0.5).astype(int)
    v2 = between(joined, "2026-10-20T09:00Z", "2026-10-22T09:00Z")
    assert (joined.loc[v2, "model_version"] == "v2").all()
    assert (joined.loc[~v2, "model_version"] == "v1").all()

    v1_accuracy = accuracy_score(joined.loc[~v2, "defaulted"], predicted[~v2])
    v2_accuracy = accuracy_score(joined.loc[v2, "defaulted"], predicted[v2])
    assert 0.87 < v1_accuracy < 0.94
    assert 0.55 < v2_accuracy < 0.75


def test_labels_arrive_about_a_day_later_and_only_until_the_end(
    loan: pd.DataFrame, labels: pd.DataFrame, scenario: tuple[Path, dict]
) -> None:
    joined = loan.merge(labels, on="request_id", validate="one_to_one")
    delay = joined["labelled_at"] - joined["ts"]
    assert delay.between(pd.Timedelta(hours=20), pd.Timedelta(hours=28)).all()
    assert labels["labelled_at"].max() < at("2026-10-31T00:00Z")
    assert len(labels) >= (loan["ts"] < at("2026-10-29T20:00Z")).sum()  # all due have arrived
    assert set(labels["defaulted"]) == {0, 1}
    for path in (scenario[0] / "loan" / "labels").glob("day-*.parquet"):
        day = pd.read_parquet(path)
        assert (day["labelled_at"].dt.floor("D") == day_of(path)).all()


def test_the_covariate_drift_shows_in_a_ks_test_against_the_reference(
    loan: pd.DataFrame, loan_reference: pd.DataFrame
) -> None:
    day = loan["ts"].dt.floor("D")
    second_day = loan[day == at("2026-10-02T00:00Z")]
    eighteenth_day = loan[day == at("2026-10-18T00:00Z")]
    last_day = loan[day == at("2026-10-30T00:00Z")]
    for column in ("income", "credit_score"):
        reference = loan_reference[column]
        assert ks_2samp(second_day[column], reference).pvalue > 0.01, column
        assert ks_2samp(eighteenth_day[column], reference).pvalue < 0.05, column
        assert ks_2samp(last_day[column], reference).pvalue < 1e-6, column
    assert last_day["income"].mean() > 1.4 * loan_reference["income"].mean()
    assert last_day["credit_score"].mean() < loan_reference["credit_score"].mean() - 60
    for column in ("age", "height_cm"):
        assert ks_2samp(last_day[column], loan_reference[column]).pvalue > 0.01, column


def test_model_v7_halves_the_click_through_rate(ads: pd.DataFrame) -> None:
    v7 = between(ads, "2026-10-17T10:00Z", "2026-10-18T16:00Z")
    canary = between(ads, "2026-10-27T10:00Z", "2026-10-28T04:00Z")
    assert (ads.loc[v7, "model_version"] == "v7").all()
    assert (ads.loc[~v7 & ~canary, "model_version"] == "v6").all()
    ctr = ads.groupby(v7)["clicks"].sum() / ads.groupby(v7)["impressions"].sum()
    assert ctr[True] < 0.12
    assert ctr[False] > 0.15


def test_the_v8_canary_serves_a_tenth_of_requests_clicked_half_as_often(ads: pd.DataFrame) -> None:
    during = ads[between(ads, "2026-10-27T10:00Z", "2026-10-28T04:00Z")]
    v8 = during["model_version"] == "v8"
    assert set(during["model_version"]) == {"v6", "v8"}
    assert 0.08 < v8.mean() < 0.12
    assert (
        ads.loc[~between(ads, "2026-10-27T10:00Z", "2026-10-28T04:00Z"), "model_version"] != "v8"
    ).all()
    ctr = during.groupby(v8)["clicks"].sum() / during.groupby(v8)["impressions"].sum()
    assert 0.35 < ctr[True] / ctr[False] < 0.65


def test_the_latency_regression_pushes_most_requests_over_the_threshold(
    ads: pd.DataFrame, loan: pd.DataFrame
) -> None:
    slow = between(ads, "2026-10-24T12:00Z", "2026-10-25T06:00Z")
    during, outside = ads.loc[slow, "latency_ms"], ads.loc[~slow, "latency_ms"]
    assert during.quantile(0.95) > LATENCY_THRESHOLD_MS
    assert (during > LATENCY_THRESHOLD_MS).mean() > 0.5
    assert outside.quantile(0.99) < LATENCY_THRESHOLD_MS
    assert 30 < outside.median() < 50
    assert loan["latency_ms"].quantile(0.99) < LATENCY_THRESHOLD_MS


# --- command line ----------------------------------------------------------------------------


def test_the_command_line_prints_the_summary(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sample_data.generate", "--out", str(tmp_path), "--days", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    printed = json.loads(done.stdout)
    assert printed == json.loads((tmp_path / "scenario.json").read_text())
    assert (printed["seed"], printed["end"]) == (7, "2026-10-02T00:00:00Z")
    assert np.isclose(printed["rows"]["loan"], 1440, rtol=0.1)
