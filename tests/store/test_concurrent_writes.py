"""Several threads saving runs into one store at once (the daemon's pool): every run is kept,
none fails with "database is locked" (SQLite waits for the writer before it), and a replaced
run is stamped as saved again."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from cockpit.store import RunRecord, Store

T = datetime(2026, 10, 10, tzinfo=UTC)
THREADS, RUNS = 6, 40


def record(monitor: str, end: datetime, share: float) -> RunRecord:
    return RunRecord(
        service="svc",
        monitor=monitor,
        kind="data_quality",
        window_start=end - timedelta(minutes=5),
        window_end=end,
        status="ok",
        slis={"valid_rows_share": share, f"rows[{monitor}]": 1.0},
        good=1.0,
        total=1.0,
    )


def test_threads_saving_at_once_lose_nothing(store_url: str) -> None:
    store = Store(store_url)
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def write(monitor: str) -> None:
        start.wait()
        try:
            for i in range(RUNS):  # every run twice: an insert, then its replacement
                end = T + timedelta(minutes=5 * i)
                store.save_run(record(monitor, end, 0.5))
                store.save_run(record(monitor, end, 0.9))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(f"m{n}",)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(store.run_counts()) == [("svc", f"m{n}", "ok", RUNS) for n in range(THREADS)]
    values = {v for *_, v in store.measurements("svc", names=["valid_rows_share"])}
    assert values == {0.9}


def test_a_replaced_run_is_saved_again(store_url: str) -> None:
    store = Store(store_url)
    store.save_run(record("m", T, 0.5))
    first = store.runs("svc", "m")[0].saved_at
    assert first is not None
    assert store.changed_runs(first, ["valid_rows_share"]).runs == []
    store.save_run(record("m", T, 0.9))
    changed = store.changed_runs(first, ["valid_rows_share"])
    assert [row[3] for row in changed.runs] == [T]
    assert list(changed.values.values()) == [0.9]
