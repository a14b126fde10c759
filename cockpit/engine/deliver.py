"""Delivering the outbox: every queued message and call, at least once, with one id, whatever
the sink.

A row is claimed (an atomic status change, so two processes never send it twice at once),
handed to its sink (the registry's, by the row's ``kind``), and every attempt recorded.
Failures are retried with exponential backoff and full jitter; ``Retry-After`` on 429/503 is
honoured (:mod:`alerting.delivery`). A row left ``sending`` by a process that died mid-send is
claimed again once its sink's time limit (plus a margin) has passed, and sent with the same
idempotency key. Secrets are read from the environment at send time and never stored.

After a delivery: an action whose call it was is ``delivered`` (or ``failed``, once given up
on), on its incident's timeline too; a notifier's first message leaves its thread on the alerts
it is about, for their replies.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from alerting.delivery import (
    DEFAULT_TIMEOUT,
    DeliveryResult,
    after_failure,
    claim_expires,
    refused,
)
from alerting.sinks import registry as sinks
from alerting.sinks.base import Context, Outgoing, Sink
from cockpit.config import models as cfg
from cockpit.engine import incidents
from cockpit.store import Connection, Outbox, Store, utcnow
from cockpit.store import actions as action_repo
from cockpit.store import alerts as alert_repo
from cockpit.store import outbox as repo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivered:
    """One row's outcome (``cockpit deliver --json`` prints these)."""

    outbox_id: int
    kind: str
    target: str
    ok: bool
    attempts: int
    status: str
    error: str | None = None


