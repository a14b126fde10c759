"""How things look: Altair charts of the read models from ``cockpit.read``, taken as they are,
status colours and icons, the tables' column settings, and one renderer per block of a monitor's
panel (:mod:`cockpit.read.panels`), so a kind's section is drawn without the page knowing it."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
import streamlit.components.v1 as components
from pandas.io.formats.style import Styler

from cockpit.read import panels
from cockpit.read.overview import OVERVIEW_WINDOWS

STATUS_COLORS = {
    "firing": "#b71c1c",
    "stale": "#6a1b9a",
    "burning": "#e65100",
    "exhausted": "#c62828",
    "at_risk": "#f9a825",
    "healthy": "#2e7d32",
    "no_data": "#757575",
}
STATUS_ICONS = {
    "firing": ":material/notifications_active:",
    "stale": ":material/hourglass_disabled:",
    "burning": ":material/local_fire_department:",
    "exhausted": ":material/error:",
    "at_risk": ":material/warning:",
    "healthy": ":material/check_circle:",
    "no_data": ":material/help:",
}
OVERVIEW_ORDER = [
    "status", "service", "slo", "budget_remaining", "burn_5m", "burn_1h", "burn_6h", "burn_1d",
    "burn_3d", "active_alerts", "sli", "sli_name", "objective", "last_ok_at", "monitor_status",
    "monitors_healthy", "link",
]  # fmt: skip
SERVICE_SLO_ORDER = [
    "status", "slo", "budget_remaining", "burn_5m", "burn_1h", "burn_6h", "burn_1d", "burn_3d",
    "active_alerts", "sli", "sli_name", "objective", "last_ok_at", "window", "method",
]  # fmt: skip
FIRING_ORDER = [
    "id", "service", "slo", "severity", "started_at", "evidence", "burn_rate", "windows",
    "budget_remaining", "acked_by", "silenced", "notifications", "link",
]  # fmt: skip
ALERT_ORDER = [
    "id", "service", "slo", "severity", "state", "started_at", "resolved_at", "evidence",
    "burn_rate", "windows", "budget_remaining", "acked_by", "silenced", "link",
]  # fmt: skip
UTC_MINUTES = "YYYY-MM-DD HH:mm"
MISSING = "–"  # what a table shows for a value that does not exist (no events, not set)


def table(data: Any, **options: Any) -> Any:
    """A table as every page shows one: no index, ``MISSING`` where a value does not exist."""
    return st.dataframe(data, hide_index=True, placeholder=MISSING, **options)


ALERT_COLUMNS: dict[str, Any] = {
    "started_at": st.column_config.DatetimeColumn("started (UTC)", format=UTC_MINUTES),
    "resolved_at": st.column_config.DatetimeColumn("resolved (UTC)", format=UTC_MINUTES),
    "evidence": st.column_config.TextColumn("evidence", width="large"),
    "burn_rate": st.column_config.NumberColumn("burn rate", format="%.1f"),
    "windows": st.column_config.TextColumn("windows (long/short)"),
    "budget_remaining": st.column_config.NumberColumn("budget left", format="percent"),
    "acked_by": st.column_config.TextColumn("acked by"),
    "link": st.column_config.LinkColumn("service page", display_text="open"),
}
INCIDENT_COLUMNS: dict[str, Any] = {
    "opened_at": st.column_config.DatetimeColumn("opened (UTC)", format=UTC_MINUTES),
    "started_at": st.column_config.DatetimeColumn("started (UTC)", format=UTC_MINUTES),
    "resolved_at": st.column_config.DatetimeColumn("resolved (UTC)", format=UTC_MINUTES),
    "acked_by": st.column_config.TextColumn("acked by"),
    "at": st.column_config.DatetimeColumn("time (UTC)", format=UTC_MINUTES),
    "what": st.column_config.TextColumn(width="large"),
    "budget_before": st.column_config.NumberColumn("budget before", format="percent"),
    "budget_after": st.column_config.NumberColumn("budget after", format="percent"),
    "burned": st.column_config.NumberColumn("budget burned", format="percent"),
}
SILENCE_COLUMNS: dict[str, Any] = {
    "starts_at": st.column_config.DatetimeColumn("from (UTC)", format=UTC_MINUTES),
    "ends_at": st.column_config.DatetimeColumn("until (UTC)", format=UTC_MINUTES),
    "reason": st.column_config.TextColumn(width="large"),
    "created_by": st.column_config.TextColumn("by"),
}
RUN_ORDER = ["monitor", "status", "window_end", "error", "kind", "window_start", "duration_s"]
RUN_COLUMNS: dict[str, Any] = {
    "window_start": st.column_config.DatetimeColumn("window start (UTC)", format=UTC_MINUTES),
    "window_end": st.column_config.DatetimeColumn("window end (UTC)", format=UTC_MINUTES),
    "last_run_at": st.column_config.DatetimeColumn("last run (UTC)", format=UTC_MINUTES),
    "last_status": st.column_config.TextColumn("last status"),
    "no_data": st.column_config.NumberColumn("no data"),
    "error": st.column_config.TextColumn(width="large"),
    "last_error": st.column_config.TextColumn("last error", width="large"),
    "duration_s": st.column_config.NumberColumn("duration (s)", format="%.3f"),
}
SLO_COLUMNS: dict[str, Any] = {
    "status": st.column_config.TextColumn("status"),
    "objective": st.column_config.NumberColumn("objective", format="percent"),
    "sli": st.column_config.NumberColumn("current SLI", format="%.4f"),
    "sli_name": st.column_config.TextColumn("SLI (good when)"),
    "budget_remaining": st.column_config.ProgressColumn(
        "error budget left", min_value=0.0, max_value=1.0, format="percent", color="auto"
    ),
    **{
        f"burn_{w}": st.column_config.NumberColumn(f"burn {w}", format="%.2f")
        for w in OVERVIEW_WINDOWS
    },
    "active_alerts": st.column_config.NumberColumn("alerts"),
    "last_run_at": st.column_config.DatetimeColumn("last run (UTC)", format="YYYY-MM-DD HH:mm"),
    "last_ok_at": st.column_config.DatetimeColumn(
        "SLI as of (UTC)", format="YYYY-MM-DD HH:mm", help="window end of the newest ok run"
    ),
    "monitor_status": st.column_config.TextColumn("monitor"),
    "monitors_healthy": st.column_config.CheckboxColumn("monitors ok"),
    "link": st.column_config.LinkColumn("details", display_text="open"),
}


def status_style(frame: pd.DataFrame) -> Styler:
    """The status column in its colour."""
    return frame.style.map(
        lambda s: f"color: {STATUS_COLORS.get(s, '#000')}; font-weight: 600", subset=["status"]
    )


UTC_AXIS = alt.Axis(format="%b %d %H:%M", title="time (UTC)", labelAngle=0)


def _time(field: str = "at") -> alt.X:
    return alt.X(f"{field}:T", axis=UTC_AXIS, scale=alt.Scale(type="utc"))


def sli(series: pd.DataFrame, label: str) -> alt.LayerChart:
    """The SLI with its SLO threshold as a dashed red rule."""
    line = (
        alt.Chart(series)
        .mark_line(point=len(series) < 60)
        .encode(
            x=_time(),
            y=alt.Y("value:Q", title=label.split(" ")[0], scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("at:T", format="%Y-%m-%d %H:%M"),
                alt.Tooltip("value:Q", format=".4f"),
            ],
        )
    )
    rule = (
        alt.Chart(series.head(1))
        .mark_rule(color="#d62728", strokeDash=[6, 4])
        .encode(y="threshold:Q", tooltip=[alt.Tooltip("threshold:Q", title=label)])
    )
    return (line + rule).properties(height=220, title=f"SLI: {label}")


def budget(series: pd.DataFrame) -> alt.LayerChart:
    """Error budget remaining over time, with the zero line (budget exhausted)."""
    area = (
        alt.Chart(series)
        .mark_area(line=True, opacity=0.35)
        .encode(
            x=_time(),
            y=alt.Y("budget_remaining:Q", title="budget remaining", axis=alt.Axis(format="%")),
            tooltip=[
                alt.Tooltip("at:T", format="%Y-%m-%d %H:%M"),
                alt.Tooltip("budget_remaining:Q", format=".1%"),
                alt.Tooltip("burn_1h:Q", format=".2f"),
                alt.Tooltip("alert_severity:N"),
            ],
        )
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#d62728").encode(y="y:Q")
    return (area + zero).properties(height=220, title="Error budget burn-down")


def release_timeline(frame: pd.DataFrame) -> alt.Chart:
    """Each model version's share of requests per window, stacked: a release as it rolls out."""
    return (
        alt.Chart(frame)
        .mark_area(opacity=0.8, interpolate="step-after")
        .encode(
            x=_time("start"),
            y=alt.Y("share:Q", title="share of requests", stack="zero", axis=alt.Axis(format="%")),
            color=alt.Color("version:N", title="model version"),
            tooltip=[
                alt.Tooltip("start:T", format="%Y-%m-%d %H:%M"),
                alt.Tooltip("version:N"),
                alt.Tooltip("rows:Q", title="requests"),
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
        .properties(height=180, title="Release timeline")
    )


# --- a monitor's panel ---------------------------------------------------------------------


def panel(shown: panels.Panel) -> None:
    """A monitor's section: its header, then each block in order."""
    st.header(shown.title)
    for block in shown.blocks:
        _block(block, shown.key)


def _block(block: panels.Block, key: str) -> None:
    if isinstance(block, panels.Caption):
        st.caption(block.text)
    elif isinstance(block, panels.Metric):
        st.metric(block.label, block.value)
    elif isinstance(block, panels.Heatmap):
        st.altair_chart(heatmap(block))
    elif isinstance(block, panels.Lines):
        st.altair_chart(lines(block))
    elif isinstance(block, panels.Table):
        if block.title:
            st.subheader(block.title)
        st.dataframe(
            block.data,
            hide_index=block.hide_index,
            column_config={
                column: st.column_config.NumberColumn(format=fmt)
                for column, fmt in block.formats.items()
            },
            placeholder=MISSING,
        )
    elif isinstance(block, panels.Report):
        if st.toggle(block.label, key=f"{block.name}_{key}"):
            components.html(block.html, height=800, scrolling=True)
    elif isinstance(block, panels.Row):
        for column, inner in zip(st.columns(len(block.blocks)), block.blocks, strict=True):
            with column:
                _block(inner, key)
    else:
        raise TypeError(f"no renderer for a panel block {type(block).__name__!r}")


def heatmap(block: panels.Heatmap) -> alt.Chart:
    """One row per ``block.row`` over time: each cell spans its run's interval, coloured by
    ``block.color`` (for drift, the severity: 1 at the threshold)."""
    data = block.data
    return (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=alt.X(f"{block.start}:T", axis=UTC_AXIS, scale=alt.Scale(type="utc")),
            x2="at:T",
            y=alt.Y(f"{block.row}:N", title=None, axis=alt.Axis(labelOverlap=False)),
            color=alt.Color(
                f"{block.color}:Q",
                scale=alt.Scale(scheme="orangered", domain=list(block.domain), clamp=True),
                title=block.color_title,
            ),
            tooltip=[
                alt.Tooltip("at:T", format="%Y-%m-%d %H:%M"),
                f"{block.row}:N",
                alt.Tooltip(f"{block.value}:Q", format=".4f"),
                alt.Tooltip(f"{block.color}:Q", format=".2f", title="x threshold"),
            ],
        )
        .properties(height=max(160, 36 * data[block.row].nunique()), title=block.title)
    )


def lines(block: panels.Lines) -> alt.Chart | alt.LayerChart | alt.FacetChart:
    """A few series over time, with rules (SLO thresholds) as dashed red lines; one small chart
    per ``block.facet`` value when it is set."""
    tooltip = [alt.Tooltip("at:T", format="%Y-%m-%d %H:%M"), f"{block.color}:N"]
    if block.facet:
        tooltip.append(f"{block.facet}:N")
    tooltip.append(alt.Tooltip(f"{block.y}:Q", format=".2%" if block.percent else ".3f"))
    chart = (
        alt.Chart(block.data)
        .mark_line()
        .encode(
            x=_time(),
            y=alt.Y(
                f"{block.y}:Q",
                title=block.y_title,
                # a share reads from zero; a metric's line shows its own range
                scale=alt.Scale(zero=block.percent),
                axis=alt.Axis(format="%") if block.percent else alt.Axis(),
            ),
            tooltip=tooltip,
        )
    )
    if block.facet:  # small multiples, in the theme's colours
        return (
            chart.encode(color=alt.Color(f"{block.color}:N"))
            .properties(height=140, width=260)
            .facet(facet=alt.Facet(f"{block.facet}:N", title=None), columns=2)
            .properties(title=block.title)
        )
    chart = chart.encode(
        color=alt.Color(f"{block.color}:N", title=None, scale=alt.Scale(scheme="category10"))
    ).properties(height=220)
    if not block.rules:
        return chart.properties(title=block.title)
    marks = pd.DataFrame([{"threshold": r.value, "label": r.label} for r in block.rules])
    rule = (
        alt.Chart(marks)
        .mark_rule(color="#d62728", strokeDash=[6, 4])
        .encode(y="threshold:Q", tooltip=[alt.Tooltip("label:N", title="SLO")])
    )
    return (chart + rule).properties(title=block.title)
