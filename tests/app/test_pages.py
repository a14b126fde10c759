"""Every cockpit page under Streamlit's AppTest: a new install's empty store, and the sample
scenario replayed across its unit-change incident (loan-default, 2026-10-10 14:00Z), with
each write an operator can make from the pages.

The backfilled store is built once per session; tests that write work on a copy of it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button, Element

from cockpit import auth, ops
from cockpit.config.loader import load_config
from cockpit.kinds.drift import drift_report
from cockpit.read import incidents
from cockpit.read import postmortem as pm
from cockpit.read.panels import StoreReader
from cockpit.store import ActionRecord, Alert, Audit, Incident, Outbox, Silence, Store
from slo.status import STATUS_RANK

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app" / "streamlit_app.py"
PAGES = {
    "overview": "app_pages/overview.py",
    "service": "app_pages/service.py",
    "alerts": "app_pages/alerts.py",
    "incidents": "app_pages/incidents.py",
}
START = datetime(2026, 10, 9, tzinfo=UTC)
END = datetime(2026, 10, 11, 12, tzinfo=UTC)  # after the unit change (10-10 14:00 to 10-11 10:00)
TOKEN = "test-operator-token-7f3a"
OPERATOR = "Ada Operator"


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_streamlit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No cached read or open store leaks from one test into the next; no operator token."""
    for name in ("COCKPIT_CONFIG", "COCKPIT_DATABASE_URL", auth.TOKEN_ENV):
        monkeypatch.delenv(name, raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="session")
def backfilled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample scenario replayed from 10-09 to 10-11 12:00Z; returns its config path."""
    from cockpit.engine.cycle import replay
    from demo.scenario import prepare

    config_path, _summary = prepare(tmp_path_factory.mktemp("scenario"))
    config = load_config(config_path)
    store = Store(config.store_url())
    replay(config, store, START, END)  # keeps the newest drift report
    store.close()
    return config_path


@pytest.fixture
def scenario(backfilled: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Read-only tests: the shared backfilled store."""
    monkeypatch.setenv("COCKPIT_CONFIG", str(backfilled))
    return backfilled


@pytest.fixture
def writable(backfilled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A copy of the backfilled store for a test that writes, with the operator token set."""
    source = load_config(backfilled).store_url().removeprefix("sqlite:///")
    copy = tmp_path / "cockpit.db"
    with sqlite3.connect(source) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("COCKPIT_CONFIG", str(backfilled))
    monkeypatch.setenv("COCKPIT_DATABASE_URL", url)
    monkeypatch.setenv(auth.TOKEN_ENV, TOKEN)
    return Store(url)


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new install: the sample config and a store nothing has run against."""
    config_path = tmp_path / "cockpit.yaml"
    shutil.copyfile(ROOT / "sample_data" / "cockpit.yaml", config_path)
    (tmp_path / "generated").mkdir()  # where the sample config keeps its store
    monkeypatch.setenv("COCKPIT_CONFIG", str(config_path))
    return config_path


# --- helpers ---------------------------------------------------------------------------------


def open_page(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    if page != "overview":
        at.switch_page(PAGES[page]).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def button(at: AppTest, label: str) -> Button:
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r} among {[b.label for b in at.button]}"
    return found[0]


def sign_in(at: AppTest, name: str = OPERATOR, token: str = TOKEN) -> AppTest:
    at.text_input(key="auth_name").input(name)
    at.text_input(key="auth_token").input(token)
    button(at, "Sign in").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def texts(elements: Iterable[Element]) -> str:
    return "\n".join(str(e.value) for e in elements)


def frames(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def loan_incident(store: Store) -> Incident:
    rows = [i for i in incidents.list_incidents(store) if i["service"] == "loan-default"]
    valid = [i for i in rows if any(a["slo"] == "valid-inputs" for a in i["alerts"])]
    assert valid, f"no loan-default valid-inputs incident in {rows}"
    return incidents.get(store, valid[-1]["id"])


def firing_alert(store: Store) -> Alert:
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(Alert).where(Alert.state == "firing").order_by(Alert.id).limit(1)
        ).first()
    assert row is not None, "the replay left no alert firing"
    return Alert.model_validate(row._mapping)


def audits(store: Store, action: str) -> list[Audit]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(Audit).where(Audit.action == action))
        return [Audit.model_validate(r._mapping) for r in rows]


