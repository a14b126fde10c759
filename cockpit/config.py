"""Monitoring as code: the ``cockpit/v1`` YAML, validated into pydantic models.

``load_config(path)`` returns a :class:`Config` or raises :class:`ConfigError` carrying every
problem found, each as ``FILE:LINE: PATH: message``. Three passes, all reported together:

1. YAML syntax (its own line), duplicate keys;
2. structure and types (pydantic, ``extra="forbid"``), mapped back to the line of the key;
3. meaning: cross-references (an SLO's monitor, an action's webhook), duplicate names, secrets
   written literally instead of named by environment variable, SLO conditions.

The keys are a public contract; see README.md for a complete example.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlsplit

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from cockpit.durations import parse_duration
from cockpit.errors import ConfigError, Problem
from cockpit.yamlmap import format_path, load_with_lines, yaml12_booleans

VERSION = "cockpit/v1"
DEFAULT_ALLOWED_HOSTS = ("hooks.slack.com", "slack.com", "api.github.com", "gitlab.com")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
TOKEN_SHAPES = re.compile(r"^(xox[abposr]-|xapp-|whsec_|ghp_|gho_|github_pat_|glpat-|sk-)")
SECRET_KEYS = {
    "token": "token_env",
    "bot_token": "token_env",
    "secret": "secret_env",
    "password": "an environment variable in the URL's place (url_env)",
    "webhook_url": "webhook_url_env",
    "api_key": "an *_env key",
}
CONDITION = re.compile(
    r"^\s*(?P<sli>[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]+\])?)\s*(?P<op><=|>=|<|>|==)\s*"
    r"(?P<value>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)

# SLIs each monitor kind produces (per-column ones are written name[column]).
SLI_NAMES: dict[str, set[str]] = {
    "data_quality": {
        "valid_rows_share",
        "rows",
        "duplicate_share",
        "volume_ratio",
        "missing_share",
        "out_of_range_share",
        "unexpected_share",
        "type_error_share",
    },
    "drift": {"drift_share", "drifted_columns", "drift_score"},
    "prediction_quality": {
        "accuracy",
        "precision",
        "recall",
        "f1",
        "roc_auc",
        "log_loss",
        "mae",
        "rmse",
        "mape",
        "r2",
        "ctr",
        "labelled_share",
        "unlabelled_share",
        "rows",
    },
    "system": {
        "latency_p50",
        "latency_p95",
        "latency_p99",
        "error_rate",
        "throughput_rps",
        "freshness_s",
        "good_share",
        "rows",
        "value",
    },
}


# --- YAML: YAML 1.2 booleans, so that `on:` (an action's trigger) stays a string key -------

_Loader = yaml12_booleans()


# --- field types -----------------------------------------------------------------------------


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(
            f"durations are strings with a unit, got {value!r} (write '{value}s' or '{value}m')"
        )
    return parse_duration(value)


Duration = Annotated[timedelta, BeforeValidator(_duration)]


def _env_name(value: Any) -> str:
    looks_secret = isinstance(value, str) and bool(TOKEN_SHAPES.match(value))
    if not isinstance(value, str) or not ENV_NAME.match(value) or looks_secret:
        hint = (
            " (it looks like the secret itself: never write it in the file)" if looks_secret else ""
        )
        raise ValueError(
            f"must name an environment variable, like SLACK_BOT_TOKEN, got {_redact(value)!r}{hint}"
        )
    return value


EnvName = Annotated[str, BeforeValidator(_env_name)]


def _redact(value: Any) -> Any:
    """Never echo a secret back in an error message."""
    if isinstance(value, str) and (TOKEN_SHAPES.match(value) or len(value) > 24):
        return value[:6] + "…"
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- data sources ----------------------------------------------------------------------------


class FileSource(Strict):
    kind: Literal["csv", "parquet"]
    path: str = Field(description="a file or a glob, relative to the config file")
    timestamp: str | None = Field(default=None, description="column with each row's time")


class SqlSource(Strict):
    kind: Literal["sql"]
    url: str | None = None
    url_env: EnvName | None = None
    table: str | None = None
    query: str | None = None
    timestamp: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> SqlSource:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of `url` or `url_env`")
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of `table` or `query`")
        return self


class LabelsFileSource(FileSource):
    key: str = Field(description="column joining labels to predictions, e.g. request_id")
    delay: Duration = Field(default=timedelta(0), description="how late labels arrive")


class LabelsSqlSource(SqlSource):
    key: str
    delay: Duration = timedelta(0)


class RollingReference(Strict):
    """A reference taken from the current source itself: ``[T - offset - window, T - offset)``."""

    window: Duration
    offset: Duration = timedelta(0)


def _source_tag(value: Any) -> str | None:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    if kind is None and isinstance(value, dict) and "window" in value:
        return "rolling"
    return {"csv": "file", "parquet": "file", "sql": "sql"}.get(kind, kind)


Source = Annotated[
    Annotated[FileSource, Tag("file")] | Annotated[SqlSource, Tag("sql")],
    Discriminator(_source_tag),
]
ReferenceSource = Annotated[
    Annotated[FileSource, Tag("file")]
    | Annotated[SqlSource, Tag("sql")]
    | Annotated[RollingReference, Tag("rolling")],
    Discriminator(_source_tag),
]
LabelsSource = Annotated[
    Annotated[LabelsFileSource, Tag("file")] | Annotated[LabelsSqlSource, Tag("sql")],
    Discriminator(_source_tag),
]


class DataSources(Strict):
    current: Source
    reference: ReferenceSource | None = None
    labels: LabelsSource | None = None

    @field_validator("current")
    @classmethod
    def _needs_timestamp(cls, value: FileSource | SqlSource) -> FileSource | SqlSource:
        if value.timestamp is None:
            raise ValueError("the current data needs `timestamp`, the column with each row's time")
        return value


# --- schema, prediction ----------------------------------------------------------------------

Scalar = str | int | float | bool


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


class Prediction(Strict):
    column: str
    kind: Literal["binary_classification", "multiclass_classification", "regression"]
    threshold: float = 0.5
    label: str | None = Field(default=None, description="label column (in labels or current data)")
    positive_label: Scalar = 1
    model_version: str = Field(default="model_version", description="column with the model version")


# --- monitors --------------------------------------------------------------------------------


class MonitorBase(Strict):
    name: str
    every: Duration | None = None
    cron: str | None = None
    window: Duration | None = Field(default=None, description="defaults to `every`")
    description: str | None = None

    @model_validator(mode="after")
    def _schedule(self) -> MonitorBase:
        if (self.every is None) == (self.cron is None):
            raise ValueError("give exactly one of `every` (like '5m') or `cron` (like '0 * * * *')")
        if self.cron is not None and self.window is None:
            raise ValueError(
                "a cron monitor needs `window` (like '1h'): there is no `every` to default to"
            )
        return self

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None:
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(value, timezone="UTC")
            except ValueError as exc:
                raise ValueError(f"not a crontab expression: {value!r} ({exc})") from None
        return value

    @property
    def window_length(self) -> timedelta:
        return self.window or self.every  # type: ignore[return-value]


class DataQualityMonitor(MonitorBase):
    kind: Literal["data_quality"]
    columns: list[str] | None = Field(default=None, description="schema columns; default all")


class DriftReport(Strict):
    enabled: bool = True
    max_rows: int = Field(default=10_000, gt=0)
    max_bytes: int = Field(default=5_000_000, gt=0)


class DriftMonitor(MonitorBase):
    kind: Literal["drift"]
    method: Literal["auto", "ks", "wasserstein", "psi", "jensenshannon", "chisquare"] = "auto"
    columns: list[str] | None = Field(default=None, description="default: every schema column")
    threshold: float | None = None
    report: DriftReport | bool = False
    min_rows: int = Field(
        default=500, ge=1, description="fewer rows: no_data (a few hundred rows are mostly noise)"
    )


class PredictionQualityMonitor(MonitorBase):
    kind: Literal["prediction_quality"]
    metric: Literal[
        "accuracy",
        "precision",
        "recall",
        "f1",
        "roc_auc",
        "log_loss",
        "mae",
        "rmse",
        "mape",
        "r2",
        "ctr",
    ]
    slices: list[str] = Field(default_factory=list)
    numerator: str | None = Field(default=None, description="ctr: e.g. clicks")
    denominator: str | None = Field(default=None, description="ctr: e.g. impressions")
    tolerance: float | None = Field(
        default=None, description="regression: good when |error| <= tolerance"
    )

    min_rows: int = Field(default=30, ge=1, description="fewer labelled rows: no_data")

    @model_validator(mode="after")
    def _ctr(self) -> PredictionQualityMonitor:
        if self.metric == "ctr" and (self.numerator is None or self.denominator is None):
            raise ValueError(
                "metric 'ctr' needs `numerator` (e.g. clicks) and `denominator` (e.g. impressions)"
            )
        return self


class PrometheusQuery(Strict):
    url: str | None = None
    url_env: EnvName | None = None
    query: str | None = Field(default=None, description="PromQL; $window becomes the window")
    good_query: str | None = None
    total_query: str | None = None
    timeout: Duration = timedelta(seconds=10)

    @model_validator(mode="after")
    def _queries(self) -> PrometheusQuery:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of `url` or `url_env`")
        if self.query is None and (self.good_query is None or self.total_query is None):
            raise ValueError("give `query`, or both `good_query` and `total_query`")
        return self


class SystemMonitor(MonitorBase):
    kind: Literal["system"]
    metric: Literal["latency", "error_rate", "throughput", "freshness"] = "latency"
    column: str = Field(default="latency_ms", description="latency column in milliseconds")
    threshold_ms: float | None = Field(default=None, gt=0)
    error_column: str | None = None
    prometheus: PrometheusQuery | None = None


Monitor = Annotated[
    DataQualityMonitor | DriftMonitor | PredictionQualityMonitor | SystemMonitor,
    Field(discriminator="kind"),
]


# --- SLOs and actions ------------------------------------------------------------------------


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
        if value is not None and not CONDITION.match(value):
            raise ValueError(
                f"not a condition: {value!r} (write an SLI, a comparison and a number, like 'drift_share <= 0.3')"
            )
        return value

    @property
    def method(self) -> Literal["occurrences", "timeslices"]:
        return "occurrences" if self.good is None else "timeslices"


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


class Service(Strict):
    name: str
    owner: str | None = None
    description: str | None = None
    data: DataSources
    schema_: dict[str, ColumnSchema] = Field(default_factory=dict, alias="schema")
    prediction: Prediction | None = None
    monitors: list[Monitor] = Field(default_factory=list)
    slos: list[SLO] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def monitor(
        self, name: str
    ) -> DataQualityMonitor | DriftMonitor | PredictionQualityMonitor | SystemMonitor:
        return next(m for m in self.monitors if m.name == name)


# --- notifiers, webhooks, top level ----------------------------------------------------------


class SlackNotifier(Strict):
    webhook_url_env: EnvName | None = None
    token_env: EnvName | None = None
    channel: str | None = None
    channels: dict[Literal["page", "ticket"], str] = Field(
        default_factory=dict, description="per-severity channels (bot token only)"
    )
    base_url: str | None = Field(default=None, description="Slack API base URL (tests, proxies)")

    @model_validator(mode="after")
    def _one_way(self) -> SlackNotifier:
        if (self.webhook_url_env is None) == (self.token_env is None):
            raise ValueError(
                "give exactly one of `webhook_url_env` or `token_env` (with `channel`)"
            )
        if self.token_env is not None and self.channel is None and not self.channels:
            raise ValueError('a bot token needs `channel`, like "#ml-oncall"')
        return self


class Notifiers(Strict):
    slack: SlackNotifier | None = None


class Webhook(Strict):
    url: str
    secret_env: EnvName | None = Field(
        default=None, description="standard: the whsec_ signing secret"
    )
    token_env: EnvName | None = Field(
        default=None, description="github/gitlab: the API or trigger token"
    )
    style: Literal["standard", "github_dispatch", "gitlab_trigger"] = "standard"
    repo: str | None = Field(
        default=None, description="github_dispatch: owner/name (url is the API base)"
    )
    event_type: str | None = Field(default=None, description="github_dispatch: event_type")
    ref: str | None = Field(default=None, description="gitlab_trigger: branch or tag")
    timeout: Duration = timedelta(seconds=10)

    @model_validator(mode="after")
    def _style_needs(self) -> Webhook:
        if self.style in ("github_dispatch", "gitlab_trigger") and self.token_env is None:
            raise ValueError(
                f"style {self.style!r} needs `token_env`, the variable holding the token"
            )
        if (
            self.style == "github_dispatch"
            and self.repo is None
            and not self.url.rstrip("/").endswith("/dispatches")
        ):
            raise ValueError(
                "github_dispatch needs `repo: owner/name` (or a url ending in /dispatches)"
            )
        return self


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


class Config(Strict):
    version: Literal["cockpit/v1"]
    store: str | None = None
    cockpit_url: str | None = Field(default=None, description="base URL for links in alerts")
    allowed_hosts: list[str] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    notifiers: Notifiers = Field(default_factory=Notifiers)
    webhooks: dict[str, Webhook] = Field(default_factory=dict)
    alerting: AlertingDefaults = Field(default_factory=AlertingDefaults)

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


# --- loading ---------------------------------------------------------------------------------


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read, validate and cross-check a config file; ``ConfigError`` lists every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            [Problem(str(path), 1, "", f"cannot read the config: {exc.strerror}")]
        ) from None
    return parse_config(text, str(path), source_file=path)


def parse_config(text: str, file: str = "<config>", *, source_file: Path | None = None) -> Config:
    try:
        data, lines = load_with_lines(text, loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([Problem(file, line, "", f"YAML syntax error: {problem}")]) from None

    problems: dict[tuple[int, str], Problem] = {}

    def add(path: tuple[Any, ...], message: str) -> None:
        problem = Problem(file, lines.line_of(path), format_path(path), message)
        problems.setdefault((problem.line, problem.path), problem)

    for dup_path, _line in lines.duplicates:
        add(
            dup_path,
            "duplicate key: it appears more than once in this mapping (YAML keeps only the last)",
        )

    if not isinstance(data, dict):
        add(
            (), f"the config must be a mapping with `version: {VERSION}`, got {type(data).__name__}"
        )
        raise ConfigError(list(problems.values()))

    for where, message in _host_problems(data):
        add(where, message)
    for where, message in _semantic_problems(data):
        add(where, message)

    config: Config | None = None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = error["loc"]
            if error["type"] == "missing":
                where = (*_data_path(data, loc[:-1]), loc[-1])
            else:
                where = _data_path(data, loc)
            add(where, _message(error, where))

    if problems:
        raise ConfigError(list(problems.values()))
    assert config is not None
    if source_file is not None:  # the folder resolved, the file name as given
        source_file = source_file.parent.resolve() / source_file.name
    return config.model_copy(update={"source_file": source_file})


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop pydantic's union tags from ``loc`` so it names keys that are in the file."""
    path: list[Any] = []
    node = data
    for part in loc:
        if (
            isinstance(node, dict)
            and part in node
            or isinstance(node, list)
            and isinstance(part, int)
            and part < len(node)
        ):
            node = node[part]
            path.append(part)
        elif isinstance(node, dict) and part == "schema_" and "schema" in node:
            node = node["schema"]
            path.append("schema")
        elif isinstance(node, dict | list):
            continue  # a union tag or model name, not a key
        else:
            path.append(part)
    return tuple(path)


