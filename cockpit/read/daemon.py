"""Whether a ``cockpit serve`` runs against the store: every page's banner."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cockpit.durations import format_duration
from cockpit.store import Store, utcnow

HEARTBEAT_FRESH = timedelta(seconds=30)  # a daemon beats every 5 s


def daemon_status(store: Store, now: datetime | None = None) -> dict[str, Any]:
    """Whether a ``cockpit serve`` runs against this store, from the heartbeats daemons write:
    ``{"running", "active", "last_seen", "text"}``. Without a running daemon nothing runs the
    monitors or delivers what is queued (alerts, manual actions)."""
    now = now or utcnow()
    beats = store.heartbeats()
    alive = [b for b in beats if b["role"] != "stopped" and now - b["beat_at"] <= HEARTBEAT_FRESH]
    active = [b for b in alive if b["role"] == "active"]
    last_seen = max((b["beat_at"] for b in beats), default=None)
    if active:
        beat = active[0]
        text = (
            f"Daemon running: active on {beat['host']} (pid {beat['pid']}), "
            f"seen {format_duration(max(now - beat['beat_at'], timedelta(0)))} ago"
        )
        if len(alive) > 1:
            text += f", {len(alive) - 1} on standby"
    elif alive:
        text = (
            "Daemon on standby only: no process holds the scheduler lock yet; "
            "monitors and deliveries wait until one does"
        )
    elif last_seen is not None:
        text = (
            f"No daemon running: last seen {format_duration(now - last_seen)} ago. Nothing runs "
            "the monitors or delivers queued alerts and actions until `cockpit serve CONFIG` runs"
        )
    else:
        text = (
            "No daemon has run against this store: nothing runs the monitors or delivers queued "
            "alerts and actions until `cockpit serve CONFIG` runs"
        )
    return {"running": bool(active), "active": bool(active), "last_seen": last_seen, "text": text}