# --- a new install ---------------------------------------------------------------------------


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_of_a_new_install_says_what_to_do(page: str, empty: Path) -> None:
    at = open_page(page)
    hint = texts(at.info)
    assert f"cockpit backfill {empty}" in hint
    assert f"cockpit serve {empty}" in hint
    assert not at.dataframe  # nothing pretends to be data


def test_without_a_config_the_cockpit_says_how_to_start() -> None:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert "cockpit ui CONFIG" in texts(at.error)


def test_a_broken_config_is_shown_plainly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "cockpit.yaml"
    bad.write_text("version: cockpit/v1\nservices: [{name: x}]\n")
    monkeypatch.setenv("COCKPIT_CONFIG", str(bad))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert "The cockpit cannot start" in texts(at.error)
    assert "services[0]" in texts(at.error)


# --- reading the backfilled scenario ----------------------------------------------------------


def test_overview_puts_the_broken_data_quality_slo_first(scenario: Path) -> None:
    at = open_page("overview")
    table = frames(at)[0]
    first = table.iloc[0]
    assert (first["service"], first["slo"]) == ("loan-default", "valid-inputs")
    assert first["status"] == "firing"  # its ticket still fires, the budget is overspent too
    assert first["budget_remaining"] < 0
    assert set(table["service"]) == {"loan-default", "ad-ctr"}
    assert len(table) == 8  # every SLO of the sample config
    ranks = table["status"].map(STATUS_RANK)
    assert ranks.is_monotonic_increasing
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Firing"]) >= 1
    assert int(metrics["Firing alerts"]) >= 1
    links = [link.value for link in at.get("page_link")]
    assert any(link.startswith("loan-default: 1 firing") for link in links), links
    assert any("loan-default: valid-inputs burning" in link for link in links), links


@pytest.mark.parametrize("service", ["loan-default", "ad-ctr"])
def test_service_page_follows_the_query_parameter(scenario: Path, service: str) -> None:
    at = open_page("service", service=service)
    assert at.title[0].value == service
    assert at.selectbox(key="service_pick").value == service
    slos = frames(at)[0]
    assert set(slos["slo"]) == {slo.name for slo in load_config(scenario).service(service).slos}
    headers = texts(at.header)
    assert "SLOs" in headers and "Monitor runs" in headers
    assert len(at.get("vega_lite_chart")) >= 3  # SLI, budget, drift heatmap at least


def test_service_page_without_a_query_parameter_shows_the_first_service(scenario: Path) -> None:
    at = open_page("service")
    assert at.title[0].value == "loan-default"
    assert at.selectbox(key="service_pick").value == "loan-default"
    at.selectbox(key="service_pick").select("ad-ctr").run()
    assert at.title[0].value == "ad-ctr"
    assert set(frames(at)[0]["slo"]) == {"valid-inputs", "ctr-floor", "fast", "canary-safe"}


def links(at: AppTest) -> dict[str, tuple[str, str]]:
    """Each page link on the page: ``{label: (page's URL path, query string)}``."""
    return {
        link.proto.label: (link.proto.page, link.proto.query_string) for link in at.get("page_link")
    }


def test_an_unknown_service_is_named_with_links_to_the_services(scenario: Path) -> None:
    at = open_page("service", service="nope")
    error = texts(at.error)
    assert "'nope'" in error and "loan-default" in error and "ad-ctr" in error
    assert links(at) == {
        "loan-default": ("service", "service=loan-default"),
        "ad-ctr": ("service", "service=ad-ctr"),
    }
    assert not at.dataframe  # no other service's data
    assert not [s for s in at.selectbox if s.key == "service_pick"]
    assert [t.value for t in at.title] == ["Service"]


