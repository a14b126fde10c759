"""Incidents: what happened, what was done, and the blameless postmortem (Google SRE template).
``/incidents?incident=ID`` opens one."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from app.app_pages import charts, shared
from cockpit import ops
from cockpit.errors import CockpitError
from cockpit.read import incidents
from cockpit.read import postmortem as pm

source, config, store, operator = shared.operator_page("Incidents")

table = shared.incidents_list(source)
try:
    labels, chosen = shared.incident_picker(source, st.query_params.get("incident"))
except CockpitError as exc:
    shared.not_found(
        str(exc), "app_pages/incidents.py", "incident", incidents.incident_choices(table)
    )
if chosen is None:
    st.info(
        "No incidents yet. A page alert opens one, or joins its service's open incident; the timeline then fills itself."
    )
    st.stop()
charts.table(table, column_config=charts.INCIDENT_COLUMNS)

ids = list(labels)
incident_id = st.selectbox(
    "Incident",
    ids,
    index=ids.index(chosen),
    format_func=labels.get,
    key="incident_pick",
)
st.query_params["incident"] = str(incident_id)
view = shared.incident(source, incident_id)
incident, impact = view["incident"], view["impact"]

st.header(f"#{incident['id']} {incident['title']}")
status_col, severity_col, duration_col, detect_col = st.columns(4)
status_col.metric("Status", incident["status"].replace("_", " "))
severity_col.metric("Severity", incident["severity"])
duration_col.metric("Duration", impact["duration"])
detect_col.metric("Time to detect", impact["time_to_detect"] or "n/a")
st.caption(incidents.incident_times(incident))

st.subheader("Impact")
charts.table(impact["slos"], column_config=charts.INCIDENT_COLUMNS)
st.subheader("Alerts")
charts.table(view["alerts"], column_config=charts.INCIDENT_COLUMNS)
st.subheader("Timeline")
charts.table(view["timeline"], column_config=charts.INCIDENT_COLUMNS)

if operator is None:
    shared.sign_in_to("add notes, change the status or edit the postmortem")
else:
    status_form, note_form = st.columns(2)
    with status_form, st.form("status"):
        status = st.selectbox(
            "Status",
            incidents.STATUSES,
            index=incidents.STATUSES.index(incident["status"]),
            format_func=lambda s: s.replace("_", " "),
            key="incident_status",
        )
        if st.form_submit_button("Set status"):
            shared.write(
                lambda: ops.set_status(store, incident_id, status, operator.name),
                lambda _: f"Incident #{incident_id} is now {status.replace('_', ' ')}.",
            )
    with note_form, st.form("note", clear_on_submit=True):
        note = st.text_area("Note for the timeline", key="incident_note", height=100)
        if st.form_submit_button("Add note"):
            shared.write(
                lambda: ops.add_note(store, incident_id, operator.name, note),
                lambda _: "Note added to the timeline.",
            )

# --- postmortem ----------------------------------------------------------------------------------
st.header("Postmortem")
postmortem = view["postmortem"]
markdown = shared.postmortem_markdown(source, incident_id, view["version"])
st.download_button(
    "Download as Markdown",
    data=markdown,
    file_name=f"postmortem-{incident_id}.md",
    mime="text/markdown",
    icon=":material/download:",
)

if operator is None:
    with st.container(border=True):
        st.markdown(markdown)
    st.stop()

base_key = f"pm_base_{incident_id}"
base = st.session_state.setdefault(base_key, view["version"])
if view["version"] != base:
    st.warning(
        f"Someone saved this postmortem since you opened it (version {view['version']}, you started from {base}). Reload it before saving, or your save will be refused."
    )
st.caption(
    f"Version {base}"
    + (f", last saved by {incident['updated_by']}" if incident["updated_by"] else "")
    + ". Blameless: about systems and processes, not people."
)


def _sections(sections: Sequence[tuple[str, str, str]]) -> dict[str, str]:
    """One text area per postmortem section, holding what is stored until edited."""
    return {
        field: st.text_area(
            title,
            value=postmortem.get(field) or "",
            help=hint,
            key=f"pm_{incident_id}_{field}",
            height=90,
        )
        for field, title, hint in sections
    }


fields: dict[str, str] = {}
with st.form(f"postmortem_{incident_id}"):
    fields |= _sections(pm.POSTMORTEM_SECTIONS)
    st.markdown("**Action items**")
    items = st.data_editor(
        pm.action_items_frame(postmortem.get("action_items") or []),
        num_rows="dynamic",
        hide_index=True,
        key=f"pm_{incident_id}_items",
        column_config={
            "description": st.column_config.TextColumn(width="large", required=True),
            "kind": st.column_config.SelectboxColumn(options=pm.ACTION_ITEM_KINDS),
            "priority": st.column_config.SelectboxColumn(options=pm.ACTION_ITEM_PRIORITIES),
            "due": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "status": st.column_config.SelectboxColumn(options=pm.ACTION_ITEM_STATUSES),
        },
    )
    fields |= _sections(pm.LESSONS_SECTIONS)
    save = st.form_submit_button("Save postmortem", type="primary")

if save:
    try:
        saved = ops.save_postmortem(
            store,
            incident_id,
            {**fields, "action_items": pm.action_items_from_frame(items)},
            based_on_version=base,
            actor=operator.name,
        )
        st.session_state[base_key] = saved.version
        st.session_state.pop(f"pm_{incident_id}_items", None)
        shared.clear()
        shared.flash(f"Postmortem saved (version {saved.version}).")
        st.rerun()
    except ops.ConflictError as exc:
        st.error(str(exc))
    except CockpitError as exc:
        shared.fail(exc)

if st.button(
    "Reload the latest version", help="Discard your unsaved edits and load what is stored"
):
    for field in pm.postmortem_keys(incident_id):
        st.session_state.pop(field, None)
    st.session_state.pop(base_key, None)
    shared.clear()
    st.rerun()