class Deliverer:
    def __init__(
        self,
        config: cfg.Config,
        store: Store,
        *,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ):
        self.config = config
        self.store = store
        self.clock = clock
        self.sleep = sleep
        self.rand = rand

    # --- the loop ------------------------------------------------------------------------------

    def deliver_due(
        self, *, max_seconds: float = 20.0, quick_retry_s: float = 5.0
    ) -> list[Delivered]:
        """Send what is due now. A failure whose next try falls within ``quick_retry_s`` is
        retried in this call (``run-once`` retries a few times within seconds); the rest is
        left for the next cycle. Stops starting new sends after ``max_seconds``."""
        started = time.monotonic()
        results: dict[int, Delivered] = {}
        while time.monotonic() - started < max_seconds:
            due = self._due_ids()
            if not due:
                soonest = self._seconds_to_next()
                if (
                    soonest is None
                    or soonest > quick_retry_s
                    or time.monotonic() - started + soonest > max_seconds
                ):
                    break
                self.sleep(max(soonest, 0.0))
                continue
            for outbox_id in due:
                outcome = self.deliver_one(outbox_id)
                if outcome is not None:
                    results[outbox_id] = outcome
        return list(results.values())

    def _due_ids(self) -> list[int]:
        now = self.clock()
        with self.store.connect() as conn:
            rows = repo.due(conn, now)
        return [
            r.id
            for r in rows
            if r.claimed_at is None or r.claimed_at <= now - self.claim_expires(r.kind, r.target)
        ]

    def _seconds_to_next(self) -> float | None:
        with self.store.connect() as conn:
            soonest = repo.next_due(conn)
        return None if soonest is None else (soonest - self.clock()).total_seconds()

    # --- sinks and their settings --------------------------------------------------------------

    def _sink(self, kind: str, target: str) -> tuple[Sink | None, Any]:
        """The row's sink and its settings (None when the config has none any more)."""
        try:
            sink = sinks.SINKS.get(kind)
        except KeyError:
            return None, None
        if sink.section == "webhooks":
            return sink, self.config.webhooks.get(target)
        return sink, self.config.notifiers.get(sink.name)

    def claim_expires(self, kind: str, target: str) -> timedelta:
        """How long a claim on a row of this sink and target holds."""
        sink, settings = self._sink(kind, target)
        timeout = sink.timeout(settings) if sink is not None and settings is not None else None
        return claim_expires(timeout or DEFAULT_TIMEOUT)

    # --- one row -------------------------------------------------------------------------------

    def _claim(self, outbox_id: int) -> Outbox | None:
        now = self.clock()
        with self.store.begin() as conn:
            where = repo.where(conn, outbox_id)
            if where is None:
                return None
            return repo.claim(conn, outbox_id, now, now - self.claim_expires(*where))

    def deliver_one(self, outbox_id: int) -> Delivered | None:
        row = self._claim(outbox_id)
        if row is None:
            return None
        try:
            result = self._send(row)
        except Exception as exc:  # a bug in a sink must not lose the row
            log.exception("delivery %s crashed", row.idempotency_key)
            result = DeliveryResult(
                ok=False,
                status_code=None,
                latency_ms=0.0,
                error=f"internal error: {exc.__class__.__name__}",
            )
        return self._record(row, result)

    def _send(self, row: Outbox) -> DeliveryResult:
        sink, settings = self._sink(row.kind, row.target)
        if sink is None:
            return refused(f"no sink {row.kind!r} is registered")
        if settings is None:
            if sink.section == "webhooks":
                return refused(f"no webhook named {row.target!r} in the config any more")
            return refused(f"no notifiers.{sink.name} in the config")
        payload = json.loads(row.payload)
        thread = None
        if row.thread_alert_id is not None:
            with self.store.connect() as conn:
                thread = alert_repo.thread(conn, row.thread_alert_id)
        outgoing = Outgoing(
            target=row.target,
            body=payload["message"] if sink.section == "notifiers" else payload,
            key=row.idempotency_key,
            thread=thread,
        )
        context = Context(os.environ, self.config.hosts_allowed, self.clock())
        return sink.send(settings, outgoing, context)

    def _record(self, row: Outbox, result: DeliveryResult) -> Delivered:
        now = self.clock()
        attempt = row.attempts + 1
        outbox_id = row.id or 0
        with self.store.begin() as conn:
            repo.record_attempt(
                conn,
                outbox_id,
                attempt,
                now,
                ok=result.ok,
                status_code=result.status_code,
                latency_ms=result.latency_ms,
                error=result.error,
                response_excerpt=result.response_excerpt,
            )
            if result.ok:
                status = "delivered"
                repo.delivered(conn, outbox_id, attempt, now, result.meta or {})
                self._after_success(conn, row, result, attempt)
            else:
                retry = after_failure(
                    result, attempt, created_at=row.created_at, now=now, rand=self.rand
                )
                status = retry.status
                repo.not_delivered(
                    conn,
                    outbox_id,
                    attempt,
                    status=retry.status,
                    next_attempt_at=retry.next_attempt_at,
                    error=result.error or f"HTTP {result.status_code}",
                )
                action_id = action_repo.calling(conn, outbox_id)
                if retry.status == "failed" and action_id is not None:
                    action_repo.set_status(conn, action_id, "failed", result.error)
                    text = f"webhook {row.target} failed for good: {result.error or result.status_code}"
                    incidents.on_action(conn, action_id, now, text)
                log.warning(
                    "delivery %s to %s failed (attempt %d): %s",
                    row.idempotency_key,
                    row.target,
                    attempt,
                    result.error or result.status_code,
                )
        return Delivered(outbox_id, row.kind, row.target, result.ok, attempt, status, result.error)

    def _after_success(
        self, conn: Connection, row: Outbox, result: DeliveryResult, attempt: int
    ) -> None:
        action_id = action_repo.calling(conn, row.id or 0)
        if action_id is not None:
            action_repo.set_status(conn, action_id, "delivered")
            text = f"webhook {row.target} delivered (HTTP {result.status_code}, attempt {attempt})"
            incidents.on_action(conn, action_id, self.clock(), text)
        sink, _settings = self._sink(row.kind, row.target)
        thread = sink.thread_of(result) if sink is not None else None
        if thread is not None and row.thread_alert_id is None:
            ids = json.loads(row.payload).get("alert_ids") or []
            if ids:
                alert_repo.remember_thread(conn, ids, thread.ref, thread.channel)


def retry_failed(store: Store) -> int:
    """Requeue deliveries that were given up on (``cockpit deliver --retry-failed``)."""
    with store.begin() as conn:
        return repo.requeue_failed(conn, utcnow())
