"""The sample scenario, backfilled: its incidents produce the expected pages, tickets and actions,
and the unit-change incident has a full timeline and a postmortem draft with its impact."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cockpit.config.loader import load_config
from cockpit.config.models import Config
from cockpit.engine.cycle import replay
from cockpit.read.actions import list_actions
from cockpit.read.alerts import list_alerts
from cockpit.read.incidents import export_markdown, get, list_incidents, timeline
from cockpit.read.postmortem import impact, postmortem
from cockpit.store import Store

# one worker sets up the module's shared fixtures once (pytest -n spreads tests over workers)
pytestmark = pytest.mark.xdist_group("scenario")


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# session-scoped though used here only: under pytest -n, tests of other modules may run between
# this module's tests on its worker, which would tear a module fixture down and backfill again
@pytest.fixture(scope="session")
def backfilled(
    scenario_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Store, dict, Config]:
    root = tmp_path_factory.mktemp("backfilled")
    config_path = root / "cockpit.yaml"
    config_path.write_text(
        (scenario_dir / "cockpit.yaml")
        .read_text()
        .replace("generated/", f"{scenario_dir}/generated/")
    )
    os.environ["COCKPIT_DATABASE_URL"] = f"sqlite:///{root / 'cockpit.db'}"
    try:
        config = load_config(config_path)
        store = Store(config.store_url())
    finally:
        del os.environ["COCKPIT_DATABASE_URL"]
    summary = json.loads((scenario_dir / "generated" / "scenario.json").read_text())
    replay(config, store, _t(summary["start"]), _t(summary["end"]))
    return store, summary, config


def event(summary: dict, service: str, kind: str) -> tuple[datetime, datetime]:
    found = next(e for e in summary["events"] if e["service"] == service and e["kind"] == kind)
    return _t(found["start"]), _t(found["end"])


def pages(store: Store, service: str, slo: str) -> list[dict]:
    return [
        a
        for a in list_alerts(store, firing_only=False, limit=1000)
        if (a["service"], a["slo"], a["severity"]) == (service, slo, "page")
    ]


@pytest.mark.parametrize(
    ("service", "slo", "incident", "within"),
    [
        ("loan-default", "valid-inputs", ("loan", "unit_change"), timedelta(hours=3)),
        ("loan-default", "no-drift", ("loan", "covariate_drift"), timedelta(days=4)),
        ("loan-default", "accurate", ("loan", "bad_model_version"), timedelta(days=2)),
        ("ad-ctr", "ctr-floor", ("ads", "bad_model_version"), timedelta(hours=12)),
        ("ad-ctr", "fast", ("ads", "latency_regression"), timedelta(hours=2)),
        ("ad-ctr", "canary-safe", ("ads", "canary_rollout"), timedelta(hours=12)),
    ],
    ids=[
        "the unit change pages on valid inputs within hours",
        "the slow drift pages on no-drift within days",
        "the bad loan model pages on accuracy (labels come a day late)",
        "the bad ads model pages on the CTR floor",
        "the latency regression pages on fast",
        "the worse v8 canary pages on canary-safe within its first twelve hours",
    ],
)
def test_each_written_incident_pages(
    backfilled, service: str, slo: str, incident: tuple[str, str], within: timedelta
) -> None:
    store, summary, _config = backfilled
    start, _end = event(summary, *incident)
    fired = [
        a for a in pages(store, service, slo) if start <= _t(a["started_at"]) <= start + within
    ]
    assert fired, pages(store, service, slo)


def test_no_page_before_the_first_incident(backfilled) -> None:
    store, summary, _config = backfilled
    first = min(_t(e["start"]) for e in summary["events"])
    early = [
        a
        for a in list_alerts(store, firing_only=False, limit=1000)
        if _t(a["started_at"]) < first and a["severity"] == "page"
    ]
    assert early == []


def test_retrain_and_rollback_fire_once_per_alert(backfilled) -> None:
    store, _summary, _config = backfilled
    actions = list_actions(store, limit=1000)
    kinds = {(a["service"], a["slo"], a["action"]) for a in actions}
    assert ("loan-default", "no-drift", "retrain") in kinds
    assert ("loan-default", "accurate", "rollback") in kinds
    assert ("ad-ctr", "ctr-floor", "rollback") in kinds
    assert ("ad-ctr", "canary-safe", "rollback") in kinds
    assert len({a["idempotency_key"] for a in actions}) == len(actions)
    assert all(a["status"] == "dry_run" for a in actions)  # a replay records, it does not send


def test_each_rollback_names_the_version_it_goes_back_to(backfilled) -> None:
    store, _summary, _config = backfilled
    went = {
        (a["service"], a["slo"], (a["reason"] or "").split(";")[0])
        for a in list_actions(store, limit=1000)
        if a["action"] == "rollback"
    }
    assert ("ad-ctr", "ctr-floor", "v7 -> v6") in went
    assert ("loan-default", "accurate", "v2 -> v1") in went
    assert ("ad-ctr", "canary-safe", "v8 -> v6") in went  # the canary's baseline


def test_the_unit_change_incident_has_a_timeline_and_an_impact(backfilled) -> None:
    store, summary, config = backfilled
    start, end = event(summary, "loan", "unit_change")
    incident_row = next(
        i
        for i in list_incidents(store)
        if i["service"] == "loan-default"
        and start <= _t(i["opened_at"]) <= start + timedelta(hours=3)
    )
    assert any(a["slo"] == "valid-inputs" for a in incident_row["alerts"])
    incident = get(store, incident_row["id"])
    assert incident.status == "resolved" and incident.resolved_at <= end + timedelta(days=1)
    events = [e.kind for e in timeline(store, incident.id)]
    assert events[0] == "alert_fired" and "alert_resolved" in events and events[-1] == "status"
    facts = impact(store, incident, config=config)
    burned = {i.slo: i.burned for i in facts.slos}
    assert burned["valid-inputs"] > 0.5  # hours of every row bad: most of a 28-day 99% budget
    assert facts.time_to_detect is not None and facts.time_to_detect < timedelta(hours=2)
    draft = postmortem(store, incident, config=config)
    assert "valid-inputs" in draft["impact"] and "budget burned" in draft["impact"]
    assert "height_cm" in draft["trigger"]
    markdown = export_markdown(store, incident.id, config=config)
    for heading in (
        "## Summary",
        "## Impact",
        "## Root causes",
        "## Trigger",
        "## Detection",
        "## Resolution",
        "## Action items",
        "## Lessons learned",
        "### Went well",
        "### Went wrong",
        "### Got lucky",
        "## Timeline",
    ):
        assert heading in markdown


def test_time_to_detect_runs_from_the_first_bad_timeslice_not_from_the_tier_window(
    backfilled,
) -> None:
    """The slow drift pages on the first drifted timeslice, whose window is a day of drifted
    data: time to detect runs from that window's start (the bad data was there), not 0 s from
    the moment the tier's window began to burn. Read independently off the stored runs."""
    store, summary, config = backfilled
    incident_row = next(
        i
        for i in list_incidents(store)
        if any(a["slo"] == "no-drift" and a["severity"] == "page" for a in i["alerts"])
    )
    incident = get(store, incident_row["id"])
    runs = [
        r
        for r in reversed(store.runs("loan-default", "feature-drift", until=incident.opened_at))
        if r.status == "ok"
    ]
    shares = dict(
        (at, value)
        for at, _m, _n, value in store.measurements(
            "loan-default", "feature-drift", ["drift_share"], until=incident.opened_at
        )
    )
    first_bad = None
    for run in reversed(runs):
        if shares[run.window_end] <= 0.3:
            break
        first_bad = run
    assert first_bad is not None
    facts = impact(store, incident, config=config)
    assert facts.burn_started_at == first_bad.window_start
    assert facts.time_to_detect == incident.opened_at - first_bad.window_start
    assert facts.time_to_detect >= timedelta(days=1)  # the drift monitor's window is a day