@pytest.mark.parametrize(
    ("asked", "named"),
    [("999", "#999"), ("abc", "'abc'")],
    ids=["an id no incident has", "not an id at all"],
)
def test_an_unknown_incident_is_named_with_links_to_the_incidents(
    scenario: Path, asked: str, named: str
) -> None:
    known = incidents.list_incidents(Store(load_config(scenario).store_url()))
    assert known and "999" not in {str(i["id"]) for i in known}
    at = open_page("incidents", incident=asked)
    assert named in texts(at.error)
    assert set(links(at).values()) == {("incidents", f"incident={i['id']}") for i in known}
    assert not [s for s in at.selectbox if s.key == "incident_pick"]
    assert not [h for h in at.header if h.value.startswith("#")]  # no other incident opened
    assert not at.get("download_button")


def test_incidents_page_without_a_query_parameter_opens_the_newest(scenario: Path) -> None:
    store = Store(load_config(scenario).store_url())
    newest = incidents.list_incidents(store)[0]
    at = open_page("incidents")
    assert at.selectbox(key="incident_pick").value == newest["id"]
    assert f"#{newest['id']} " in texts(at.header)


def test_service_page_shows_the_unit_change_in_data_quality_and_drift(scenario: Path) -> None:
    at = open_page("service", service="loan-default")
    summaries = [f for f in frames(at) if "worst out_of_range" in getattr(f, "columns", [])]
    assert summaries, "no data-quality summary"
    assert summaries[0].loc["height_cm", "worst out_of_range"] == pytest.approx(1.0)
    assert summaries[0].loc["age", "worst out_of_range"] == pytest.approx(0.0)
    assert not at.get("iframe")  # the Evidently report (MBs) is sent only when asked for
    at.toggle(key="report_feature-drift").set_value(True).run()
    [report] = at.get("iframe")
    config = load_config(scenario)
    stored = drift_report(
        StoreReader(Store(config.store_url()), config, "loan-default", "feature-drift")
    )
    assert stored is not None and report.proto.srcdoc == stored["html"]
    assert "height_cm" in stored["html"]
    headers = texts(at.header)
    assert "Drift: feature-drift" in headers
    assert "Data quality: input-quality" in headers
    assert "Prediction quality: accuracy" in headers
    assert "System: latency" in headers


def test_alerts_page_lists_the_scenarios_alerts(scenario: Path) -> None:
    at = open_page("alerts")
    recent = [f for f in frames(at) if "evidence" in getattr(f, "columns", [])]
    assert recent, "no alerts table"
    alerts = recent[-1]
    valid = alerts[(alerts["service"] == "loan-default") & (alerts["slo"] == "valid-inputs")]
    page = valid[valid["severity"] == "page"]
    assert len(page) == 1
    assert "height_cm" in page.iloc[0]["evidence"]  # why it fired: the column that broke
    assert page.iloc[0]["link"] == "/service?service=loan-default"
    assert "Sign in as an operator" in texts(at.info)  # read-only without a token
    assert not [b for b in at.button if b.label == "Acknowledge"]


def test_incidents_page_opens_the_unit_change_incident(scenario: Path) -> None:
    store = Store(load_config(scenario).store_url())
    incident = loan_incident(store)
    at = open_page("incidents", incident=str(incident.id))
    assert at.selectbox(key="incident_pick").value == incident.id
    assert f"#{incident.id} loan-default" in texts(at.header)
    impact, _alerts, timeline = (f for f in frames(at)[1:4])
    row = impact.set_index("slo").loc["valid-inputs"]
    assert row["burned"] > 0
    assert timeline["what"].str.contains("page alert fired: valid-inputs").any()
    assert at.get("download_button"), "no Markdown download"
    shown = texts(at.markdown)
    assert "## Impact" in shown and "of the error budget burned" in shown  # read-only view


# --- who may write ---------------------------------------------------------------------------


def test_read_only_without_an_operator_token(scenario: Path) -> None:
    at = open_page("incidents")
    assert "Read-only" in texts(at.sidebar.caption)
    assert not [b for b in at.button if b.label in ("Sign in", "Add note", "Save postmortem")]


def test_a_wrong_token_is_refused(writable: Store) -> None:
    at = sign_in(open_page("alerts"), token="guess")
    assert "wrong operator token" in texts(at.error)
    assert not [b for b in at.button if b.label == "Acknowledge"]


def test_the_right_token_signs_in_under_the_given_name(writable: Store) -> None:
    at = sign_in(open_page("alerts"))
    assert f"**Operator:** {OPERATOR}" in texts(at.sidebar.markdown)
    assert button(at, "Acknowledge")


