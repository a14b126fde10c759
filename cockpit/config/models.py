"""The config's models: a service's schema, prediction, SLOs and actions, notifiers, webhooks,
and the top level. A service's ``monitors`` accept every registered monitor kind's model
(:mod:`cockpit.kinds`), rebuilt when the set of kinds changes; ``notifiers`` has an entry for
every registered notifier sink, and a ``webhooks`` entry is the webhook sink's settings
(:mod:`alerting.sinks`): each sink's model is its own module's.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import ConfigDict, Field, field_validator, model_validator
from pydantic.fields import FieldInfo

import alerting.sinks.builtin  # noqa: F401 - registers the built-in sinks
import cockpit.kinds.builtin  # noqa: F401 - registers the built-in kinds
from alerting.hosts import DEFAULT_ALLOWED_HOSTS
from alerting.sinks import fields as sink_fields
from alerting.sinks import registry as sink_registry
from alerting.sinks.webhook import WebhookSettings
from cockpit.config import base
from cockpit.config.base import Duration, MonitorBase, Scalar, Strict
from cockpit.config.sources import (  # noqa: F401 - also read as models.FileSource, ...
    DataSources,
    FileSource,
    LabelsFileSource,
    LabelsSqlSource,
    RollingReference,
    SqlSource,
    TableSource,
)
from cockpit.kinds import registry
from slo.series import Condition


def _is_condition(text: str) -> bool:
    try:
        Condition.parse(text)
    except ValueError:
        return False
    return True


class ColumnSchema(Strict):
    type: Literal["float", "int", "category", "str", "bool"]
    min: float | None = None
    max: float | None = None
    allowed: list[Scalar] | None = None
    nullable: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> ColumnSchema:
        if (self.min is not None or self.max is not None) and self.type not in ("float", "int"):
            raise ValueError(f"min/max apply to float and int columns, not {self.type!r}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        if self.allowed is not None and self.type in ("float", "bool"):
            raise ValueError(
                f"`allowed` applies to category, str and int columns, not {self.type!r}"
            )
        return self


class Shadow(Strict):
    """A shadow model scored on the same requests as the live one, its score in its own
    column of the prediction log (never served)."""

    column: str = Field(description="column with the shadow model's score, like score_v7")
    version: str = Field(description="the shadow model's version, like v7")


class Prediction(Strict):
    column: str
    kind: Literal["binary_classification", "multiclass_classification", "regression"]
    threshold: float = 0.5
    label: str | None = Field(default=None, description="label column (in labels or current data)")
    positive_label: Scalar = 1
    model_version: str = Field(default="model_version", description="column with the model version")
    shadow: Shadow | None = Field(
        default=None, description="a shadow model's score beside the live one: {column, version}"
    )


class AlertTier(Strict):
    """One multi-window burn-rate tier; the SRE Workbook's four are the default."""

    severity: Literal["page", "ticket"]
    long_window: Duration
    short_window: Duration
    budget_share: float | None = Field(
        default=None, gt=0, le=1, description="factor = share * W / long"
    )
    factor: float | None = Field(default=None, gt=0, description="a fixed burn-rate threshold")

    @model_validator(mode="after")
    def _one_threshold(self) -> AlertTier:
        if (self.budget_share is None) == (self.factor is None):
            raise ValueError(
                "give exactly one of `budget_share` (like 0.02) or `factor` (like 14.4)"
            )
        if self.short_window >= self.long_window:
            raise ValueError("`short_window` must be shorter than `long_window`")
        return self


class SLO(Strict):
    name: str
    monitor: str
    objective: float
    window: Duration | Literal["calendar_month"] = timedelta(days=28)
    good: str | None = Field(
        default=None, description="timeslice condition, like 'drift_share <= 0.3'"
    )
    min_events: int = Field(default=0, ge=0, description="fewer events in a window: no alert")
    tiers: list[AlertTier] | None = Field(default=None, description="default: the SRE Workbook's")
    description: str | None = None
    runbook_url: str | None = Field(
        default=None, description="what to do when it fires (default: the service's)"
    )

    @field_validator("objective", mode="before")
    @classmethod
    def _objective(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool) and not 0 < value < 1:
            hint = f" (write {value / 100:g})" if 1 < value < 100 else ""
            raise ValueError(f"must be between 0 and 1, got {value!r}{hint}")
        return value

    @field_validator("good")
    @classmethod
    def _condition(cls, value: str | None) -> str | None:
        if value is not None and not _is_condition(value):
            raise ValueError(
                f"not a condition: {value!r} (write an SLI, a comparison and a number, like 'drift_share <= 0.3')"
            )
        return value

    @property
    def method(self) -> Literal["occurrences", "timeslices"]:
        return "occurrences" if self.good is None else "timeslices"

    @property
    def window_length(self) -> timedelta:
        """The window's length; a calendar month's longest (31 days)."""
        return MONTH if self.window == "calendar_month" else self.window


