"""Read models over the store for the CLI and the cockpit: plain dicts, newest first."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from alerting.lifecycle import Silence as SilenceRule
from cockpit.store import ActionRecord, Alert, Silence, Store, utcnow
from cockpit.timefmt import iso_or_none


def list_alerts(
    store: Store, *, firing_only: bool = True, limit: int = 200
) -> list[dict[str, Any]]:
    query = sa.select(Alert).order_by(Alert.started_at.desc(), Alert.id.desc()).limit(limit)
    if firing_only:
        query = query.where(Alert.state == "firing")
    now = utcnow()
    with store.engine.connect() as conn:
        rows = [Alert.model_validate(r._mapping) for r in conn.execute(query)]
        silences = conn.execute(
            sa.select(Silence).where((Silence.starts_at <= now) & (Silence.ends_at > now))
        ).all()
    rules = [
        SilenceRule(s.service, s.slo, s.severity, s.starts_at, s.ends_at)
        for s in (Silence.model_validate(x._mapping) for x in silences)
    ]

    def silenced(r: Alert) -> bool:
        """A firing alert is silenced when a silence matches it now (whatever the last cycle
        recorded); a resolved one keeps what it was."""
        if r.state != "firing":
            return r.silenced
        return any(rule.matches(r.service, r.slo, r.severity, now) for rule in rules)

    return [
        {
            "id": r.id,
            "service": r.service,
            "slo": r.slo,
            "severity": r.severity,
            "state": r.state,
            "fingerprint": r.fingerprint,
            "started_at": iso_or_none(r.started_at),
            "resolved_at": iso_or_none(r.resolved_at),
            "acked_by": r.acked_by,
            "silenced": silenced(r),
            "burn_rate": r.burn_rate,
            "long_window": r.long_window,
            "short_window": r.short_window,
            "budget_remaining": r.budget_remaining,
            "evidence": json.loads(r.evidence) if r.evidence else [],
            "notifications": r.notifications,
        }
        for r in rows
    ]


def list_actions(store: Store, *, limit: int = 200) -> list[dict[str, Any]]:
    query = (
        sa.select(ActionRecord)
        .order_by(ActionRecord.created_at.desc(), ActionRecord.id.desc())
        .limit(limit)
    )
    with store.engine.connect() as conn:
        rows = [ActionRecord.model_validate(r._mapping) for r in conn.execute(query)]
    return [
        {
            "id": r.id,
            "service": r.service,
            "slo": r.slo,
            "severity": r.severity,
            "action": r.do,
            "webhook": r.webhook,
            "status": r.status,
            "reason": r.reason,
            "idempotency_key": r.idempotency_key,
            "created_at": iso_or_none(r.created_at),
            "approved_by": r.approved_by,
            "verified_at": iso_or_none(r.verified_at),
            "escalated_at": iso_or_none(r.escalated_at),
        }
        for r in rows
    ]
