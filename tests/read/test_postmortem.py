"""The postmortem's editor pieces (cockpit/read/postmortem.py)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from cockpit.read import postmortem as pm


def test_action_items_round_trip_through_the_editor_table() -> None:
    items = [
        {"description": "Validate units upstream", "owner": "risk-ml", "kind": "prevent", "priority": "P1", "due": "2026-11-01", "status": "todo"},
        {"description": "Page on schema change", "owner": None, "kind": "detect", "priority": "P2", "due": None, "status": "todo"},
    ]  # fmt: skip
    frame = pm.action_items_frame(items)
    assert frame.loc[0, "due"] == date(2026, 11, 1)
    blank = pd.DataFrame([{f: None for f in frame.columns}])
    assert pm.action_items_from_frame(pd.concat([frame, blank], ignore_index=True)) == items