class ActionTrigger(Strict):
    slo: str
    severity: Literal["page", "ticket"] | None = None


class Action(Strict):
    on: ActionTrigger
    do: str = Field(description="retrain, rollback or a name of your own")
    webhook: str
    cooldown: Duration | None = None
    max_per_day: int | None = Field(default=None, gt=0)
    dry_run: bool = False
    approval: bool = False
    verify_within: Duration | None = None


EngineName = Literal["auto", "pandas", "duckdb", "spark"]


class DuckDBSettings(Strict):
    memory_limit: str = Field(default="2GB", description="DuckDB's memory_limit, like 2GB")
    threads: int = Field(default=2, ge=1)
    temp_directory: str | None = Field(
        default=None, description="where DuckDB spills what does not fit (default: its own)"
    )


class SparkSettings(Strict):
    remote: str | None = Field(
        default=None,
        description='the Spark Connect URL, like "sc://spark-connect.internal:15002" (default: '
        "$SPARK_REMOTE, else that one); local[2] starts a local server, which needs Java 17",
    )
    token_env: str | None = Field(
        default=None,
        description="environment variable holding the Spark Connect token (never in the config)",
    )
    conf: dict[str, str] = Field(
        default_factory=lambda: {"spark.sql.shuffle.partitions": "8"},
        description="Spark SQL settings of the cockpit's session",
    )

    @field_validator("remote")
    @classmethod
    def _no_token_in_remote(cls, value: str | None) -> str | None:
        if value and "token=" in value:
            raise ValueError(
                "the remote holds a token: name its environment variable in "
                "engines.spark.token_env instead, and drop ;token=... from the URL"
            )
        return value


class Engines(Strict):
    """``engines:``: how each engine that computes a window's profile away from the cockpit's
    own memory is set up."""

    duckdb: DuckDBSettings = Field(default_factory=DuckDBSettings)
    spark: SparkSettings = Field(default_factory=SparkSettings)


class Service(Strict):
    name: str
    owner: str | None = None
    description: str | None = None
    runbook_url: str | None = Field(
        default=None, description="the service's runbook, linked from its alerts"
    )
    engine: EngineName = Field(
        default="auto",
        description="where windows are computed: auto (in process when they fit, DuckDB when "
        "not; a SQL source in its own database), pandas, duckdb or spark",
    )
    data: DataSources
    schema_: dict[str, ColumnSchema] = Field(default_factory=dict, alias="schema")
    prediction: Prediction | None = None
    monitors: list[MonitorBase] = Field(default_factory=list)  # every kind's: see _rebuild
    slos: list[SLO] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def monitor(self, name: str) -> Any:
        """The monitor called ``name`` (a model of its kind); ``StopIteration`` when none."""
        return next(m for m in self.monitors if m.name == name)


class Notifiers(Strict):
    """``notifiers:``: one optional entry per notifier sink, keyed by its name (``slack``), its
    model the sink's own (:mod:`alerting.sinks`). The fields are set from the sink registry
    (see :func:`_rebuild_notifiers`)."""

    def get(self, name: str) -> Any | None:
        """The settings of the notifier called ``name``, or None when it is not configured."""
        return getattr(self, name) if name in type(self).model_fields else None


Webhook = WebhookSettings  # a `webhooks.<name>` entry: the webhook sink's settings


class AlertingDefaults(Strict):
    repeat_interval: Duration = Field(
        default=timedelta(hours=4), description="re-notify a firing alert"
    )
    send_resolved: bool = True
    monitor_broken_after: int = Field(default=3, ge=1, description="failed runs in a row")
    stale_after: Duration | None = Field(
        default=None,
        description="no ok run for longer: a stale ticket (default: 3 intervals, at least 15m)",
    )
    at_risk_below: float = Field(
        default=0.25, gt=0, lt=1, description="budget left under this share: at_risk"
    )