def _all_field_names() -> set[str]:
    names: set[str] = set()
    pending: list[type[BaseModel]] = [Config]
    seen: set[type[BaseModel]] = set()
    models = [
        Config, Service, DataSources, FileSource, SqlSource, LabelsFileSource, LabelsSqlSource,
        RollingReference, ColumnSchema, Prediction, DataQualityMonitor, DriftMonitor, DriftReport,
        PredictionQualityMonitor, SystemMonitor, PrometheusQuery, SLO, AlertTier, Action, ActionTrigger,
        SlackNotifier, Notifiers, Webhook, AlertingDefaults,
    ]  # fmt: skip
    pending.extend(models)
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            names.add(info.alias or name)
    names.discard("source_file")
    return names


_KNOWN_KEYS = sorted(_all_field_names())


@functools.lru_cache(maxsize=1024)
def _closest_key(key: str) -> str | None:
    """The known key ``key`` is most likely a typo of (once per spelling: a generated config
    repeats its typos in every service)."""
    close = difflib.get_close_matches(key, _KNOWN_KEYS, n=1, cutoff=0.6)
    return close[0] if close else None


def _message(error: dict[str, Any], where: tuple[Any, ...]) -> str:
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        key = where[-1] if where else "?"
        close = _closest_key(str(key))
        hint = f" (did you mean {close!r}?)" if close else ""
        return f"unknown key {key!r}{hint}"
    if kind == "missing":
        return f"missing required key {where[-1]!r}" if where else "missing required key"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"must be one of {expected}, got {_redact(value)!r}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        expected = error.get("ctx", {}).get("expected_tags", "")
        if isinstance(value, dict) and "kind" in value:
            return f"unknown kind {value['kind']!r} (expected one of {expected})"
        return f"missing required key 'kind' (one of {expected})"
    message = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if kind not in ("value_error",) and not isinstance(value, dict | list):
        message = f"{message[0].lower()}{message[1:]}, got {_redact(value)!r}"
    return message


