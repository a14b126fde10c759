"""The ML SRE cockpit: routes to its pages. ``cockpit ui CONFIG`` runs it.

Pages live in ``app_pages/``; they read through ``cockpit.read`` and
write through ``cockpit.ops``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from cockpit import auth

PAGES = Path(__file__).resolve().parent / "app_pages"

st.set_page_config(page_title="ML SRE cockpit", page_icon=":material/monitor_heart:", layout="wide")
page = st.navigation(
    [
        st.Page(
            PAGES / "overview.py",
            title="Overview",
            icon=":material/dashboard:",
            url_path="overview",
            default=True,
        ),
        st.Page(
            PAGES / "service.py", title="Service", icon=":material/query_stats:", url_path="service"
        ),
        st.Page(
            PAGES / "alerts.py",
            title="Alerts & actions",
            icon=":material/notifications_active:",
            url_path="alerts",
        ),
        st.Page(
            PAGES / "incidents.py",
            title="Incidents",
            icon=":material/emergency:",
            url_path="incidents",
        ),
    ]
)
auth.sidebar()
page.run()
