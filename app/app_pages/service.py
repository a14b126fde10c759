"""Service: why is it burning? SLIs against their SLOs, budgets, each monitor's section (drift,
data quality, prediction quality, latency: whatever its kind draws) and the monitors' own
health. ``/service?service=NAME``."""

from __future__ import annotations

import streamlit as st

from app.app_pages import charts, shared
from cockpit.read import common
from cockpit.read import service as page

source = shared.key()
config, store = shared.cockpit(source)
names = common.service_names(config)
if not names:
    st.title("Service")
    st.info("No services in the config yet: add one under `services:` (see README.md).")
    st.stop()

asked = st.query_params.get("service")
unknown = common.unknown_service(config, asked)
if unknown:
    st.title("Service")
    shared.not_found(unknown, "app_pages/service.py", "service", {name: name for name in names})

title = st.empty()
service = st.selectbox(
    "Service", names, index=names.index(asked) if asked else 0, key="service_pick"
)
st.query_params["service"] = service
definition = config.service(service)
title.title(service)
st.caption(page.service_caption(definition))

if shared.empty_store_notice():
    st.stop()
asked_range, range_problem = page.range_from_query(st.query_params.get("range"))
if range_problem:
    st.warning(range_problem)
span = st.segmented_control("Range", list(page.RANGES), default=asked_range, key="service_range")
span = span or asked_range
st.query_params["range"] = page.range_code(span)
window = shared.time_range(source, service, span)
if window is None:
    st.info(f"No runs of {service} yet. " + common.empty_store_hint(source[0]))
    st.stop()
since, until = window
st.caption(f"Showing {since:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M} UTC (the newest data).")

# --- SLOs ----------------------------------------------------------------------------------------
st.header("SLOs")
summary = page.service_rows(shared.overview(source), service)
charts.table(
    charts.status_style(summary),
    column_order=charts.SERVICE_SLO_ORDER,
    column_config=charts.SLO_COLUMNS,
)
for slo, tab in zip(
    page.slos_of(config, service), st.tabs(page.slos_of(config, service)), strict=True
):
    with tab:
        left, right = st.columns(2)
        series = shared.sli_series(source, service, slo, since, until)
        burn = shared.budget_series(source, service, slo, since, until)
        with left:
            if series.empty:
                st.caption("No SLI values in this range.")
            else:
                st.altair_chart(
                    charts.sli(series, common.sli_spec(page.slo_of(config, service, slo)).label),
                )
        with right:
            if burn.empty:
                st.caption("No SLO evaluations in this range.")
            else:
                st.altair_chart(charts.budget(burn))

# --- model versions ------------------------------------------------------------------------------
served = shared.versions(source, service)
if not served.empty:
    st.header("Model versions")
    timeline = shared.release_timeline(source, service, since, until)
    if not timeline.empty:
        st.altair_chart(charts.release_timeline(timeline))
    charts.table(served)

# --- each monitor's section, drawn by its kind ---------------------------------------------------
for panel in shared.panels(source, service, since, until):
    charts.panel(panel)

# --- monitors ------------------------------------------------------------------------------------
st.header("Monitor runs")
health = shared.monitor_health(source, service)
charts.table(health["health"], column_config=charts.RUN_COLUMNS)
st.subheader("Failures and empty windows")
if health["failures"].empty:
    st.caption("Every run succeeded.")
else:
    charts.table(
        health["failures"], column_order=charts.RUN_ORDER, column_config=charts.RUN_COLUMNS
    )
with st.expander("Recent runs"):
    charts.table(health["recent"], column_order=charts.RUN_ORDER, column_config=charts.RUN_COLUMNS)
