"""Delivering the outbox: every queued Slack message and webhook call, at least once, with one id.

A row is claimed (an atomic status change, so two processes never send it twice at once),
sent, and every attempt recorded. Failures are retried with exponential backoff and full
jitter; ``Retry-After`` on 429/503 is honoured. A row left ``sending`` by a process that died
mid-send is claimed again once its request timeout (plus a margin) has passed, and sent with the same
idempotency key.
Secrets (Slack URL or token, webhook secret, CI tokens) are read from the environment at
send time and never stored.
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

import sqlalchemy as sa

from alerting.delivery import DeliveryResult, next_delay_s
from alerting.hosts import url_is_allowed
from alerting.slack import send_slack
from alerting.webhooks import build_request, send
from cockpit import incidents
from cockpit.config import models as cfg
from cockpit.store import ActionRecord, Alert, DeliveryAttempt, Outbox, Store, utcnow

log = logging.getLogger(__name__)

STALE_MARGIN = timedelta(seconds=5)
NOT_RETRYABLE_DELAY = timedelta(minutes=5)
GIVE_UP_AFTER = timedelta(
    hours=24
)  # then `failed`: shown in the cockpit, requeued by `deliver --retry-failed`


@dataclass(frozen=True)
class Delivered:
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
        table = Outbox.__table__
        query = (
            sa.select(table.c.id, table.c.status, table.c.kind, table.c.target, table.c.claimed_at)
            .where(
                ((table.c.status == "pending") & (table.c.next_attempt_at <= now))
                | (table.c.status == "sending")
            )
            .order_by(table.c.id)
        )
        with self.store.engine.connect() as conn:
            rows = list(conn.execute(query))
        return [
            r.id
            for r in rows
            if r.status == "pending" or r.claimed_at <= now - self.stale_after(r.kind, r.target)
        ]

    def stale_after(self, kind: str, target: str) -> timedelta:
        """A claim older than the target's request timeout plus a margin belongs to a process
        that died mid-send: a live sender would have recorded its attempt by then."""
        hook = self.config.webhooks.get(target) if kind == "webhook" else None
        timeout = hook.timeout if hook is not None else timedelta(seconds=10)
        return timeout + STALE_MARGIN

    def _seconds_to_next(self) -> float | None:
        table = Outbox.__table__
        with self.store.engine.connect() as conn:
            soonest = conn.execute(
                sa.select(sa.func.min(table.c.next_attempt_at)).where(table.c.status == "pending")
            ).scalar()
        if soonest is None:
            return None
        if soonest.tzinfo is None:
            from datetime import UTC

            soonest = soonest.replace(tzinfo=UTC)
        return (soonest - self.clock()).total_seconds()

    def _claim(self, outbox_id: int) -> Outbox | None:
        now = self.clock()
        table = Outbox.__table__
        with self.store.engine.begin() as conn:
            current = conn.execute(
                sa.select(table.c.kind, table.c.target).where(table.c.id == outbox_id)
            ).first()
            if current is None:
                return None
            stale = now - self.stale_after(current.kind, current.target)
            claimed = conn.execute(
                sa.update(table)
                .where(
                    (table.c.id == outbox_id)
                    & (
                        ((table.c.status == "pending") & (table.c.next_attempt_at <= now))
                        | ((table.c.status == "sending") & (table.c.claimed_at <= stale))
                    )
                )
                .values(status="sending", claimed_at=now)
            ).rowcount
            if claimed != 1:
                return None  # another process has it, or it is not due any more
            return Outbox.model_validate(
                conn.execute(sa.select(Outbox).where(Outbox.id == outbox_id)).one()._mapping
            )

    def deliver_one(self, outbox_id: int) -> Delivered | None:
        row = self._claim(outbox_id)
        if row is None:
            return None
        try:
            result = self._send(row)
        except Exception as exc:  # a bug in a transport must not lose the row
            log.exception("delivery %s crashed", row.idempotency_key)
            result = DeliveryResult(
                ok=False,
                status_code=None,
                latency_ms=0.0,
                error=f"internal error: {exc.__class__.__name__}",
            )
        return self._record(row, result)

    # --- sending -------------------------------------------------------------------------------

    def _send(self, row: Outbox) -> DeliveryResult:
        payload = json.loads(row.payload)
        if row.kind == "slack":
            return self._send_slack(row, payload)
        return self._send_webhook(row, payload)

    def _refuse(self, reason: str) -> DeliveryResult:
        # not sent at all: a setting to fix, so no quick retries (still retried, never dropped)
        return DeliveryResult(
            ok=False, status_code=None, latency_ms=0.0, retryable=False, error=reason
        )

    def _send_slack(self, row: Outbox, payload: dict) -> DeliveryResult:
        slack = self.config.notifiers.slack
        if slack is None:
            return self._refuse("no notifiers.slack in the config")
        thread_ts = None
        if row.thread_alert_id is not None:
            with self.store.engine.connect() as conn:
                thread_ts = conn.execute(
                    sa.select(Alert.__table__.c.slack_ts).where(
                        Alert.__table__.c.id == row.thread_alert_id
                    )
                ).scalar()
        message = payload["message"]
        if slack.webhook_url_env:
            url = os.environ.get(slack.webhook_url_env)
            if not url:
                return self._refuse(f"environment variable {slack.webhook_url_env} is not set")
            if not url_is_allowed(url, self.config.hosts_allowed):
                return self._refuse(
                    f"the Slack webhook host is not in allowed_hosts ({slack.webhook_url_env})"
                )
            return send_slack(message, webhook_url=url, timeout_s=10.0)
        token = os.environ.get(slack.token_env or "")
        if not token:
            return self._refuse(f"environment variable {slack.token_env} is not set")
        channel = (
            slack.channels.get(payload.get("severity", ""), slack.channel)
            if row.target != "default"
            else slack.channel
        )  # type: ignore[call-overload]
        if channel is None:
            channel = next(iter(slack.channels.values()))
        return send_slack(
            message,
            token=token,
            channel=channel,
            thread_ts=thread_ts,
            base_url=slack.base_url,
            timeout_s=10.0,
        )

    def _send_webhook(self, row: Outbox, payload: dict) -> DeliveryResult:
        hook = self.config.webhooks.get(row.target)
        if hook is None:
            return self._refuse(f"no webhook named {row.target!r} in the config any more")
        if not url_is_allowed(hook.url, self.config.hosts_allowed):
            return self._refuse(f"webhook {row.target!r}: host not in allowed_hosts")
        secret = os.environ.get(hook.secret_env) if hook.secret_env else None
        token = os.environ.get(hook.token_env) if hook.token_env else None
        for name, value in ((hook.secret_env, secret), (hook.token_env, token)):
            if name and not value:
                return self._refuse(
                    f"webhook {row.target!r}: environment variable {name} is not set"
                )
        try:
            request = build_request(
                hook.style,
                hook.url,
                payload,
                row.idempotency_key,
                now_s=int(self.clock().timestamp()),
                secret=secret,
                token=token,
                event_type=hook.event_type,
                ref=hook.ref,
                repo=hook.repo,
            )
        except ValueError as exc:
            return self._refuse(f"webhook {row.target!r}: {exc}")
        return send(request, timeout_s=hook.timeout.total_seconds())

    # --- bookkeeping ---------------------------------------------------------------------------

    def _record(self, row: Outbox, result: DeliveryResult) -> Delivered:
        now = self.clock()
        attempt = row.attempts + 1
        outbox, actions = Outbox.__table__, ActionRecord.__table__
        with self.store.engine.begin() as conn:
            conn.execute(
                sa.insert(DeliveryAttempt.__table__).values(
                    outbox_id=row.id,
                    attempt=attempt,
                    at=now,
                    ok=result.ok,
                    status_code=result.status_code,
                    latency_ms=result.latency_ms,
                    error=result.error,
                    response_excerpt=(result.response_excerpt or "")[:500] or None,
                )
            )
            if result.ok:
                status = "delivered"
                conn.execute(
                    sa.update(outbox)
                    .where(outbox.c.id == row.id)
                    .values(
                        status=status,
                        attempts=attempt,
                        delivered_at=now,
                        last_error=None,
                        meta=json.dumps(result.meta or {}),
                    )
                )
                self._after_success(conn, row, result)
            else:
                delay = next_delay_s(attempt, retry_after_s=result.retry_after_s, rand=self.rand)
                if not result.retryable:  # a 4xx or a missing setting: wait for someone to fix it
                    delay = max(delay, NOT_RETRYABLE_DELAY.total_seconds())
                give_up = now - row.created_at >= GIVE_UP_AFTER
                status = "failed" if give_up else "pending"
                conn.execute(
                    sa.update(outbox)
                    .where(outbox.c.id == row.id)
                    .values(
                        status=status,
                        attempts=attempt,
                        next_attempt_at=now + timedelta(seconds=delay),
                        last_error=result.error or f"HTTP {result.status_code}",
                    )
                )
                if give_up and row.action_id is not None:
                    conn.execute(
                        sa.update(actions)
                        .where(actions.c.id == row.action_id)
                        .values(status="failed", reason=result.error)
                    )
                    text = f"webhook {row.target} failed for good: {result.error or result.status_code}"
                    incidents.on_action(conn, row.action_id, now, text)
                log.warning(
                    "delivery %s to %s failed (attempt %d): %s",
                    row.idempotency_key,
                    row.target,
                    attempt,
                    result.error or result.status_code,
                )
        return Delivered(
            row.id or 0, row.kind, row.target, result.ok, attempt, status, result.error
        )

    def _after_success(self, conn: sa.Connection, row: Outbox, result: DeliveryResult) -> None:
        if row.action_id is not None and row.kind == "webhook":
            actions = ActionRecord.__table__
            conn.execute(
                sa.update(actions).where(actions.c.id == row.action_id).values(status="delivered")
            )
            text = f"webhook {row.target} delivered (HTTP {result.status_code}, attempt {row.attempts + 1})"
            incidents.on_action(conn, row.action_id, self.clock(), text)
        ts = (result.meta or {}).get("ts")
        if row.kind == "slack" and ts and row.thread_alert_id is None:
            ids = json.loads(row.payload).get("alert_ids") or []
            if ids:
                alerts = Alert.__table__
                conn.execute(
                    sa.update(alerts)
                    .where(alerts.c.id.in_(ids))
                    .values(slack_ts=ts, slack_channel=(result.meta or {}).get("channel"))
                )


def retry_failed(store: Store) -> int:
    """Requeue deliveries that were given up on (``cockpit deliver --retry-failed``)."""
    table = Outbox.__table__
    with store.engine.begin() as conn:
        return conn.execute(
            sa.update(table)
            .where(table.c.status == "failed")
            .values(status="pending", next_attempt_at=utcnow(), created_at=utcnow())
        ).rowcount
