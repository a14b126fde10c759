"""The actions and deliveries read models (cockpit/read/actions.py) on a real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from cockpit.read import actions
from cockpit.store import ActionRecord, DeliveryAttempt, Outbox, Store

END = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)


@pytest.mark.parametrize(
    ("status", "attempts", "state"),
    [
        ("pending", 0, "queued"),
        ("pending", 2, "retrying"),
        ("delivered", 1, "delivered"),
        ("failed", 5, "failed"),
    ],
    ids=["never tried is queued", "tried and pending is retrying", "delivered", "failed"],
)
def test_delivery_state(status: str, attempts: int, state: str) -> None:
    assert actions.delivery_state(status, attempts) == state


def test_notification_log_and_actions_show_every_attempt(store: Store) -> None:
    with store.engine.begin() as conn:
        outbox_id = conn.execute(
            sa.insert(Outbox.__table__).values(
                idempotency_key="k1",
                kind="webhook",
                target="ci-retrain",
                payload="{}",
                status="pending",
                attempts=2,
                last_error="HTTP 503",
            )
        ).inserted_primary_key[0]
        conn.execute(
            sa.insert(DeliveryAttempt.__table__),
            [
                {"outbox_id": outbox_id, "attempt": n, "at": END + STEP * n, "ok": False,
                 "status_code": 503, "latency_ms": 12.0, "error": "HTTP 503"}
                for n in (1, 2)
            ],
        )  # fmt: skip
        conn.execute(
            sa.insert(ActionRecord.__table__).values(
                service="svc-0", slo="valid", severity="page", do="retrain", webhook="ci-retrain",
                rule=0, status="queued", idempotency_key="a1", created_at=END, outbox_id=outbox_id,
            )
        )  # fmt: skip
    log = actions.notification_log(store)
    assert log[["target", "state", "attempts", "last_error"]].values.tolist() == [
        ["ci-retrain", "retrying", 2, "HTTP 503"]
    ]
    attempts = actions.delivery_attempts(store)
    assert attempts["attempt"].tolist() == [2, 1]
    assert attempts["status_code"].tolist() == [503, 503]
    table = actions.actions_table(store)
    assert table[["action", "status", "attempts", "delivery", "outbox_id"]].values.tolist() == [
        ["retrain", "queued", 2, "retrying", outbox_id]
    ]
    assert actions.pending_of(table).empty
