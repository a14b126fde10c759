"""Service: why is it burning? SLIs against their SLOs, budgets, drift, data quality,
prediction quality, latency and the monitors' own health. ``/service?service=NAME``."""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

from app.app_pages import charts, shared
from cockpit import views
from cockpit.read import common

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
st.caption(views.service_caption(definition))

if shared.empty_store_notice():
    st.stop()
asked_range, range_problem = views.range_from_query(st.query_params.get("range"))
if range_problem:
    st.warning(range_problem)
span = st.segmented_control("Range", list(views.RANGES), default=asked_range, key="service_range")
span = span or asked_range
st.query_params["range"] = views.range_code(span)
window = shared.time_range(source, service, span)
if window is None:
    st.info(f"No runs of {service} yet. " + common.empty_store_hint(source[0]))
    st.stop()
since, until = window
st.caption(f"Showing {since:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M} UTC (the newest data).")

# --- SLOs ----------------------------------------------------------------------------------------
st.header("SLOs")
summary = views.service_rows(shared.overview(source), service)
st.dataframe(
    charts.status_style(summary),
    hide_index=True,
    column_order=charts.SERVICE_SLO_ORDER,
    column_config=charts.SLO_COLUMNS,
    placeholder=charts.MISSING,
)
for slo, tab in zip(
    views.slos_of(config, service), st.tabs(views.slos_of(config, service)), strict=True
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
                    charts.sli(series, common.sli_spec(views.slo_of(config, service, slo)).label),
                )
        with right:
            if burn.empty:
                st.caption("No SLO evaluations in this range.")
            else:
                st.altair_chart(charts.budget(burn))

# --- drift ---------------------------------------------------------------------------------------
for monitor in views.monitors_of(config, service, "drift"):
    st.header(f"Drift: {monitor}")
    drift = shared.drift(source, service, monitor, since, until)
    if drift["scores"].empty:
        st.caption("No drift scores in this range.")
    else:
        st.altair_chart(charts.heatmap(drift["scores"]))
        st.caption(
            "Colour: each column's drift score over its threshold (for p-value tests, the threshold "
            "over the p-value); above 1 the column drifted. The table has the newest raw scores."
        )
    st.dataframe(
        drift["latest"],
        hide_index=True,
        column_config={"score": st.column_config.NumberColumn(format="%.4f")},
        placeholder=charts.MISSING,
    )
    report = drift["report"]
    if report is None:
        st.caption(
            "No Evidently report stored for recent runs (set `report: true` on the drift monitor to keep one)."
        )
    elif st.toggle(
        f"Show the Evidently report of {report['at']:%Y-%m-%d %H:%M} UTC "
        f"({len(report['html']) / 1e6:.1f} MB)",
        key=f"report_{monitor}",
    ):
        components.html(report["html"], height=800, scrolling=True)

# --- data quality ----------------------------------------------------------------------------------
for monitor in views.monitors_of(config, service, "data_quality"):
    st.header(f"Data quality: {monitor}")
    quality = shared.data_quality(source, service, monitor, since, until)
    if quality["shares"].empty:
        st.caption("No data-quality measurements in this range.")
        continue
    st.dataframe(
        quality["summary"],
        column_config={
            c: st.column_config.NumberColumn(format="percent") for c in quality["summary"].columns
        },
        placeholder=charts.MISSING,
    )
    st.altair_chart(charts.shares(quality["shares"]))

# --- prediction quality ------------------------------------------------------------------------------
for monitor in views.monitors_of(config, service, "prediction_quality"):
    st.header(f"Prediction quality: {monitor}")
    quality = shared.prediction_quality(source, service, monitor, since, until)
    if quality["at"] is None:
        st.caption("No successful run yet (labels may not have arrived).")
        continue
    value = "n/a" if quality["value"] is None else f"{quality['value']:.4f}"
    st.metric(f"{quality['metric']} (newest run, {quality['at']:%Y-%m-%d %H:%M} UTC)", value)
    if not quality["series"].empty:
        metric = quality["metric"] or "value"
        st.altair_chart(
            charts.lines(
                quality["series"],
                "value",
                "name",
                metric,
                chart_title=f"{metric} per window",
                rules=views.slo_lines(config, service, monitor, metric),
            ),
        )
    by_version, by_slice = st.columns(2)
    by_version.subheader("By model version")
    by_version.dataframe(quality["by_model_version"], hide_index=True, placeholder=charts.MISSING)
    by_slice.subheader("By slice")
    by_slice.dataframe(quality["by_slice"], hide_index=True, placeholder=charts.MISSING)

# --- latency -------------------------------------------------------------------------------------
for monitor in views.monitors_of(config, service, "system"):
    st.header(f"System: {monitor}")
    system = shared.latency(source, service, monitor, since, until)
    if system["series"].empty:
        st.caption("No latency percentiles in this range.")
        continue
    st.altair_chart(
        charts.lines(
            system["series"],
            "ms",
            "percentile",
            "latency (ms)",
            system["threshold_ms"],
            chart_title=system["title"],
        ),
    )

# --- monitors ------------------------------------------------------------------------------------
st.header("Monitor runs")
health = shared.monitor_health(source, service)
st.dataframe(
    health["health"], hide_index=True, column_config=charts.RUN_COLUMNS, placeholder=charts.MISSING
)
st.subheader("Failures and empty windows")
if health["failures"].empty:
    st.caption("Every run succeeded.")
else:
    st.dataframe(
        health["failures"],
        hide_index=True,
        column_order=charts.RUN_ORDER,
        column_config=charts.RUN_COLUMNS,
        placeholder=charts.MISSING,
    )
with st.expander("Recent runs"):
    st.dataframe(
        health["recent"],
        hide_index=True,
        column_order=charts.RUN_ORDER,
        column_config=charts.RUN_COLUMNS,
        placeholder=charts.MISSING,
    )
