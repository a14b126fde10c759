"""Bytes per run of the store: the sample scenario backfilled into a fresh SQLite file.

Bytes per run = the SQLite file's size / monitor runs stored. Per table, SQLite's ``dbstat``
view gives the pages each table and each of its indexes hold, so what dominates is visible.

    .venv/bin/python bench/bench_store.py [--days 30] [--keep DIR] [--json PATH]

``--keep DIR`` leaves the scenario and its store in DIR (to look at it with ``sqlite3``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Row, print_table, write_json  # noqa: E402
from cockpit.config.loader import load_config  # noqa: E402
from cockpit.engine.cycle import replay  # noqa: E402
from cockpit.store import Store  # noqa: E402
from demo.scenario import SAMPLE_CONFIG, _parse  # noqa: E402
from sample_data.generate import generate  # noqa: E402


@dataclass
class StoreSize:
    """What one SQLite store holds: its file, its runs, and the bytes of each table."""

    file_bytes: int
    runs: int
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows
    table_bytes: dict[str, int] = field(default_factory=dict)  # table -> its own pages
    index_bytes: dict[str, int] = field(default_factory=dict)  # table -> its indexes' pages

    @property
    def bytes_per_run(self) -> float:
        return self.file_bytes / self.runs if self.runs else float("nan")

    def as_dict(self) -> dict:
        return {
            "file_bytes": self.file_bytes,
            "runs": self.runs,
            "bytes_per_run": round(self.bytes_per_run, 1),
            "tables": {
                name: {
                    "rows": self.rows.get(name, 0),
                    "table_bytes": self.table_bytes.get(name, 0),
                    "index_bytes": self.index_bytes.get(name, 0),
                }
                for name in sorted(self.table_bytes)
            },
        }


def measure_sqlite(path: Path) -> StoreSize:
    """The file's size and, from ``dbstat``, each table's pages and its indexes' pages."""
    with sqlite3.connect(path) as conn:
        owner = dict(
            conn.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')"
            )
        )
        tables = {name for name, table in owner.items() if name == table}
        size = StoreSize(file_bytes=path.stat().st_size, runs=0)
        for name, pages_bytes in conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
            table = owner.get(name, name)
            into = size.table_bytes if name in tables else size.index_bytes
            into[table] = into.get(table, 0) + pages_bytes
        for table in tables:
            size.table_bytes.setdefault(table, 0)
            size.rows[table] = conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
        size.runs = size.rows.get("monitor_run", 0)
    return size


def print_sizes(size: StoreSize) -> None:
    print(
        f"store: {size.file_bytes / 2**20:.1f} MB for {size.runs} runs: "
        f"{size.bytes_per_run:,.0f} bytes/run"
    )
    header = f"{'table':<20} {'rows':>10} {'table MB':>9} {'index MB':>9} {'bytes/run':>10}"
    print(header)
    print("-" * len(header))
    order = sorted(
        size.table_bytes, key=lambda t: -(size.table_bytes[t] + size.index_bytes.get(t, 0))
    )
    for table in order:
        total = size.table_bytes[table] + size.index_bytes.get(table, 0)
        if not total:
            continue
        print(
            f"{table:<20} {size.rows.get(table, 0):>10} {size.table_bytes[table] / 2**20:>9.1f} "
            f"{size.index_bytes.get(table, 0) / 2**20:>9.1f} {total / max(size.runs, 1):>10,.0f}"
        )


def run(days: int = 30, keep: Path | None = None) -> tuple[list[Row], StoreSize]:
    root = keep or Path(tempfile.mkdtemp(prefix="bench-store-"))
    root.mkdir(parents=True, exist_ok=True)
    previous_url = os.environ.get("COCKPIT_DATABASE_URL")
    db = root / "store.db"
    db.unlink(missing_ok=True)
    try:
        summary = generate(root / "generated", days=days)
        shutil.copyfile(SAMPLE_CONFIG, root / "cockpit.yaml")
        os.environ["COCKPIT_DATABASE_URL"] = f"sqlite:///{db}"
        config = load_config(root / "cockpit.yaml")
        t0 = time.perf_counter()
        store = Store(config.store_url())
        replay(config, store, _parse(summary["start"]), _parse(summary["end"]))
        seconds = time.perf_counter() - t0
        store.close()
        size = measure_sqlite(db)
        row = Row(
            f"store: {days}d scenario ({size.runs} runs)",
            seconds,
            None,
            "",
            note=f"{size.bytes_per_run:,.0f} bytes/run, {size.file_bytes / 2**20:.1f} MB of SQLite",
        )
        return [row], size
    finally:
        if previous_url is None:
            os.environ.pop("COCKPIT_DATABASE_URL", None)
        else:
            os.environ["COCKPIT_DATABASE_URL"] = previous_url
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    rows, size = run(args.days, args.keep)
    print_sizes(size)
    print()
    print_table(rows)
    if args.json:
        write_json(rows, args.json, {"days": args.days, "store": size.as_dict()})


if __name__ == "__main__":
    main()
