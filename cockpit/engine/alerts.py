"""The alert engine with the store: a cycle's SLO state in, alert episodes, queued messages and
actions out.

Decisions are pure (:func:`alerting.lifecycle.decide`); this module reads what they need and
applies them in one transaction with the outbox rows and actions they cause (so a crash can
never send without recording, or record without sending later). It also owns how an alert is
serialised (:func:`alert_json`): the cycle's output, ``alerts list --json`` and the incidents'
alerts are projections of it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from alerting.health import BROKEN_PREFIX, Trouble, monitor_alert_slo
from alerting.lifecycle import Decision, Episode, Firing, decide
from alerting.lifecycle import Silence as SilenceRule
from alerting.sinks.base import AlertView, Cycle, Fired, Resolved
from cockpit.config import models as cfg
from cockpit.durations import format_duration
from cockpit.engine import actions, health, incidents, notify
from cockpit.engine.slos import SloReport
from cockpit.kinds.registry import KINDS
from cockpit.store import Alert, Connection, Silence, Store, run_details, utcnow
from cockpit.store import alerts as repo
from cockpit.timefmt import iso, iso_or_none

log = logging.getLogger(__name__)

EVIDENCE_LINES = 5

# an alert's JSON (`alerts list --json`), and the projections other outputs carry
ALERT_KEYS = (
    "id",
    "service",
    "slo",
    "severity",
    "state",
    "fingerprint",
    "started_at",
    "resolved_at",
    "acked_by",
    "silenced",
    "burn_rate",
    "long_window",
    "short_window",
    "budget_remaining",
    "evidence",
    "notifications",
)
CYCLE_KEYS = ("service", "slo", "severity", "state", "fingerprint", "started_at")  # run-once
INCIDENT_KEYS = ("id", "slo", "severity", "state", "fingerprint", "started_at")  # incidents list


def alert_json(
    alert: Alert, *, silenced: bool | None = None, keys: Sequence[str] = ALERT_KEYS
) -> dict[str, Any]:
    """An alert episode as JSON (its ``keys``, in that order); ``silenced`` overrides what the
    last cycle recorded."""
    full = {
        "id": alert.id,
        "service": alert.service,
        "slo": alert.slo,
        "severity": alert.severity,
        "state": alert.state,
        "fingerprint": alert.fingerprint,
        "started_at": iso_or_none(alert.started_at),
        "resolved_at": iso_or_none(alert.resolved_at),
        "acked_by": alert.acked_by,
        "silenced": alert.silenced if silenced is None else silenced,
        "burn_rate": alert.burn_rate,
        "long_window": alert.long_window,
        "short_window": alert.short_window,
        "budget_remaining": alert.budget_remaining,
        "evidence": json.loads(alert.evidence) if alert.evidence else [],
        "notifications": alert.notifications,
    }
    return {key: full[key] for key in keys}


def silence_rule(silence: Silence) -> SilenceRule:
    return SilenceRule(
        silence.service, silence.slo, silence.severity, silence.starts_at, silence.ends_at
    )


def alert_slos(service: cfg.Service) -> list[str]:
    """What an alert of ``service`` can be about: its SLOs, then its monitors' own alerts."""
    return [s.name for s in service.slos] + [monitor_alert_slo(m.name) for m in service.monitors]


@dataclass
class AlertOutcome:
    alerts: list[dict[str, Any]]  # the episodes this cycle touched, as CYCLE_KEYS
    actions: list[int]  # the actions it created


def _episode(row: Alert) -> Episode:
    return Episode(
        fingerprint=row.fingerprint,
        service=row.service,
        slo=row.slo,
        severity=row.severity,
        state=row.state,  # type: ignore[arg-type]
        started_at=row.started_at,
        last_evaluated_at=row.last_evaluated_at,
        last_notified_at=row.last_notified_at,
        acked=row.acked_at is not None,
    )