# --- meaning: cross-references, names, secrets -----------------------------------------------


def _semantic_problems(data: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], str]]:
    yield from _secret_problems(data, ())
    webhooks = data.get("webhooks") if isinstance(data.get("webhooks"), dict) else {}
    services = data.get("services") if isinstance(data.get("services"), list) else []

    yield from _duplicates(services, ("services",), "service")
    for i, service in enumerate(services):
        if not isinstance(service, dict):
            continue
        here = ("services", i)
        monitors = _list(service.get("monitors"))
        slos = _list(service.get("slos"))
        yield from _duplicates(monitors, (*here, "monitors"), "monitor")
        yield from _duplicates(slos, (*here, "slos"), "SLO")
        by_name = {_name(m): m for m in monitors if _name(m) is not None}
        data_sources = service.get("data") if isinstance(service.get("data"), dict) else {}
        schema = service.get("schema") if isinstance(service.get("schema"), dict) else {}

        for j, monitor in enumerate(monitors):
            if not isinstance(monitor, dict):
                continue
            kind = monitor.get("kind")
            at = (*here, "monitors", j)
            if kind == "data_quality" and not schema:
                yield (
                    at,
                    "a data_quality monitor needs the service's `schema` to check rows against",
                )
            if kind == "drift" and not data_sources.get("reference"):
                yield (
                    at,
                    "a drift monitor needs `data.reference` (a dataset or {window: 7d, offset: 7d})",
                )
            if (
                kind == "prediction_quality"
                and monitor.get("metric") != "ctr"
                and not service.get("prediction")
            ):
                yield (
                    at,
                    "a prediction_quality monitor needs the service's `prediction` (column, kind, label)",
                )
            for key in ("columns", "slices"):
                for k, column in enumerate(_list(monitor.get(key))):
                    if (
                        key == "columns"
                        and kind == "data_quality"
                        and schema
                        and isinstance(column, str)
                        and column not in schema
                    ):
                        yield ((*at, key, k), f"column {column!r} is not in the service's schema")

        for j, slo in enumerate(slos):
            if not isinstance(slo, dict):
                continue
            at = (*here, "slos", j)
            name = slo.get("monitor")
            if not isinstance(name, str):
                continue  # missing or not a string: the structure pass reports it
            if name not in by_name:
                known = ", ".join(sorted(str(n) for n in by_name if n)) or "none"
                yield (
                    (*at, "monitor"),
                    f"no monitor named {name!r} in service {service.get('name')!r} (known: {known})",
                )
                continue
            yield from _slo_meaning(slo, by_name.get(name) or {}, at)

        slo_names = {_name(s) for s in slos} - {None}
        for j, action in enumerate(_list(service.get("actions"))):
            if not isinstance(action, dict):
                continue
            at = (*here, "actions", j)
            trigger = action.get("on") if isinstance(action.get("on"), dict) else {}
            if isinstance(trigger.get("slo"), str) and trigger["slo"] not in slo_names:
                known = ", ".join(sorted(str(n) for n in slo_names if n)) or "none"
                yield (
                    (*at, "on", "slo"),
                    f"no SLO named {trigger['slo']!r} in this service (known: {known})",
                )
            hook = action.get("webhook")
            if isinstance(hook, str) and hook not in webhooks:
                known = ", ".join(sorted(webhooks)) or "none: add a `webhooks:` section"
                yield ((*at, "webhook"), f"no webhook named {hook!r} (known: {known})")