def test_with_oidc_configured_operators_log_in_instead_of_typing_a_token(
    writable: Store,
) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "not-a-secret",
        "client_id": "cockpit",
        "client_secret": "not-a-secret",
        "server_metadata_url": "https://id.example/.well-known/openid-configuration",
    }
    at.switch_page(PAGES["incidents"]).run()
    assert not at.exception
    labels = [b.label for b in at.button]
    assert "Log in" in labels and "Sign in" not in labels  # the token form is off
    assert not [t for t in at.text_input if t.key == "auth_token"]
    assert "Sign in as an operator" in texts(at.info)  # still read-only until logged in


# --- writes ------------------------------------------------------------------------------------


def test_ack_a_firing_alert(writable: Store) -> None:
    alert = firing_alert(writable)
    at = sign_in(open_page("alerts"))
    at.selectbox(key="ack_alert").select(alert.id)
    button(at, "Acknowledge").click()
    at.run()
    assert f"acknowledged by {OPERATOR}" in texts(at.success)
    with writable.engine.connect() as conn:
        acked = conn.execute(sa.select(Alert.acked_by).where(Alert.id == alert.id)).scalar()
    assert acked == OPERATOR
    assert [a.target for a in audits(writable, "ack") if a.actor == OPERATOR] == [
        f"alert:{alert.id}"
    ]


def test_silence_needs_a_reason_then_is_recorded(writable: Store) -> None:
    at = sign_in(open_page("alerts"))
    at.selectbox(key="silence_service").select("loan-default")
    button(at, "Silence").click()
    at.run()
    assert "needs a reason" in texts(at.error)
    at.text_input(key="silence_reason").input("upstream fix for height units deploying (Ada)")
    button(at, "Silence").click()
    at.run()
    assert "Silence" in texts(at.success)
    with writable.engine.connect() as conn:
        silences = [Silence.model_validate(r._mapping) for r in conn.execute(sa.select(Silence))]
    assert [(s.service, s.slo, s.created_by) for s in silences] == [
        ("loan-default", None, OPERATOR)
    ]
    lasts = silences[0].ends_at - silences[0].starts_at
    assert abs(lasts - timedelta(hours=4)) < timedelta(minutes=1)  # the default "4 hours"
    active = [f for f in frames(at) if {"reason", "ends_at"} <= set(f.columns)]
    assert active and "height units" in active[0].iloc[0]["reason"]


def test_approve_a_pending_action(writable: Store) -> None:
    with writable.engine.begin() as conn:
        action_id = conn.execute(
            sa.insert(ActionRecord.__table__).values(
                service="loan-default",
                slo="no-drift",
                severity="page",
                do="retrain",
                webhook="ci-retrain",
                rule=0,
                status="pending_approval",
                reason="waits for an operator's approval",
                idempotency_key="test-pending-approval",
                created_at=END,
            )
        ).inserted_primary_key[0]
    at = sign_in(open_page("alerts"))
    assert "Waiting for approval (1)" in texts(at.subheader)
    at.selectbox(key="approve_action").select(action_id)
    button(at, "Approve").click()
    at.run()
    assert f"approved by {OPERATOR}" in texts(at.success)
    with writable.engine.connect() as conn:
        action = ActionRecord.model_validate(
            conn.execute(sa.select(ActionRecord).where(ActionRecord.id == action_id)).one()._mapping
        )
        outbox = conn.execute(sa.select(Outbox).where(Outbox.action_id == action_id)).all()
    assert (action.status, action.approved_by) == ("queued", OPERATOR)
    assert len(outbox) == 1
    assert "Waiting for approval (0)" in texts(at.subheader)