def process(
    config: cfg.Config,
    store: Store,
    at: datetime,
    reports: Sequence[SloReport],
    *,
    troubles: list[Trouble] | None = None,
    send: bool = True,
) -> AlertOutcome:
    """Apply this cycle's SLO state to the alerts; queue notifications and actions.

    ``troubles``: monitors broken or stale (read from the store when not given); each raises
    its ``monitor:<name>`` ticket. ``send=False`` records alerts and actions without queuing
    anything (a replay of history): actions are then recorded as ``dry_run``.
    """
    by_key = {(r.service, r.slo): r for r in reports}
    firing = [Firing(r.service, r.slo, r.alert.severity) for r in reports if r.alert is not None]
    if troubles is None:
        troubles = health.troubles(config, store, at)
    firing += [Firing(t.service, t.slo, "ticket") for t in troubles]
    trouble_of = {(t.service, t.slo): t for t in troubles}
    evaluated = [(r.service, r.slo) for r in reports]
    evaluated += [(s.name, monitor_alert_slo(m.name)) for s in config.services for m in s.monitors]

    with store.connect() as conn:
        latest = repo.latest(conn)
        silences = repo.active_silences(conn, at)
    decisions = decide(
        {fp: _episode(row) for fp, row in latest.items()},
        firing,
        evaluated,
        [silence_rule(s) for s in silences],
        at,
        repeat_interval=config.alerting.repeat_interval,
        send_resolved=config.alerting.send_resolved,
    )
    # evidence reads the runs: before the transaction, which then only writes
    evidence = {
        d.fingerprint: _evidence(config, store, d, at, trouble_of)
        for d in decisions
        if d.kind != "resolve"
    }

    touched: list[Alert] = []
    new_actions: list[int] = []
    with store.begin() as conn:
        fired: dict[str, list[AlertView]] = {}
        views: list[AlertView] = []
        for decision in decisions:
            row = _apply(
                conn,
                decision,
                latest.get(decision.fingerprint),
                by_key.get((decision.service, decision.slo)),
                evidence.get(decision.fingerprint),
                at,
            )
            if decision.kind in ("fire", "resolve"):
                incidents.on_alert(conn, row, decision.kind, at)
            touched.append(row)
            view = notify.alert_view(config, row, at)
            views.append(view)
            if decision.notify and decision.kind in ("fire", "repeat"):
                fired.setdefault(decision.service, []).append(view)
            elif decision.notify and decision.kind == "resolve" and send:
                notify.queue(conn, config, Resolved(view, iso(at)))
        if send:
            for service, group in fired.items():
                notify.queue(conn, config, Fired(service, tuple(group), iso(at)))
            cycle = Cycle(
                firing=tuple(v for v in views if v.state == "firing"),
                resolved=tuple(
                    v for d, v in zip(decisions, views, strict=True) if d.kind == "resolve"
                ),
                stamp=iso(at),
                wall=utcnow(),
            )
            if cycle.firing or cycle.resolved:
                notify.queue(conn, config, cycle)
        for decision, row in zip(decisions, touched, strict=True):
            if (
                decision.kind == "fire"
                and not decision.silenced
                and not decision.slo.startswith(BROKEN_PREFIX)
            ):
                new_actions += actions.fire(conn, config, row, at, send=send)
        actions.watch(conn, config, at, repo.latest(conn), send=send)
    return AlertOutcome([alert_json(row, keys=CYCLE_KEYS) for row in touched], new_actions)


def _apply(
    conn: Connection,
    decision: Decision,
    previous: Alert | None,
    report: SloReport | None,
    evidence: list[str] | None,
    at: datetime,
) -> Alert:
    values: dict[str, Any] = {"last_evaluated_at": at}
    if report is not None and report.alert is not None and decision.kind != "resolve":
        window = format_duration(timedelta(seconds=report.alert.long_window_s))
        values.update(
            burn_rate=report.burn_rates.get(window),
            long_window=window,
            short_window=format_duration(timedelta(seconds=report.alert.short_window_s)),
            factor=report.factor,
            budget_remaining=report.error_budget_remaining,
        )
    if evidence is not None:
        values["evidence"] = json.dumps(evidence)
    if decision.notify:
        values["last_notified_at"] = at
    if decision.kind == "fire":
        values.update(
            fingerprint=decision.fingerprint,
            service=decision.service,
            slo=decision.slo,
            severity=decision.severity,
            state="firing",
            started_at=at,
            notifications=1 if decision.notify else 0,
            silenced=decision.silenced,
        )
        return repo.insert(conn, values)
    assert previous is not None
    if decision.kind == "resolve":
        values.update(state="resolved", resolved_at=at)
    values["silenced"] = decision.silenced
    if decision.notify:
        values["notifications"] = previous.notifications + 1
    return repo.update(conn, previous.id or 0, values)


def _evidence(
    config: cfg.Config,
    store: Store,
    decision: Decision,
    at: datetime,
    trouble_of: dict[tuple[str, str], Trouble],
) -> list[str]:
    if decision.slo.startswith(BROKEN_PREFIX):
        trouble = trouble_of.get((decision.service, decision.slo))
        if trouble is None:
            return []
        return trouble.evidence(config.alerting.monitor_broken_after, iso)
    try:
        service = config.service(decision.service)
        slo = next(s for s in service.slos if s.name == decision.slo)
    except StopIteration:
        return []
    monitor = service.monitor(slo.monitor)
    run = next(
        (r for r in store.runs(service.name, monitor.name, until=at, limit=5) if r.status == "ok"),
        None,
    )
    if run is None:
        return []
    try:
        return KINDS.get(monitor.kind).evidence(run_details(run))[:EVIDENCE_LINES]
    except Exception:  # evidence is a courtesy: never let it stop an alert
        log.exception("could not build evidence for %s/%s", decision.service, decision.slo)
        return []
