"""The outbox repository on a real store: queued once per key, claimed by one process at a time,
a dead claim taken over, failed rows requeued."""

from __future__ import annotations

from datetime import timedelta

from cockpit.store import Store, utcnow
from cockpit.store import outbox as repo


def test_a_message_is_queued_once_per_key(store: Store) -> None:
    with store.begin() as conn:
        first = repo.add(conn, "slack", "page", "k1", {"message": {"text": "a"}}, alert_id=None)
        again = repo.add(conn, "slack", "page", "k1", {"message": {"text": "b"}})
        other = repo.add(conn, "slack", "page", "k2", {"message": {"text": "c"}})
    assert first == again != other
    assert [row[0] for row in store.outbox_log()] == [other, first]


def test_only_one_claim_holds_until_it_expires(store: Store) -> None:
    with store.begin() as conn:
        outbox_id = repo.add(conn, "webhook", "ci", "k1", {"action": "retrain"})
    now = utcnow() + timedelta(seconds=1)
    with store.begin() as conn:
        claimed = repo.claim(conn, outbox_id, now, expired_before=now - timedelta(seconds=15))
        assert claimed is not None and claimed.status == "sending"
        assert repo.claim(conn, outbox_id, now, expired_before=now - timedelta(seconds=15)) is None
    later = now + timedelta(seconds=16)  # the claimer died mid-send: its claim has expired
    with store.connect() as conn:
        assert [(d.id, d.claimed_at) for d in repo.due(conn, later)] == [(outbox_id, now)]
    with store.begin() as conn:
        assert repo.claim(conn, outbox_id, later, expired_before=later - timedelta(seconds=15))


def test_failed_rows_are_requeued_as_if_new(store: Store) -> None:
    now = utcnow()
    with store.begin() as conn:
        outbox_id = repo.add(conn, "webhook", "ci", "k1", {})
        repo.not_delivered(
            conn, outbox_id, 9, status="failed", next_attempt_at=now, error="HTTP 500"
        )
        assert repo.requeue_failed(conn, now + timedelta(minutes=1)) == 1
    with store.connect() as conn:
        [due] = repo.due(conn, now + timedelta(minutes=1))
        assert due.id == outbox_id and due.claimed_at is None
        assert repo.next_due(conn) == now + timedelta(minutes=1)