def test_manual_trigger_needs_confirmation(writable: Store) -> None:
    def manual() -> list[ActionRecord]:
        with writable.engine.connect() as conn:
            rows = conn.execute(sa.select(ActionRecord).where(ActionRecord.severity == "manual"))
            return [ActionRecord.model_validate(r._mapping) for r in rows]

    at = sign_in(open_page("alerts"))
    at.text_input(key="trigger_reason").input("retrain on the fixed heights")
    button(at, "Trigger").click()
    at.run()
    assert "Tick the confirmation first" in texts(at.warning)
    assert manual() == []
    at.checkbox(key="trigger_confirm").check()
    button(at, "Trigger").click()
    at.run()
    [action] = manual()
    assert (action.service, action.do, action.status, action.approved_by) == (
        "loan-default",
        "retrain",
        "queued",
        OPERATOR,
    )
    assert "retrain on the fixed heights" in (action.reason or "")
    assert f"Action {action.id}: retrain for loan-default queued" in texts(at.success)
    with writable.engine.connect() as conn:
        queued = conn.execute(sa.select(Outbox).where(Outbox.action_id == action.id)).all()
    assert len(queued) == 1
    log = next(f for f in frames(at) if "idempotency_key" in f.columns and "state" in f.columns)
    sent = log[log["action_id"] == action.id]
    assert sent[["kind", "target", "state"]].values.tolist() == [
        ["webhook", "ci-retrain", "queued"]
    ]
    assert [a.actor for a in audits(writable, "manual_action")] == [OPERATOR]


def test_add_a_note_and_set_the_status(writable: Store) -> None:
    incident = loan_incident(writable)
    at = sign_in(open_page("incidents", incident=str(incident.id)))
    at.text_area(key="incident_note").input("Upstream team confirmed metres since 14:00.")
    button(at, "Add note").click()
    at.run()
    assert "Note added" in texts(at.success)
    timeline = frames(at)[3]
    note = timeline[timeline["kind"] == "note"]
    assert note.iloc[-1]["what"] == "Upstream team confirmed metres since 14:00."
    assert note.iloc[-1]["who"] == OPERATOR

    at.selectbox(key="incident_status").select("postmortem_in_review")
    button(at, "Set status").click()
    at.run()
    assert {m.label: m.value for m in at.metric}["Status"] == "postmortem in review"
    assert incidents.get(writable, incident.id or 0).status == "postmortem_in_review"
    assert [a.actor for a in audits(writable, "incident_status")] == [OPERATOR]


def test_save_the_postmortem_then_export_it(writable: Store) -> None:
    incident = loan_incident(writable)
    key = f"pm_{incident.id}"
    at = sign_in(open_page("incidents", incident=str(incident.id)))
    assert "Lasted" in at.text_area(key=f"{key}_impact").value  # the computed draft
    at.text_area(key=f"{key}_root_causes").input("An upstream release sent height in metres.")
    button(at, "Save postmortem").click()
    at.run()
    assert f"Postmortem saved (version {incident.version + 1})" in texts(at.success)
    saved = incidents.get(writable, incident.id or 0)
    assert saved.version == incident.version + 1 and saved.updated_by == OPERATOR
    markdown = incidents.export_markdown(
        writable, incident.id or 0, config=load_config(os.environ["COCKPIT_CONFIG"])
    )
    assert "## Root causes\n\nAn upstream release sent height in metres." in markdown
    assert at.text_area(key=f"{key}_root_causes").value == (
        "An upstream release sent height in metres."
    )


def test_a_stale_postmortem_save_is_refused(writable: Store) -> None:
    incident = loan_incident(writable)
    key = f"pm_{incident.id}"
    at = sign_in(open_page("incidents", incident=str(incident.id)))
    # Someone else saves while this page is open.
    ops.save_postmortem(
        writable,
        incident.id or 0,
        {"root_causes": "Grace's analysis"},
        based_on_version=incident.version,
        actor="Grace",
    )
    st.cache_data.clear()  # as when the page's cached reads expire: it now sees version 2
    at.text_area(key=f"{key}_root_causes").input("Ada's analysis")
    button(at, "Save postmortem").click()
    at.run()
    assert "Someone saved this postmortem since you opened it" in texts(at.warning)
    error = texts(at.error)
    assert "changed since you opened it" in error and "Grace" in error
    stored = pm.postmortem(
        writable,
        incidents.get(writable, incident.id or 0),
        config=load_config(os.environ["COCKPIT_CONFIG"]),
    )
    assert stored["root_causes"] == "Grace's analysis"
    button(at, "Reload the latest version").click()
    at.run()
    assert at.text_area(key=f"{key}_root_causes").value == "Grace's analysis"


