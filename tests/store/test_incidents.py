"""The incidents repository on a real store: a postmortem save carries the version it was based
on, and one based on an older version writes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from cockpit.store import Store
from cockpit.store import incidents as repo

AT = datetime(2026, 10, 10, 14, tzinfo=UTC)


def test_a_save_based_on_an_older_version_writes_nothing(store: Store) -> None:
    with store.begin() as conn:
        incident_id = repo.open_incident(conn, "loan", "loan: valid burning", "page", AT)
        saved = repo.save_postmortem(
            conn, incident_id, {"summary": "units"}, based_on_version=1, actor="Ada", at=AT
        )
        stale = repo.save_postmortem(
            conn, incident_id, {"summary": "other"}, based_on_version=1, actor="Grace", at=AT
        )
        merged = repo.save_postmortem(
            conn, incident_id, {"trigger": "deploy"}, based_on_version=2, actor="Grace", at=AT
        )
    assert (saved, stale, merged) == (True, False, True)
    incident = store.incident(incident_id)
    assert incident is not None and (incident.version, incident.updated_by) == (3, "Grace")
    assert json.loads(incident.postmortem or "{}") == {"summary": "units", "trigger": "deploy"}


def test_the_newest_open_incident_of_a_service(store: Store) -> None:
    with store.begin() as conn:
        old = repo.open_incident(conn, "loan", "old", "page", AT)
        new = repo.open_incident(conn, "loan", "new", "page", AT + timedelta(hours=1))
        repo.set_status(conn, new, "resolved", AT + timedelta(hours=2))
        assert repo.newest_open(conn, "loan") == old
        assert repo.newest_open(conn, "loan", opened_by=AT - timedelta(minutes=1)) is None
        assert repo.open_among(conn, [old, new]) == [old]
    resolved = store.incident(new)
    assert resolved is not None and resolved.resolved_at == AT + timedelta(hours=2)
