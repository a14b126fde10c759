"""SLI measurements keyed by (run, name number): the series read back as they were written,
and a store written before the change (revision 0005) keeps every value through the migration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from cockpit.store import RunRecord, Store, UTCDateTime

T = datetime(2026, 10, 10, 14, 0, tzinfo=UTC)


def record(end: datetime, monitor: str = "quality", **slis: float | None) -> RunRecord:
    return RunRecord(
        service="loan",
        monitor=monitor,
        kind="data_quality",
        window_start=end - timedelta(minutes=5),
        window_end=end,
        status="ok",
        slis=slis,
        good=1.0,
        total=1.0,
    )


def test_series_come_back_in_time_order_with_their_names_and_monitors(store_url: str) -> None:
    store = Store(store_url)
    store.save_runs(
        [
            record(T + timedelta(minutes=5), valid_rows_share=0.9, rows=10.0),
            record(T, valid_rows_share=0.8, rows=None),
            record(T, monitor="drift", drift_share=0.1),
        ]
    )
    assert store.measurements("loan", "quality", ["valid_rows_share"]) == [
        (T, "quality", "valid_rows_share", 0.8),
        (T + timedelta(minutes=5), "quality", "valid_rows_share", 0.9),
    ]
    assert sorted(store.measurements("loan", since=T)) == [
        (T + timedelta(minutes=5), "quality", "rows", 10.0),
        (T + timedelta(minutes=5), "quality", "valid_rows_share", 0.9),
    ]
    assert sorted(store.measurements("loan", until=T)) == sorted(
        [
            (T, "quality", "valid_rows_share", 0.8),
            (T, "quality", "rows", None),
            (T, "drift", "drift_share", 0.1),
        ]
    )
    with store.engine.connect() as conn:  # each name is stored once
        names = conn.execute(sa.text("SELECT name FROM sli_name ORDER BY name")).scalars().all()
    assert names == ["drift_share", "rows", "valid_rows_share"]


def test_a_store_written_before_the_change_keeps_every_value(store_url: str) -> None:
    store = Store(store_url, migrate=False)
    store.upgrade("0005")
    with store.engine.begin() as conn:
        ids = []
        for end, share in [(T, 0.5), (T + timedelta(minutes=5), 0.7)]:
            run_id = conn.execute(
                _insert(
                    "INSERT INTO monitor_run (service, monitor, kind, window_start, window_end, "
                    "status, duration_s, started_at) VALUES ('loan', 'quality', 'data_quality', "
                    ":start, :end, 'ok', 0, :end) RETURNING id",
                    "start",
                    "end",
                ),
                {"start": end - timedelta(minutes=5), "end": end},
            ).scalar_one()
            ids.append(run_id)
            for name, value in (("valid_rows_share", share), ("rows", None)):
                conn.execute(
                    _insert(
                        "INSERT INTO sli_measurement (run_id, service, monitor, name, value, "
                        "window_end) VALUES (:run, 'loan', 'quality', :name, :value, :end)",
                        "end",
                    ),
                    {"run": run_id, "name": name, "value": value, "end": end},
                )
    store.upgrade()
    assert store.current_revision() == "0008"
    assert store.measurements("loan", "quality") == [
        (T, "quality", "valid_rows_share", 0.5),
        (T, "quality", "rows", None),
        (T + timedelta(minutes=5), "quality", "valid_rows_share", 0.7),
        (T + timedelta(minutes=5), "quality", "rows", None),
    ]
    assert store.run_values(ids, ["valid_rows_share"]) == {
        (ids[0], "valid_rows_share"): 0.5,
        (ids[1], "valid_rows_share"): 0.7,
    }
    store.save_run(record(T + timedelta(minutes=10), valid_rows_share=0.9, volume_ratio=1.0))
    assert store.measurements("loan", "quality", ["valid_rows_share"], since=T)[-1][3] == 0.9


def _insert(sql: str, *times: str) -> sa.TextClause:
    """Hand-written SQL whose time parameters are stored as the store stores times."""
    return sa.text(sql).bindparams(*(sa.bindparam(t, type_=UTCDateTime) for t in times))