MONTH = timedelta(days=31)  # the longest calendar month: what ``window: calendar_month`` may read


class StoreRetention(Strict):
    """``store_retention:``: how long the store keeps what grows with every run; the daemon
    deletes what is older every ``every``, and ``cockpit store prune`` does it on demand.

    What an open incident, a firing alert nobody acknowledged or an outbox row still to send
    refers to is kept whatever its age (see ``cockpit.engine.retention``).
    """

    runs: Duration = Field(
        default=timedelta(days=90),
        description="monitor runs and their SLI values are kept this long (at least the longest "
        "SLO window: SLOs are computed from the runs)",
    )
    slo_history_margin: Duration = Field(
        default=timedelta(days=7),
        description="SLO evaluations are kept for the longest SLO window plus this",
    )
    every: Duration = Field(default=timedelta(hours=1), description="how often the daemon prunes")


class DaemonSettings(Strict):
    """``daemon:``: how ``cockpit serve`` runs the monitors."""

    workers: int = Field(
        default=4,
        ge=1,
        le=64,
        description="monitors run at the same time (one run per monitor at a time; a monitor "
        "still running when it is due again skips that tick)",
    )


class Config(Strict):
    version: Literal["cockpit/v1"]
    store: str | None = None
    cockpit_url: str | None = Field(default=None, description="base URL for links in alerts")
    allowed_hosts: list[str] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    notifiers: Notifiers = Field(default_factory=Notifiers)
    webhooks: dict[str, Webhook] = Field(default_factory=dict)
    alerting: AlertingDefaults = Field(default_factory=AlertingDefaults)
    engines: Engines = Field(default_factory=Engines)
    store_retention: StoreRetention = Field(default_factory=StoreRetention)
    daemon: DaemonSettings = Field(default_factory=DaemonSettings)

    # Not from YAML: where the file is, so relative paths resolve against it. Its folder is
    # made absolute when the file is parsed, so a later change of working directory (or another
    # process reading what this one stored) means the same files.
    source_file: Path | None = Field(default=None, exclude=True)

    @property
    def base_dir(self) -> Path:
        """The config's folder, absolute: relative paths in the config (sources, the SQLite
        store, drift reports) resolve against it."""
        return self.source_file.parent if self.source_file else Path.cwd()

    @property
    def hosts_allowed(self) -> tuple[str, ...]:
        return (*DEFAULT_ALLOWED_HOSTS, *self.allowed_hosts)

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def store_url(self) -> str:
        """``COCKPIT_DATABASE_URL``, else ``store:``, else ``cockpit.db`` beside the config.

        A relative SQLite path is resolved against the config file's folder.
        """
        url = os.environ.get("COCKPIT_DATABASE_URL") or self.store or "sqlite:///cockpit.db"
        return resolve_sqlite_url(url, self.base_dir)


def resolve_sqlite_url(url: str, base_dir: Path) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:////") and url != "sqlite:///:memory:":
        relative = url[len(prefix) :]
        if relative and not Path(relative).is_absolute():
            return prefix + str((base_dir / relative).resolve())
    return url


def _rebuild() -> None:
    """A service's monitors: the union of every registered kind's model, told apart by
    ``kind``."""
    models = tuple(k.model for k in registry.KINDS.all())
    union = Annotated[Union[models], Field(discriminator="kind")]  # noqa: UP007 - built at run time
    Service.model_fields["monitors"].annotation = list[union]  # type: ignore[valid-type]
    Service.model_rebuild(force=True)
    Config.model_rebuild(force=True)


def _rebuild_notifiers() -> None:
    """``notifiers``: one optional field per registered notifier sink, of its model."""
    Notifiers.model_fields.clear()
    for sink in sink_registry.notifiers():
        Notifiers.model_fields[sink.name] = FieldInfo(annotation=sink.model | None, default=None)
    Notifiers.model_rebuild(force=True)
    Config.model_rebuild(force=True)


# A sink's settings name environment variables and durations by the config's own rules.
sink_fields.use(env_name=base._env_name, duration=base._duration)
registry.KINDS.on_change(_rebuild)
sink_registry.SINKS.on_change(_rebuild_notifiers)