# --- what on-call reads: the screen says what is happening -------------------------------------


def specs(at: AppTest) -> list[dict]:
    import json

    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def layers(spec: dict) -> list[dict]:
    return spec.get("layer") or [spec]


def test_overview_burn_columns_run_from_5m_to_3d_and_the_caption_quotes_28_day_tiers(
    scenario: Path,
) -> None:
    at = open_page("overview")
    order = list(at.dataframe[0].proto.column_order)
    burns = [c for c in order if c.startswith("burn_")]
    assert burns == ["burn_5m", "burn_1h", "burn_6h", "burn_1d", "burn_3d"]
    caption = texts(at.caption)
    assert "13.44 (1h)" in caption and "5.6 (6h)" in caption and "2.8 (1d)" in caption
    assert "14.4" not in caption  # the 30-day factors, wrong for these 28-day SLOs


def test_overview_says_no_daemon_runs(scenario: Path) -> None:
    at = open_page("overview")
    assert "No daemon has run against this store" in texts(at.warning)


def test_a_running_daemon_is_said_on_the_overview(writable: Store) -> None:
    import os
    import socket

    from cockpit.store import utcnow

    writable.beat(socket.gethostname(), os.getpid(), "active", utcnow())
    at = open_page("overview")
    assert "Daemon running: active on" in texts(at.caption)
    assert "No daemon" not in texts(at.warning)


def test_a_stopped_feed_reads_stale_on_the_overview(writable: Store) -> None:
    """The loan feed stops: the daemon keeps recording no_data runs for 40 windows of the
    5-minute monitor. valid-inputs reads stale, monitors are not ok, and the service says which
    monitor has no data."""
    from cockpit.store import RunRecord

    last = writable.latest_run("loan-default", "input-quality")
    assert last is not None
    empty = [
        RunRecord(
            service="loan-default",
            monitor="input-quality",
            kind="data_quality",
            window_start=last.window_end + timedelta(minutes=5 * i),
            window_end=last.window_end + timedelta(minutes=5 * (i + 1)),
            status="no_data",
            details={"reason": "no rows in the window"},
        )
        for i in range(40)
    ]
    writable.save_runs(empty)
    at = open_page("overview")
    table = frames(at)[0].set_index(["service", "slo"])
    row = table.loc[("loan-default", "valid-inputs")]
    assert row["status"] in ("firing", "stale")  # its ticket still fires; else it reads stale
    # ad-ctr's feed goes on: none of its SLOs is stale
    assert (table.loc["ad-ctr"]["status"] != "stale").all()
    assert not row["monitors_healthy"]
    assert row["monitor_status"] == "stale"
    links = [link.value for link in at.get("page_link")]
    [loan] = [link for link in links if link.startswith("loan-default:")]
    assert "no data from: " in loan and "input-quality" in loan.split("no data from: ")[1]


def test_service_page_keeps_the_range_in_the_url(scenario: Path) -> None:
    at = open_page("service", service="loan-default", range="3d")
    assert at.segmented_control(key="service_range").value == "last 3 days"
    assert at.query_params["range"] == ["3d"] or at.query_params["range"] == "3d"
    at.segmented_control(key="service_range").set_value("last 24 hours").run()
    assert at.query_params["range"] in (["24h"], "24h")
    wrong = open_page("service", service="loan-default", range="1y")
    assert "Unknown range '1y'" in texts(wrong.warning)


def test_service_charts_have_a_time_axis_titles_and_slo_lines(scenario: Path) -> None:
    at = open_page("service", service="loan-default")
    charts = specs(at)
    heatmap = next(c for c in charts if c.get("title") == "Drift per column")
    assert heatmap["encoding"]["x"]["type"] == "temporal"  # a time axis, not hidden ordinals
    assert heatmap["encoding"]["x"]["axis"]["title"] == "time (UTC)"
    accuracy = next(c for c in charts if c.get("title") == "accuracy per window")
    rules = [layer for layer in layers(accuracy) if layer["mark"]["type"] == "rule"]
    assert rules, "no SLO line on the accuracy chart"
    latency = next(c for c in charts if "Latency percentiles" in str(c.get("title")))
    assert "fast: 0.99 of requests under 300 ms" in latency["title"]
    assert [layer for layer in layers(latency) if layer["mark"]["type"] == "rule"]


