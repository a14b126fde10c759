"""Overview: is anything burning? Every SLO of every service, what needs attention first."""

from __future__ import annotations

import streamlit as st

from app.app_pages import charts, shared
from cockpit.read import overview as page

st.title("Overview")
source = shared.key()
config, store = shared.cockpit(source)
if not config.services:
    st.info("No services in the config yet: add one under `services:` (see README.md).")
    st.stop()
if shared.empty_store_notice():
    st.stop()


HEADLINE = (
    ("firing", "Firing", "SLOs with an alert firing now"),
    ("stale", "Stale", "SLOs whose monitor has had no ok run for too long: the numbers are old"),
    ("burning", "Burning", "1h burn rate above 1: spending faster than the budget allows"),
    ("exhausted", "Exhausted", "no error budget left over the SLO window"),
    ("at_risk", "At risk", "less of the error budget left than alerting.at_risk_below (25%)"),
    ("healthy", "Healthy", None),
)


@st.fragment(run_every=shared.REFRESH)
def board() -> None:
    shared.daemon_banner(source)
    frame = shared.overview(source)
    counts = page.overview_counts(frame)
    *columns, last = st.columns(len(HEADLINE) + 1)
    for column, (status, label, hint) in zip(columns, HEADLINE, strict=True):
        column.metric(label, counts[status], help=hint or f"of {counts['slos']} SLOs")
    last.metric("Firing alerts", counts["active_alerts"])

    charts.table(
        charts.status_style(frame),
        column_order=charts.OVERVIEW_ORDER,
        column_config=charts.SLO_COLUMNS,
    )
    st.caption(shared.burn_rate_caption(source))

    st.subheader("Services")
    for row in page.service_badges(frame):
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
