"""The incidents page's read models (cockpit/read/incidents.py) on a real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from cockpit.errors import CockpitError
from cockpit.read import common, incidents
from cockpit.read import postmortem as pm
from cockpit.store import Incident, Store

END = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)


def test_incident_helpers() -> None:
    assert common.as_id("12") == 12 and common.as_id(None) is None and common.as_id("x") is None
    times = incidents.incident_times(
        {"opened_at": END, "mitigated_at": None, "resolved_at": END + STEP}
    )
    assert times == "opened 2026-10-20 12:00 UTC · resolved 2026-10-20 12:05 UTC"
    assert pm.postmortem_keys(3)[0] == "pm_3_summary" and pm.postmortem_keys(3)[-1] == "pm_3_items"


def test_incident_picker_opens_the_asked_incident_or_says_why_not(store: Store) -> None:
    with store.engine.begin() as conn:
        ids = [
            conn.execute(
                sa.insert(Incident.__table__).values(
                    service="svc-0",
                    title=f"svc-0: incident {n}",
                    severity="page",
                    status="resolved",
                    opened_at=END + n * STEP,
                )
            ).inserted_primary_key[0]
            for n in range(3)
        ]
    table = incidents.incidents_table(store, limit=2)  # the two newest
    choices, chosen = incidents.incident_picker(store, table, None)
    assert list(choices) == [ids[2], ids[1]] and chosen == ids[2]  # no link: the newest
    choices, chosen = incidents.incident_picker(store, table, str(ids[1]))
    assert chosen == ids[1]
    choices, chosen = incidents.incident_picker(store, table, str(ids[0]))  # older than the table
    assert chosen == ids[0] and choices[ids[0]].startswith(f"#{ids[0]} svc-0: incident 0 (")
    with pytest.raises(CockpitError, match=r"No incident #999 "):
        incidents.incident_picker(store, table, "999")
    with pytest.raises(CockpitError, match=r"'3x' is not an incident id"):
        incidents.incident_picker(store, table, "3x")
    assert incidents.incident_picker(store, table.iloc[0:0], None) == ({}, None)
