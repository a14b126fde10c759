"""Alerts & actions: what fires and why, acks and silences, what was sent, what was done."""

from __future__ import annotations

import streamlit as st

from app.app_pages import charts, shared
from cockpit import ops
from cockpit.read import actions as action_reads
from cockpit.read import alerts as alert_reads
from cockpit.read import common
from cockpit.timefmt import utcnow

DEFAULT_SILENCE = "4h"
ANY = "any"

source, config, store, operator = shared.operator_page("Alerts & actions")
shared.daemon_banner(source)


@st.fragment(run_every=shared.REFRESH)
def alert_lists() -> None:
    st.header("Firing")
    firing = shared.alerts(source, True)
    if firing.empty:
        st.success("Nothing is firing.")
    else:
        st.caption(alert_reads.firing_summary(firing))
        charts.table(
            firing,
            column_order=charts.FIRING_ORDER,
            column_config=charts.ALERT_COLUMNS,
            key="firing_table",
        )
    st.header("Recent alerts")
    charts.table(
        shared.alerts(source, False),
        column_order=charts.ALERT_ORDER,
        column_config=charts.ALERT_COLUMNS,
    )


alert_lists()

# --- ack and silence -----------------------------------------------------------------------------
st.header("Acknowledge and silence")
firing = shared.alerts(source, True)
if operator is None:
    shared.sign_in_to("acknowledge alerts, silence them or approve actions")
else:
    ack_col, silence_col = st.columns(2)
    with ack_col, st.form("ack"):
        st.subheader("Acknowledge")
        labels = alert_reads.alert_choices(alert_reads.unacked(firing))
        choice = st.selectbox(
            "Firing alert (not yet acknowledged)",
            list(labels),
            format_func=labels.get,
            key="ack_alert",
            placeholder="No unacknowledged alert fires",
        )
        if st.form_submit_button("Acknowledge", disabled=not labels):
            shared.write(
                lambda: ops.ack(store, int(choice), operator.name, config),
                lambda acked: (
                    f"Alert {acked.id} ({acked.service}/{acked.slo}) acknowledged by "
                    f"{operator.name}: no more repeats until it resolves."
                ),
            )
    with silence_col, st.container(border=True):
        # Not a form: the SLO choices follow the chosen service.
        st.subheader("Silence")
        service = st.selectbox(
            "Service", [ANY, *common.service_names(config)], key="silence_service"
        )
        slos = alert_reads.silence_slo_choices(config, None if service == ANY else service)
        slo = st.selectbox("SLO", [ANY, *slos], key="silence_slo")
        severity = st.selectbox("Severity", [ANY, "page", "ticket"], key="silence_severity")
        duration = st.text_input(
            "For (like 30m, 2h, 1d12h)", value=DEFAULT_SILENCE, key="silence_for"
        )
        reason = st.text_input("Reason (what is being worked on, by whom)", key="silence_reason")
        if st.button("Silence", key="silence_submit"):
            shared.write(
                lambda: ops.add_silence(
                    store,
                    actor=operator.name,
                    reason=reason,
                    ends_at=utcnow() + alert_reads.silence_length(duration),
                    service=None if service == ANY else service,
                    slo=None if slo == ANY else slo,
                    severity=None if severity == ANY else severity,
                    config=config,
                ),
                lambda silence: (
                    f"Silence {silence.id} of {ops.matcher_text(silence)} until "
                    f"{silence.ends_at:%Y-%m-%d %H:%M} UTC: matching alerts are silenced now."
                ),
            )

st.subheader("Active silences")
active = shared.silences(source)
if active.empty:
    st.caption("No active silences.")
else:
    charts.table(active, column_config=charts.SILENCE_COLUMNS)
    if operator is not None:
        labels = alert_reads.silence_choices(active)
        with st.form("unsilence"):
            chosen = st.selectbox(
                "Silence", list(labels), format_func=labels.get, key="unsilence_pick"
            )
            if st.form_submit_button("End silence now"):
                shared.write(
                    lambda: ops.end_silence(store, int(chosen), operator.name, config),
                    lambda ended: (
                        f"Silence {ended.id} of {ops.matcher_text(ended)} ended by "
                        f"{operator.name}: matching alerts notify again."
                    ),
                )

# --- notifications -------------------------------------------------------------------------------
st.header("Notification log")
log = shared.notifications(source)
if log["outbox"].empty:
    st.caption(
        "Nothing sent yet (a backfill records history without notifying; Slack needs its webhook variable set)."
    )
else:
    charts.table(log["outbox"])
    with st.expander("Every delivery attempt"):
        charts.table(log["attempts"])

# --- actions -------------------------------------------------------------------------------------
st.header("Actions")
actions = shared.actions(source)
if actions.empty:
    st.caption("No retrain, rollback or custom action yet.")
else:
    charts.table(
        actions,
        column_config={
            "created_at": st.column_config.DatetimeColumn(
                "created (UTC)", format="YYYY-MM-DD HH:mm"
            )
        },
    )

pending = action_reads.pending_of(actions)
st.subheader(f"Waiting for approval ({len(pending)})")
if pending.empty:
    st.caption("No action waits for approval.")
elif operator is not None:
    with st.form("approve"):
        labels = action_reads.action_choices(pending)
        choice = st.selectbox("Action", list(labels), format_func=labels.get, key="approve_action")
        if st.form_submit_button("Approve"):
            shared.write(
                lambda: ops.approve_action(config, store, int(choice), operator.name),
                lambda approved: (
                    f"Action {approved.id} ({approved.do}) approved by "
                    f"{operator.name}: queued for delivery."
                ),
            )
else:
    charts.table(pending)

st.subheader("Trigger an action by hand")
rules = action_reads.action_rules(config)
if not rules:
    st.caption("No action rules in the config (`actions:` under a service).")
elif operator is None:
    st.caption("Sign in as an operator to trigger a retrain or a rollback by hand.")
else:
    daemon = shared.daemon_status(source)
    with st.form("trigger"):
        labels = {i: rule.label for i, rule in enumerate(rules)}
        index = st.selectbox("Rule", list(labels), format_func=labels.get, key="trigger_rule")
        reason = st.text_input("Reason", key="trigger_reason")
        confirmed = st.checkbox(
            "I understand this queues the webhook call now, outside the alert rules' cooldown "
            "and daily cap; the daemon delivers it within seconds.",
            key="trigger_confirm",
        )
        if not daemon["running"]:
            st.warning(
                f"{daemon['text']}: a triggered action waits in the outbox until then.",
                icon=":material/sync_problem:",
            )
        if st.form_submit_button("Trigger", type="primary"):
            rule = rules[index]
            if not confirmed:
                st.warning("Tick the confirmation first.")
            else:
                shared.write(
                    lambda: ops.trigger_manual_action(
                        config, store, rule.service, rule.index, actor=operator.name, reason=reason
                    ),
                    lambda action: action_reads.trigger_message(
                        action, operator.name, daemon["running"]
                    ),
                )
