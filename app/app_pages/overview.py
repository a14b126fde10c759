"""Overview: is anything burning? Every SLO of every service, what needs attention first."""

from __future__ import annotations

import streamlit as st

from app.app_pages import charts, shared
from cockpit import views

st.title("Overview")
source = shared.key()
config, store = shared.cockpit(source)
if not config.services:
    st.info("No services in the config yet: add one under `services:` (see README.md).")
    st.stop()
if shared.empty_store_notice():
    st.stop()


@st.fragment(run_every=shared.REFRESH)
def board() -> None:
    frame = shared.overview(source)
    counts = views.overview_counts(frame)
    exhausted, burning, healthy, alerts = st.columns(4)
    exhausted.metric("Exhausted", counts["exhausted"], help="SLOs with no error budget left")
    burning.metric(
        "Burning", counts["burning"], help="an alert tier is active or the 1h burn rate exceeds 1"
    )
    healthy.metric("Healthy", counts["healthy"], help=f"of {counts['slos']} SLOs")
    alerts.metric("Firing alerts", counts["active_alerts"])

    st.dataframe(
        charts.status_style(frame),
        hide_index=True,
        column_order=charts.OVERVIEW_ORDER,
        column_config=charts.SLO_COLUMNS,
    )
    st.caption(
        "Burn rate 1 spends the error budget exactly over the SLO window; the page tiers fire at "
        "14.4 (1h) and 6 (6h), the ticket tiers at 3 (1d) and 1 (3d) for a 30-day window."
    )

    st.subheader("Services")
    for row in views.service_badges(frame):
        st.page_link(
            "app_pages/service.py",
            label=f"{row['service']}: {row['summary']}",
            icon=charts.STATUS_ICONS[row["status"]],
            query_params={"service": row["service"]},
        )

    st.subheader("Open incidents")
    open_now = shared.open_incidents(source)
    if open_now.empty:
        st.caption("None open.")
    for incident in open_now.to_dict("records"):
        st.page_link(
            "app_pages/incidents.py",
            label=f"#{incident['id']} {incident['title']} ({incident['status']})",
            icon=":material/emergency:",
            query_params={"incident": str(incident["id"])},
        )


board()
