"""How things look: Altair charts of the read models from ``cockpit.views``, taken as they
are, status colours and icons, and the tables' column settings."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from cockpit import views

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
        for w in views.OVERVIEW_WINDOWS
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


def heatmap(scores: pd.DataFrame) -> alt.Chart:
    """Drift per column (rows) over time: the colour is the severity (1 at the threshold)."""
    return (
        alt.Chart(scores)
        .mark_rect()
        .encode(
            x=alt.X("from:T", axis=UTC_AXIS, scale=alt.Scale(type="utc")),
            x2="at:T",
            y=alt.Y("column:N", title=None, axis=alt.Axis(labelOverlap=False)),
            color=alt.Color(
                "severity:Q",
                scale=alt.Scale(scheme="orangered", domain=[0, 2], clamp=True),
                title="score / threshold",
            ),
            tooltip=[
                alt.Tooltip("at:T", format="%Y-%m-%d %H:%M"),
                "column:N",
                alt.Tooltip("score:Q", format=".4f"),
                alt.Tooltip("severity:Q", format=".2f", title="x threshold"),
            ],
        )
        .properties(height=max(160, 36 * scores["column"].nunique()), title="Drift per column")
    )


def shares(frame: pd.DataFrame) -> alt.Chart:
    """Per-column data-quality shares, one small chart per check."""
    return (
        alt.Chart(frame)
        .mark_line()
        .encode(
            x=_time(),
            y=alt.Y("share:Q", title="share of rows", axis=alt.Axis(format="%")),
            color=alt.Color("column:N"),
            tooltip=[
                alt.Tooltip("at:T", format="%Y-%m-%d %H:%M"),
                "column:N",
                "check:N",
                alt.Tooltip("share:Q", format=".2%"),
            ],
        )
        .properties(height=140, width=260)
        .facet(facet=alt.Facet("check:N", title=None), columns=2)
        .properties(title="Share of rows failing each check, per column")
    )


def lines(
    frame: pd.DataFrame,
    y: str,
    color: str,
    title: str,
    threshold: float | None = None,
    *,
    chart_title: str | None = None,
    rules: list[dict[str, Any]] | None = None,
) -> alt.Chart | alt.LayerChart:
    """A few series over time, with a title, and SLO thresholds as dashed red rules
    (``threshold``, or ``rules`` of :func:`cockpit.views.slo_lines`)."""
    chart = (
        alt.Chart(frame)
        .mark_line()
        .encode(
            x=_time(),
            y=alt.Y(f"{y}:Q", title=title, scale=alt.Scale(zero=False)),
            color=alt.Color(f"{color}:N", title=None, scale=alt.Scale(scheme="category10")),
            tooltip=[
                alt.Tooltip("at:T", format="%Y-%m-%d %H:%M"),
                f"{color}:N",
                alt.Tooltip(f"{y}:Q", format=".3f"),
            ],
        )
        .properties(height=220)
    )
    marks = list(rules or [])
    if threshold is not None:
        marks.append({"threshold": threshold, "label": f"threshold {threshold:g}"})
    if not marks:
        return chart.properties(title=chart_title or title)
    rule = (
        alt.Chart(pd.DataFrame(marks))
        .mark_rule(color="#d62728", strokeDash=[6, 4])
        .encode(y="threshold:Q", tooltip=[alt.Tooltip("label:N", title="SLO")])
    )
    return (chart + rule).properties(title=chart_title or title)
