"""Actions and deliveries as the CLI and the cockpit read them: ``actions list --json``, the
actions page's tables, approvals and manual triggers, the notification log and every attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from cockpit.config import models as cfg
from cockpit.durations import format_duration
from cockpit.store import ActionRecord, Store
from cockpit.store.outbox import ATTEMPT_COLUMNS, LOG_COLUMNS
from cockpit.timefmt import iso_or_none

ACTION_COLUMNS = [
    "id",
    "service",
    "slo",
    "action",
    "webhook",
    "status",
    "attempts",
    "delivery",
    "outbox_id",
    "last_error",
    "reason",
    "created_at",
    "approved_by",
    "verified_at",
    "escalated_at",
]


def list_actions(store: Store, *, limit: int = 200) -> list[dict[str, Any]]:
    """The ``cockpit actions list --json`` contract: actions newest first."""
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
        for r in store.actions(limit=limit)
    ]


def delivery_state(status: str, attempts: int) -> str:
    """What the notification log says: queued, sending, retrying, delivered or failed."""
    if status == "pending":
        return "retrying" if attempts else "queued"
    return status


def actions_table(store: Store, *, limit: int = 200) -> pd.DataFrame:
    """Retrain, rollback and custom actions, newest first, with their delivery attempts."""
    rows = list_actions(store, limit=limit)
    if not rows:
        return pd.DataFrame(columns=ACTION_COLUMNS)
    calls = store.action_calls([r["id"] for r in rows])
    out = []
    for row in rows:
        call = calls.get(row["id"])
        out.append(
            {
                **row,
                "attempts": call.attempts if call else 0,
                "delivery": delivery_state(call.status, call.attempts) if call else None,
                "outbox_id": call.outbox_id if call else None,
                "last_error": call.last_error if call else None,
                "created_at": pd.Timestamp(row["created_at"]) if row["created_at"] else None,
            }
        )
    return pd.DataFrame(out, columns=ACTION_COLUMNS)


def pending_approvals(store: Store) -> pd.DataFrame:
    return pending_of(actions_table(store, limit=1000))


def pending_of(actions: pd.DataFrame) -> pd.DataFrame:
    """The actions of :func:`actions_table` that wait for an operator's approval."""
    return actions[actions["status"] == "pending_approval"].reset_index(drop=True)


def action_choices(actions: pd.DataFrame) -> dict[int, str]:
    """``{action id: label}`` for a picker of actions."""
    return {
        int(a["id"]): f"#{a['id']} {a['action']} {a['service']} via {a['webhook']} (on {a['slo']})"
        for a in actions.to_dict("records")
    }


@dataclass(frozen=True)
class ActionRule:
    """One configured action rule, as the manual trigger offers it."""

    service: str
    index: int
    do: str
    webhook: str
    slo: str
    severity: str | None
    dry_run: bool
    cooldown: str | None

    @property
    def label(self) -> str:
        return f"{self.service}: {self.do} via {self.webhook} (rule {self.index}, on {self.slo})"


def action_rules(config: cfg.Config, service: str | None = None) -> list[ActionRule]:
    return [
        ActionRule(
            s.name,
            i,
            rule.do,
            rule.webhook,
            rule.on.slo,
            rule.on.severity,
            rule.dry_run,
            format_duration(rule.cooldown) if rule.cooldown else None,
        )
        for s in config.services
        if service is None or s.name == service
        for i, rule in enumerate(s.actions)
    ]


def last_action(store: Store, service: str, rule_index: int) -> dict[str, Any] | None:
    """The newest action of one rule (the confirmation shows it, against double triggers)."""
    return store.last_action(service, rule_index)


def trigger_message(action: ActionRecord, operator: str, daemon_running: bool) -> str:
    """What the cockpit says after a manual trigger: what was recorded, and when the call goes
    out (only a running daemon delivers it)."""
    status = action.status.replace("_", " ")
    head = f"Action {action.id}: {action.do} for {action.service} {status} (by {operator})"
    if action.status != "queued":
        return head + "."
    if daemon_running:
        return head + ": the daemon delivers the webhook call within seconds."
    return head + (
        ": no daemon is running, so the call waits in the outbox until `cockpit serve` "
        "(or `cockpit deliver`) runs."
    )


# --- the outbox ---------------------------------------------------------------------------------


def notification_log(store: Store, *, limit: int = 200) -> pd.DataFrame:
    """The outbox, newest first: every message and webhook call with its state."""
    frame = pd.DataFrame(store.outbox_log(limit=limit), columns=list(LOG_COLUMNS))
    frame.insert(
        3,
        "state",
        [
            delivery_state(s, int(a))
            for s, a in zip(frame["status"], frame["attempts"], strict=True)
        ],
    )
    return frame.drop(columns="status")


def delivery_attempts(
    store: Store, *, outbox_id: int | None = None, limit: int = 500
) -> pd.DataFrame:
    """Every delivery attempt, newest first: outcome, HTTP status, latency, error."""
    rows = store.delivery_attempts(outbox_id=outbox_id, limit=limit)
    return pd.DataFrame(rows, columns=list(ATTEMPT_COLUMNS))
