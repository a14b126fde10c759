"""A blameless postmortem (the Google SRE book's "Example Postmortem"): its computed facts, its
draft, its Markdown export, and the editor's pieces.

The draft's impact (duration, error budget burned per SLO), detection (time to detect) and
timeline are computed from the store; people's words win over the draft wherever they wrote
some.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd

from alerting.health import is_monitor_alert
from cockpit.config import models as cfg
from cockpit.durations import format_duration
from cockpit.engine.slos import load_series
from cockpit.store import Incident, Store, utcnow
from cockpit.store.incidents import ACTION_ITEM_FIELDS
from cockpit.timefmt import iso

DETECT_LOOKBACK = timedelta(days=7)  # how far back a burn's first bad event is looked for

# The editor's sections, in its order.
POSTMORTEM_SECTIONS = (
    ("summary", "Summary", "What happened, in two or three sentences."),
    ("impact", "Impact", "Computed from the SLO evaluations: duration and error budget burned."),
    ("root_causes", "Root causes", "Why it happened: the conditions, not a person."),
    ("trigger", "Trigger", "What set it off (the alert's evidence is filled in)."),
    ("detection", "Detection", "How and how fast it was noticed (time to detect is computed)."),
    ("resolution", "Resolution", "What ended it: rollback, retrain, fix upstream."),
)
LESSONS_SECTIONS = (
    ("lessons_went_well", "Lessons learned: went well", None),
    ("lessons_went_wrong", "Lessons learned: went wrong", None),
    ("lessons_got_lucky", "Lessons learned: got lucky", None),
)
ACTION_ITEM_KINDS = ("prevent", "mitigate", "detect", "process", "other")
ACTION_ITEM_PRIORITIES = ("P0", "P1", "P2", "P3")
ACTION_ITEM_STATUSES = ("todo", "in progress", "done", "won't do")


@dataclass(frozen=True)
class SloImpact:
    slo: str
    budget_before: float | None
    budget_after: float | None

    @property
    def burned(self) -> float | None:
        if self.budget_before is None or self.budget_after is None:
            return None
        return self.budget_before - self.budget_after


@dataclass(frozen=True)
class Impact:
    duration: timedelta
    slos: tuple[SloImpact, ...]
    time_to_detect: timedelta | None
    burn_started_at: datetime | None


def impact(
    store: Store, incident: Incident, now: datetime | None = None, *, config: cfg.Config
) -> Impact:
    """Duration, error budget each SLO burned between opening and resolution, and time to
    detect: from the first bad event or timeslice of the stretch of bad ones that led to the
    incident (any of its SLOs; see ``EventSeries.burn_start``) up to the alert that opened it,
    not from when the alert tier's window began to burn."""
    end = incident.resolved_at or now or utcnow()
    alerts = store.incident_alerts(incident.id or 0)
    slos = sorted({a.slo for a in alerts if not is_monitor_alert(a.slo)})
    impacts = []
    burn_started: datetime | None = None
    for slo in slos:
        history = store.slo_evaluations(
            incident.service, slo, since=incident.opened_at - timedelta(days=3), until=end
        )
        before = [h for h in history if h.at < incident.opened_at]
        after = [h for h in history if h.at <= end]
        impacts.append(
            SloImpact(
                slo,
                before[-1].error_budget_remaining if before else None,
                after[-1].error_budget_remaining if after else None,
            )
        )
        started = _first_bad(store, config, incident, slo)
        if started is not None and (burn_started is None or started < burn_started):
            burn_started = started
    ttd = incident.opened_at - burn_started if burn_started else None
    return Impact(end - incident.opened_at, tuple(impacts), ttd, burn_started)


def _first_bad(
    store: Store, config: cfg.Config, incident: Incident, slo_name: str
) -> datetime | None:
    """Where the bad stretch that runs up to the opening began: the window start of its first
    bad run (a bucket of bad events, or a bad timeslice over its window)."""
    try:
        service = config.service(incident.service)
        slo = next(s for s in service.slos if s.name == slo_name)
    except StopIteration:
        return None  # the SLO left the config since
    series = load_series(
        store, service, slo, incident.opened_at - DETECT_LOOKBACK, incident.opened_at
    )
    end_s = series.burn_start(incident.opened_at.timestamp(), slo.objective)
    if end_s is None:
        return None
    # The bad events lie inside that run's window: the burn began no earlier than its start.
    end = datetime.fromtimestamp(end_s, UTC)
    run = store.latest_run(incident.service, slo.monitor, until=end)
    return run.window_start if run is not None and run.window_end == end else end