def test_the_silence_form_offers_the_chosen_services_slos_and_any_duration(
    writable: Store,
) -> None:
    at = sign_in(open_page("alerts"))
    at.selectbox(key="silence_service").select("ad-ctr").run()
    options = at.selectbox(key="silence_slo").options
    assert "ctr-floor" in options and "no-drift" not in options  # no-drift is loan-default's
    at.selectbox(key="silence_slo").select("ctr-floor")
    at.text_input(key="silence_for").input("90m")
    at.text_input(key="silence_reason").input("ctr dashboard migrating")
    button(at, "Silence").click()
    at.run()
    with writable.engine.connect() as conn:
        [silence] = [Silence.model_validate(r._mapping) for r in conn.execute(sa.select(Silence))]
    assert (silence.service, silence.slo) == ("ad-ctr", "ctr-floor")
    assert abs(silence.ends_at - silence.starts_at - timedelta(minutes=90)) < timedelta(minutes=1)
    at.text_input(key="silence_for").input("soon")
    at.text_input(key="silence_reason").input("again")
    button(at, "Silence").click()
    at.run()
    assert "silence length" in texts(at.error)


def test_a_silence_shows_on_the_firing_alert_at_once_and_ends_from_the_page(
    writable: Store,
) -> None:
    alert = firing_alert(writable)
    at = sign_in(open_page("alerts"))
    at.selectbox(key="silence_service").select(alert.service).run()
    at.selectbox(key="silence_slo").select(alert.slo)
    at.text_input(key="silence_for").input("2h")
    at.text_input(key="silence_reason").input("fix deploying")
    button(at, "Silence").click()
    at.run()
    firing = next(f for f in frames(at) if "silenced" in f.columns)
    assert bool(firing.set_index("id").loc[alert.id, "silenced"]) is True
    button(at, "End silence now").click()
    at.run()
    assert "ended by" in texts(at.success)
    firing = next(f for f in frames(at) if "silenced" in f.columns)
    assert bool(firing.set_index("id").loc[alert.id, "silenced"]) is False
    assert "No active silences." in texts(at.caption)


def test_an_acked_alert_is_not_offered_for_ack_again(writable: Store) -> None:
    alert = firing_alert(writable)
    ops.ack(writable, alert.id or 0, "Grace")
    at = sign_in(open_page("alerts"))
    assert alert.id not in at.selectbox(key="ack_alert").options


# --- the canary story ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def canary_backfilled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample scenario replayed across the v8 canary of ad-ctr (10-27 10:00Z to 10-28
    04:00Z, worse than v6 beside it)."""
    from cockpit.engine.cycle import replay
    from demo.scenario import prepare

    config_path, _summary = prepare(tmp_path_factory.mktemp("canary"))
    config = load_config(config_path)
    store = Store(config.store_url())
    replay(config, store, datetime(2026, 10, 27, tzinfo=UTC), datetime(2026, 10, 28, tzinfo=UTC))
    store.close()
    return config_path


def test_service_page_shows_the_canary_release_and_its_verdict(
    canary_backfilled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COCKPIT_CONFIG", str(canary_backfilled))
    at = open_page("service", service="ad-ctr")
    headers = texts(at.header)
    assert "Model versions" in headers and "Canary: canary" in headers
    [served] = [f for f in frames(at) if "requests" in getattr(f, "columns", [])]
    assert set(served["version"]) == {"v6", "v8"}
    v8 = served[served["version"] == "v8"].iloc[0]
    assert v8["serving"].startswith("now, ")  # the newest version in the newest hour
    assert 0.05 < float(v8["serving"].removeprefix("now, ").rstrip("%")) / 100 < 0.15
    shown = {m.label: m.value for m in at.metric}
    assert shown["worse"] == "yes"
    assert shown["ctr delta (v8 - v6)"].startswith("-")
    timeline = next(c for c in specs(at) if c.get("title") == "Release timeline")
    assert timeline["encoding"]["color"]["field"] == "version"
