"""The cockpit's exceptions, one tree.

    CockpitError                 anything a user can cause and fix; shown plainly, no traceback
    ├── ConfigError              the YAML config is invalid (carries every problem found)
    ├── SourceError              a data source cannot be read: missing file, column, table, URL
    ├── MonitorError             a monitor cannot compute its SLIs from the data it was given
    ├── StoreError               the store cannot be opened or migrated
    │   └── NoStoreError         no store exists there yet (a read-only command creates none)
    ├── UsageError               a command names something the config does not have
    └── DeliveryError            a notification or webhook could not be delivered

Anything else that escapes is a bug: the CLI and the daemon log it with its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


class CockpitError(Exception):
    """Root of every error a user can cause."""


@dataclass(frozen=True)
class Problem:
    """One problem in a config file: where it is and what to do about it."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}: {where}{self.message}"


class ConfigError(CockpitError):
    """The config is invalid; ``problems`` lists every problem, one line each."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.path))
        super().__init__("\n".join(str(p) for p in self.problems))


class SourceError(CockpitError):
    """A data source cannot be read. The message names the source and, when known, the column."""


class MonitorError(CockpitError):
    """A monitor cannot compute its SLIs; the message names the column and the source."""


class StoreError(CockpitError):
    """The store cannot be reached, opened or migrated."""


class NoStoreError(StoreError):
    """Nothing has created a store at the URL yet: no SQLite file, or a database (schema) where
    no migration ever ran."""


class UsageError(CockpitError):
    """A command or form names a service, SLO or severity that the config does not have; the
    CLI exits 2 for it, as for an invalid config."""


class DeliveryError(CockpitError):
    """A notification or webhook delivery failed."""