def _slo_meaning(
    slo: dict[str, Any], monitor: dict[str, Any], at: tuple[Any, ...]
) -> Iterator[tuple[tuple[Any, ...], str]]:
    kind = monitor.get("kind")
    condition = slo.get("good")
    if condition is None:
        if kind == "drift":
            yield (
                at,
                f"monitor {monitor.get('name')!r} (drift) counts no good/total events: add a timeslice "
                'condition such as `good: "drift_share <= 0.3"`',
            )
        return
    match = CONDITION.match(condition) if isinstance(condition, str) else None
    if match and isinstance(kind, str) and kind in SLI_NAMES:
        base = match["sli"].split("[", 1)[0]
        if base not in SLI_NAMES[kind]:
            known = ", ".join(sorted(SLI_NAMES[kind]))
            yield ((*at, "good"), f"{kind} monitors have no SLI {base!r} (known: {known})")


def _secret_problems(node: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            here = (*path, key)
            if key in SECRET_KEYS and not isinstance(value, dict | list):
                yield (
                    here,
                    f"secrets are never written in the config: put it in an environment variable and name it with {SECRET_KEYS[key]}",
                )
            elif key in ("url", "store") and isinstance(value, str):
                problem = _url_secret(value)
                if problem:
                    yield (here, problem)
            else:
                yield from _secret_problems(value, here)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _secret_problems(item, (*path, i))


def _url_secret(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.password:
        return "the URL carries a password: name an environment variable instead (url_env, or COCKPIT_DATABASE_URL for the store)"
    if parts.hostname == "hooks.slack.com":
        return "a Slack webhook URL is a secret: set it in an environment variable and name it with notifiers.slack.webhook_url_env"
    secret_params = {
        "token",
        "access_token",
        "api_key",
        "apikey",
        "secret",
        "password",
        "sig",
        "signature",
    }
    for name, _ in parse_qsl(parts.query):
        if name.lower() in secret_params:
            return f"the URL carries a credential in {name!r}: name it by environment variable (token_env or secret_env)"
    return None


def _host_problems(data: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every outgoing URL's host must be allowed: no requests to an address from a typo."""
    extra = data.get("allowed_hosts") if isinstance(data.get("allowed_hosts"), list) else []
    allowed = [str(h).lower() for h in (*DEFAULT_ALLOWED_HOSTS, *extra)]
    webhooks = data.get("webhooks") if isinstance(data.get("webhooks"), dict) else {}
    places = [
        (("webhooks", name, "url"), hook.get("url"))
        for name, hook in webhooks.items()
        if isinstance(hook, dict)
    ]
    slack = (
        (data.get("notifiers") or {}).get("slack")
        if isinstance(data.get("notifiers"), dict)
        else None
    )
    if isinstance(slack, dict):
        places.append((("notifiers", "slack", "base_url"), slack.get("base_url")))
    for where, url in places:
        if not isinstance(url, str):
            continue
        host = (urlsplit(url).hostname or "").lower()
        if host and not host_is_allowed(host, allowed):
            yield (
                where,
                f"host {host!r} is not in allowed_hosts; add it there if this is really where calls should go",
            )


def host_is_allowed(host: str, allowed: Iterable[str]) -> bool:
    """Exact match, or a ``*.example.com`` pattern for its subdomains."""
    host = host.lower()
    for pattern in allowed:
        pattern = pattern.lower()
        if host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:])):
            return True
    return False


def _duplicates(
    items: list[Any], path: tuple[Any, ...], what: str
) -> Iterator[tuple[tuple[Any, ...], str]]:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        name = _name(item)
        if name is None:
            continue
        if name in seen:
            yield (
                (*path, i, "name"),
                f"duplicate {what} name {name!r} (first at {format_path((*path, seen[name]))})",
            )
        else:
            seen[name] = i


def _name(item: Any) -> str | None:
    """The item's ``name`` when it is a string; else None (the structure pass reports it)."""
    name = item.get("name") if isinstance(item, dict) else None
    return name if isinstance(name, str) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