def postmortem(
    store: Store, incident: Incident, now: datetime | None = None, *, config: cfg.Config
) -> dict[str, Any]:
    """The stored postmortem over a computed draft: people's words win, numbers are filled in."""
    facts = impact(store, incident, now, config=config)
    alerts = store.incident_alerts(incident.id or 0)
    evidence = [line for a in alerts[:1] for line in (json.loads(a.evidence) if a.evidence else [])]
    burned = "; ".join(
        f"{i.slo}: {i.burned:.1%} of the error budget burned ({_pct(i.budget_before)} left before, {_pct(i.budget_after)} after)"
        for i in facts.slos
        if i.burned is not None
    )
    first = alerts[0] if alerts else None
    draft = {
        "summary": f"{incident.title}. Open for {format_duration(facts.duration)}.",
        "impact": f"Lasted {format_duration(facts.duration)} (from {iso(incident.opened_at)}"
        + (f" to {iso(incident.resolved_at)}" if incident.resolved_at else ", still open")
        + f"). {burned or 'No SLO evaluations recorded for the period.'}",
        "root_causes": "",
        "trigger": "; ".join(evidence) or "",
        "detection": (
            f"Detected by the {first.severity} alert on {first.slo} ({first.long_window}/{first.short_window} burn-rate rule) at {iso(first.started_at)}"
            + (
                f", {format_duration(facts.time_to_detect)} after the SLO started burning faster than its budget allows."
                if facts.time_to_detect
                else "."
            )
            if first
            else ""
        ),
        "resolution": "",
        "action_items": [],
        "lessons_went_well": "",
        "lessons_went_wrong": "",
        "lessons_got_lucky": "",
    }
    saved = json.loads(incident.postmortem) if incident.postmortem else {}
    return {**draft, **{k: v for k, v in saved.items() if v not in (None, "", [])}}


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def markdown(
    store: Store, incident: Incident, now: datetime | None = None, *, config: cfg.Config
) -> str:
    """The postmortem as Markdown, one heading per section of the template."""
    pm = postmortem(store, incident, now, config=config)
    events = store.incident_events(incident.id or 0)
    lines = [
        f"# Postmortem: {incident.title}",
        "",
        f"- Incident: #{incident.id}, {incident.service}, severity {incident.severity}, status {incident.status.replace('_', ' ')}",
        f"- Opened: {iso(incident.opened_at)}"
        + (f"; resolved: {iso(incident.resolved_at)}" if incident.resolved_at else ""),
        "- Blameless: this document is about systems and processes, not people.",
        "",
    ]
    for title, key in (
        ("Summary", "summary"),
        ("Impact", "impact"),
        ("Root causes", "root_causes"),
        ("Trigger", "trigger"),
        ("Detection", "detection"),
        ("Resolution", "resolution"),
    ):
        lines += [f"## {title}", "", pm.get(key) or "_to be written_", ""]
    lines += ["## Action items", ""]
    items = pm.get("action_items") or []
    if items:
        lines += [
            "| description | owner | kind | priority | due | status |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            "| " + " | ".join(str(item.get(f) or "") for f in ACTION_ITEM_FIELDS) + " |"
            for item in items
        ]
    else:
        lines.append("_none yet_")
    lines += ["", "## Lessons learned", ""]
    for title, key in (
        ("Went well", "lessons_went_well"),
        ("Went wrong", "lessons_went_wrong"),
        ("Got lucky", "lessons_got_lucky"),
    ):
        lines += [f"### {title}", "", pm.get(key) or "_to be written_", ""]
    lines += ["## Timeline", "", "| time (UTC) | what | who |", "|---|---|---|"]
    lines += [
        f"| {iso(e.at.replace(microsecond=0))} | {e.text} | {e.actor or 'cockpit'} |"
        for e in events
    ]
    return "\n".join(lines) + "\n"


# --- the editor ---------------------------------------------------------------------------------


def action_items_frame(items: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Postmortem action items as the editor's table (``due`` as a date)."""
    rows = []
    for item in items:
        row = {f: item.get(f) for f in ACTION_ITEM_FIELDS}
        row["due"] = _as_date(row["due"])
        rows.append(row)
    return pd.DataFrame(rows, columns=list(ACTION_ITEM_FIELDS))


def action_items_from_frame(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The editor's table back into action items; rows left blank are dropped."""
    items = []
    for record in frame.to_dict("records"):
        item: dict[str, Any] = {}
        for f in ACTION_ITEM_FIELDS:
            value = record.get(f)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                value = None
            elif f == "due":
                as_date = _as_date(value)
                value = as_date.isoformat() if as_date else None
            else:
                value = str(value).strip() or None
            item[f] = value
        if any(v is not None for v in item.values()):
            items.append(item)
    return items


def _as_date(value: Any) -> date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def postmortem_keys(incident_id: int) -> list[str]:
    """The editor's widget keys of one incident (dropped to reload the stored version)."""
    fields = [f for f, _t, _h in (*POSTMORTEM_SECTIONS, *LESSONS_SECTIONS)]
    return [f"pm_{incident_id}_{f}" for f in (*fields, "items")]
