"""OpenSLO v1: export a config's services and SLOs, import ratio SLOs over Prometheus metrics.

Export writes, in this order: a ``DataSource`` per Prometheus server the monitors read; per
service a ``Service``, an ``SLI`` per indicator its SLOs use (first use first) and an ``SLO``
per SLO; then an ``AlertCondition`` and an ``AlertPolicy`` per burn-rate tier (shared by the
SLOs with the same tier and window). How the cockpit's terms map:

============================  ================================================================
cockpit                       OpenSLO
============================  ================================================================
occurrence SLO (no ``good``)  ``budgetingMethod: Occurrences`` over a ``ratioMetric``
timeslice SLO (``good``)      ``Timeslices``; on a good/total PromQL monitor a ``ratioMetric``
                              with ``timeSliceTarget`` (``good_share >= 0.95``), else a
                              ``thresholdMetric`` with the condition as ``op``/``value``
``window: 28d``               ``timeWindow: [{duration: 28d, isRolling: true}]``
``window: calendar_month``    ``[{duration: 1M, isRolling: false, calendar: {..., UTC}}]``
a ``system`` monitor's        ``metricSource: {type: Prometheus, metricSourceRef: <server>,
PromQL                        spec: {query: ...}}`` (the query as written, ``$window`` kept)
any other monitor (drift,     ``metricSource: {type: cockpit, spec: {service, monitor, kind,
accuracy, data quality...)    events: good|total}}`` or ``{..., sli: drift_share}``
a burn-rate tier              ``AlertCondition`` ``{kind: burnrate, op: gt, threshold: <factor>,
                              lookbackWindow: <long window>}``; the short window and the
                              budget share in annotations
============================  ================================================================

OpenSLO names are DNS labels, so every name is derived (``<service>-<slo>``, lowercased, a
hash suffix when it would be longer than 63 characters or taken); what OpenSLO has no field
for is kept in ``cockpit/...`` annotations (the cockpit's names, the monitor's schedule, the
query timeout, ``min_events``), so that importing an export restores the config exactly.

Import reads what the OpenSLO fields say (they win over annotations, so an edited target or
query is imported as edited) and maps ratio and threshold SLOs over Prometheus onto ``system``
monitors with PromQL. Valid OpenSLO that has no cockpit equivalent is left out and reported
as :class:`Unmapped`, by document and field: other metric sources (a ``cockpit`` source too:
an ML monitor's data and settings live in the cockpit config it came from, not in OpenSLO),
``RatioTimeslices``, ``raw`` ratios, ``Occurrences`` over a ``thresholdMetric``, composite
SLOs, calendar windows other than a month, a second objective or time window, labels,
notification targets, ``alertWhenNoData`` and ``alertAfter``. A file that is not valid OpenSLO
(bad YAML, no ``kind``, another ``apiVersion``, a required field missing) raises
:class:`~cockpit.errors.ConfigError` with the file, line, document and field.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import yaml

from cockpit.config import models as cfg
from cockpit.config.loader import parse_config
from cockpit.config.models import MONTH
from cockpit.config.yamlmap import SAFE_LOADER, format_path
from cockpit.durations import format_duration, parse_duration
from cockpit.engine.slos import slo_spec
from cockpit.errors import ConfigError, Problem
from cockpit.kinds.system import PrometheusQuery, SystemMonitor
from monitors.system import prometheus_window_query
from slo.rules import WORKBOOK_TIERS
from slo.series import Condition

API_VERSION = "openslo/v1"
ANNOTATION = "cockpit/"  # the prefix of the annotations that carry what OpenSLO has no field for
COCKPIT_SOURCE = "cockpit"  # the metricSource type of an SLI only the cockpit computes
PROMETHEUS = "Prometheus"
PROMETHEUS_URL_ENV = "PROMETHEUS_URL"  # what an imported monitor reads without a DataSource URL
DEFAULT_EVERY = "5m"  # an imported occurrence SLO's monitor schedule, without an annotation
DEFAULT_QUERY_TIMEOUT = PrometheusQuery.model_fields["timeout"].default
CALENDAR_START = "2024-01-01 00:00:00"  # any first of a month: the cockpit's months start there
OPENSLO_MONTH = timedelta(days=30)  # ``1M`` as OpenSLO's reference library reads it
RETENTION_DEFAULT = cfg.StoreRetention.model_fields["runs"].default
KINDS = (
    "DataSource",
    "Service",
    "SLI",
    "SLO",
    "AlertPolicy",
    "AlertCondition",
    "AlertNotificationTarget",
    "BudgetAdjustment",
)

_OPS = {"<=": "lte", ">=": "gte", "<": "lt", ">": "gt"}  # cockpit condition -> OpenSLO op
_CONDITION_OPS = {op: symbol for symbol, op in _OPS.items()}
_RATIO_SLIS = ("good_share", "value")  # a good/total PromQL monitor's SLIs: good / total
_SEVERITIES = {"page": "page", "critical": "page", "ticket": "ticket", "warning": "ticket"}
_SHORTHAND = re.compile(r"^(\d+)([mhdwMQY])$")
_SHORTHAND_UNIT = {
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
    "M": OPENSLO_MONTH,
    "Q": timedelta(days=90),
    "Y": timedelta(days=365),
}
_SELECTOR = r"[A-Za-z_:][A-Za-z0-9_:]*(?:\{[^{}]*\})?"
_COUNTER_QUERY = re.compile(
    rf"^\s*(?:sum\s*\(\s*(?P<inner>{_SELECTOR})\s*\)|(?P<bare>{_SELECTOR}))\s*$"
)
_SLOTH_WINDOW = re.compile(r"\{\{\s*\.window\s*\}\}")


@dataclass(frozen=True)
class Unmapped:
    """A part of an OpenSLO file that has no cockpit equivalent: the document and the field."""

    document: str  # like "SLO/checkout-availability"
    field: str  # like "spec.indicator.spec.thresholdMetric"
    reason: str

    def __str__(self) -> str:
        return f"{self.document}: {self.field}: {self.reason}"


# --- names and durations ------------------------------------------------------------------------


def dns_label(*parts: str) -> str:
    """``("Loan Default", "no_drift")`` -> ``loan-default-no-drift``: lowercase letters, digits
    and dashes, at most 63 characters (a hash of the parts replaces what is cut)."""
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-") or "x"
    if len(slug) > 63:
        slug = f"{slug[:54].rstrip('-')}-{_digest(parts)}"
    return slug


def _digest(key: Any) -> str:
    return hashlib.sha1(repr(key).encode()).hexdigest()[:8]


class _Names:
    """Stable DNS-label names, one per thing: the same key gets the same name, another key
    whose name is taken gets the name with a hash of its key."""

    def __init__(self) -> None:
        self._owner: dict[tuple[str, str], Any] = {}

    def claim(self, kind: str, parts: tuple[str, ...], key: Any) -> str:
        name = dns_label(*parts)
        if self._owner.setdefault((kind, name), key) != key:
            name = f"{name[:54].rstrip('-')}-{_digest(key)}"
            self._owner[(kind, name)] = key
        return name


def shorthand(delta: timedelta) -> str:
    """An OpenSLO duration shorthand, in the largest whole unit of days, hours or minutes
    (``28d``, ``90m``); a duration of seconds has none and keeps the cockpit's spelling."""
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return format_duration(delta)


def parse_shorthand(value: Any) -> timedelta:
    """An OpenSLO duration (``5m``, ``4w``, ``1M`` = 30 days, a number of minutes) or the
    cockpit's spelling (``30s``, ``1h30m``); ValueError says how to write one."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return timedelta(minutes=value)
    if isinstance(value, str):
        match = _SHORTHAND.match(value.strip())
        if match:
            return int(match[1]) * _SHORTHAND_UNIT[match[2]]
        return parse_duration(value)
    raise ValueError(f"not a duration: {value!r} (write a number and a unit, like '5m' or '28d')")


def _number(value: float) -> str:
    """``0.95`` -> ``0.95``, ``300.0`` -> ``300``: the shortest spelling that reads back the same."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _threshold(value: float) -> float:
    """A burn-rate threshold rounded to 12 significant digits (13.44, not 13.440000000000001)."""
    return float(f"{value:.12g}")


# --- export -------------------------------------------------------------------------------------


def export(config: cfg.Config) -> str:
    """Multi-document OpenSLO v1 YAML of every service and SLO in ``config``."""
    documents = _Export(config).documents()
    head = "# OpenSLO v1 documents of a cockpit config (cockpit slo export --format openslo).\n"
    return head + yaml.safe_dump_all(
        documents, sort_keys=False, explicit_start=True, width=100, allow_unicode=True
    )


def _document(kind: str, name: str, spec: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    meta = {"name": name, **{k: v for k, v in metadata.items() if v}}
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": meta, "spec": spec}


def _display(name: str) -> str | None:
    return name if len(name) <= 63 else None


def _prometheus_of(monitor: Any) -> PrometheusQuery | None:
    return monitor.prometheus if isinstance(monitor, SystemMonitor) else None


@dataclass(frozen=True)
class _Indicator:
    """What an SLO's SLI measures: the monitor's good/total events (a ratio) or one of its SLIs
    compared with a threshold, and where it is read (PromQL or the cockpit)."""

    measure: str  # "events", or the SLI the condition compares
    prometheus: PrometheusQuery | None


class _Export:
    def __init__(self, config: cfg.Config) -> None:
        self.config = config
        self.names = _Names()
        self.sources: dict[tuple[str, str], dict[str, Any]] = {}
        self.alerts: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        self.slis: set[str] = set()

    def documents(self) -> list[dict[str, Any]]:
        services = [doc for service in self.config.services for doc in self._service(service)]
        conditions = [condition for condition, _policy in self.alerts.values()]
        policies = [policy for _condition, policy in self.alerts.values()]
        return [*self.sources.values(), *services, *conditions, *policies]

    def _service(self, service: cfg.Service) -> list[dict[str, Any]]:
        name = self.names.claim("Service", (service.name,), service.name)
        annotations = {f"{ANNOTATION}service": service.name}
        if service.owner:
            annotations[f"{ANNOTATION}owner"] = service.owner
        spec = {"description": service.description} if service.description else {}
        out = [
            _document(
                "Service",
                name,
                spec,
                displayName=_display(service.name),
                annotations=annotations,
            )
        ]
        for slo in service.slos:
            out.extend(self._slo(service, name, slo))
        return out

    def _slo(self, service: cfg.Service, service_ref: str, slo: cfg.SLO) -> list[dict[str, Any]]:
        monitor = service.monitor(slo.monitor)
        condition = None if slo.good is None else Condition.parse(slo.good)
        indicator = _indicator_of(monitor, condition)
        out = []
        sli_name = self.names.claim(
            "SLI",
            (service.name, monitor.name, *_measure_parts(indicator)),
            (service.name, monitor.name, indicator.measure),
        )
        if sli_name not in self.slis:
            self.slis.add(sli_name)
            out.append(self._sli(service, monitor, indicator, sli_name))

        annotations = {f"{ANNOTATION}slo": slo.name}
        if slo.min_events:
            annotations[f"{ANNOTATION}min-events"] = str(slo.min_events)
        objective: dict[str, Any] = {"displayName": slo.name, "target": slo.objective}
        if condition is not None:
            if condition.op in _OPS:
                objective["op"] = _OPS[condition.op]
            else:  # `==` has no OpenSLO operator
                annotations[f"{ANNOTATION}good"] = slo.good or ""
            if indicator.measure == "events":
                objective["timeSliceTarget"] = condition.threshold
            else:
                if condition.op in _OPS:
                    objective["value"] = condition.threshold
                objective["timeSliceTarget"] = 1  # one value per slice: it is good or not
            objective["timeSliceWindow"] = shorthand(monitor.every or monitor.window_length)

        spec: dict[str, Any] = {}
        if slo.description:
            spec["description"] = slo.description
        spec |= {
            "service": service_ref,
            "indicatorRef": sli_name,
            "budgetingMethod": "Occurrences" if condition is None else "Timeslices",
            "timeWindow": [_time_window(slo)],
            "objectives": [objective],
        }
        policies = [self._tier(slo, tier) for tier in slo_spec(slo).tiers]
        if policies:
            spec["alertPolicies"] = [{"alertPolicyRef": name} for name in policies]
        name = self.names.claim("SLO", (service.name, slo.name), (service.name, slo.name))
        out.append(
            _document("SLO", name, spec, displayName=_display(slo.name), annotations=annotations)
        )
        return out

    def _sli(
        self, service: cfg.Service, monitor: Any, indicator: _Indicator, name: str
    ) -> dict[str, Any]:
        annotations = {f"{ANNOTATION}monitor": monitor.name}
        if monitor.every is not None:
            annotations[f"{ANNOTATION}every"] = format_duration(monitor.every)
        if monitor.cron is not None:
            annotations[f"{ANNOTATION}cron"] = monitor.cron
        if monitor.window is not None:
            annotations[f"{ANNOTATION}window"] = format_duration(monitor.window)
        prom = indicator.prometheus
        if prom is not None and prom.timeout != DEFAULT_QUERY_TIMEOUT:
            annotations[f"{ANNOTATION}timeout"] = format_duration(prom.timeout)

        def source(**spec: Any) -> dict[str, Any]:
            if prom is not None:
                return {
                    "metricSource": {
                        "metricSourceRef": self._source(prom),
                        "type": PROMETHEUS,
                        "spec": spec,
                    }
                }
            cockpit = {"service": service.name, "monitor": monitor.name, "kind": monitor.kind}
            return {"metricSource": {"type": COCKPIT_SOURCE, "spec": cockpit | spec}}

        spec: dict[str, Any] = {"description": monitor.description} if monitor.description else {}
        if indicator.measure == "events" and prom is not None:
            spec["ratioMetric"] = {
                "counter": False,  # the queries count the window's events themselves
                "good": source(query=prom.good_query),
                "total": source(query=prom.total_query),
            }
        elif indicator.measure == "events":
            spec["ratioMetric"] = {
                "counter": False,
                "good": source(events="good"),
                "total": source(events="total"),
            }
        elif prom is not None:
            spec["thresholdMetric"] = source(query=prom.query)
        else:
            spec["thresholdMetric"] = source(sli=indicator.measure)
        return _document(
            "SLI", name, spec, displayName=_display(monitor.name), annotations=annotations
        )

    def _source(self, prom: PrometheusQuery) -> str:
        """The DataSource of the Prometheus server a monitor reads (made on first use)."""
        key = ("url", prom.url) if prom.url is not None else ("urlEnv", prom.url_env or "")
        if key not in self.sources:
            name = "prometheus" if not self.sources else f"prometheus-{len(self.sources) + 1}"
            self.sources[key] = _document(
                "DataSource", name, {"type": PROMETHEUS, "connectionDetails": {key[0]: key[1]}}
            )
        return self.sources[key]["metadata"]["name"]

    def _tier(self, slo: cfg.SLO, tier: Any) -> str:
        """The AlertPolicy (and its AlertCondition) of one tier of an SLO, shared by the SLOs
        whose tier and window are the same; its name."""
        window = OPENSLO_MONTH if slo.window == "calendar_month" else slo.window
        window_name = "month" if slo.window == "calendar_month" else shorthand(slo.window)
        long = timedelta(seconds=tier.long_window_s)
        short = timedelta(seconds=tier.short_window_s)
        threshold = _threshold(tier.factor(window.total_seconds()))
        key = (tier, window_name)
        name = self.names.claim(
            "alert", (tier.severity, shorthand(long), shorthand(short), window_name), key
        )
        if name in self.alerts:
            return name
        annotations = {f"{ANNOTATION}short-window": format_duration(short)}
        spent = ""
        if tier.factor_override is None and tier.budget_share is not None:
            annotations[f"{ANNOTATION}budget-share"] = _number(tier.budget_share)
            spent = (
                f": {tier.budget_share:.0%} of the {window_name} budget spent in {shorthand(long)}"
            )
        description = (
            f"Burn rate over {shorthand(long)} and over {format_duration(short)} above "
            f"{threshold:g}{spent}"
        )
        condition = _document(
            "AlertCondition",
            name,
            {
                "description": description,
                "severity": tier.severity,
                "condition": {
                    "kind": "burnrate",
                    "op": "gt",
                    "threshold": threshold,
                    "lookbackWindow": shorthand(long),
                    "alertAfter": "0m",
                },
            },
            annotations=annotations,
        )
        policy = _document(
            "AlertPolicy",
            name,
            {
                "description": description,
                "alertWhenBreaching": True,
                "alertWhenResolved": self.config.alerting.send_resolved,
                "alertWhenNoData": False,
                "conditions": [{"conditionRef": name}],
                "notificationTargets": [],
            },
        )
        self.alerts[name] = (condition, policy)
        return name


def _indicator_of(monitor: Any, condition: Condition | None) -> _Indicator:
    prom = _prometheus_of(monitor)
    ratio = prom is not None and prom.query is None
    if condition is None:
        return _Indicator("events", prom if ratio else None)
    if (
        ratio
        and condition.sli in _RATIO_SLIS
        and condition.op in _OPS
        and 0 < condition.threshold <= 1
    ):
        return _Indicator("events", prom)
    if prom is not None and prom.query is not None and condition.sli == "value":
        return _Indicator("value", prom)
    return _Indicator(condition.sli, None)


def _measure_parts(indicator: _Indicator) -> tuple[str, ...]:
    """The SLI's name after its service and monitor: nothing for the monitor's events or its
    PromQL value, the SLI compared otherwise (``loan-default-feature-drift-drift-share``)."""
    if indicator.measure == "events" or indicator.prometheus is not None:
        return ()
    return (indicator.measure,)


def _time_window(slo: cfg.SLO) -> dict[str, Any]:
    if slo.window == "calendar_month":
        return {
            "duration": "1M",
            "isRolling": False,
            "calendar": {"startTime": CALENDAR_START, "timeZone": "Etc/UTC"},
        }
    return {"duration": shorthand(slo.window), "isRolling": True}


# --- import: documents --------------------------------------------------------------------------


@dataclass
class _Doc:
    """One OpenSLO document: its place in the file, its body and the line of each key."""

    number: int  # 1-based, in file order
    body: dict[str, Any]
    lines: dict[tuple[Any, ...], int]
    start: int

    @property
    def kind(self) -> str:
        return self.body["kind"]

    @property
    def name(self) -> str:
        return self.body["metadata"]["name"]

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def spec(self) -> Any:
        return self.body.get("spec")

    def line(self, path: tuple[Any, ...]) -> int:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.start

    def annotation(self, key: str) -> str | None:
        annotations = self.body["metadata"].get("annotations")
        value = annotations.get(ANNOTATION + key) if isinstance(annotations, dict) else None
        return None if value is None else str(value)


def _node_lines(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            here = (*path, key.value)
            out[here] = key.start_mark.line + 1
            _node_lines(value, here, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[(*path, i)] = item.start_mark.line + 1
            _node_lines(item, (*path, i), out)


def _documents(text: str, source: str) -> list[_Doc]:
    """The file's documents (a YAML stream, each document one object or a list of them);
    ConfigError for what makes it no OpenSLO v1 file."""
    try:
        nodes = list(yaml.compose_all(text, Loader=SAFE_LOADER))
        data = list(yaml.load_all(text, Loader=SAFE_LOADER))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([Problem(source, line, "", f"YAML syntax error: {problem}")]) from None

    items: list[tuple[Any, yaml.Node | None]] = []
    for value, node in zip(data, nodes, strict=True):
        if isinstance(value, list) and isinstance(node, yaml.SequenceNode):
            items.extend(zip(value, node.value, strict=True))
        elif value is not None:
            items.append((value, node))
    problems: list[Problem] = []
    docs: list[_Doc] = []
    seen: dict[tuple[Any, Any], int] = {}
    for number, (body, node) in enumerate(items, start=1):
        lines: dict[tuple[Any, ...], int] = {}
        start = node.start_mark.line + 1 if node is not None else 1
        if node is not None:
            _node_lines(node, (), lines)

        if not isinstance(body, dict):
            where = f"document {number}"
            message = f"an OpenSLO document is a mapping, got {type(body).__name__}"
            problems.append(Problem(source, start, where, message))
            continue
        doc = _Doc(number, body, lines, start)
        found = list(_header_problems(body))
        metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        key = (body.get("kind"), metadata.get("name"))
        if not found and key in seen:
            found = [
                (
                    ("metadata", "name"),
                    f"{doc.label} is defined twice (documents {seen[key]} and {number}): "
                    "give each a name of its own",
                )
            ]
        label = "/".join(part for part in key if isinstance(part, str) and part)
        where = f"document {number}" + (f" ({label})" if label else "")
        problems.extend(
            Problem(source, doc.line(path), f"{where} {format_path(path)}", message)
            for path, message in found
        )
        if not found:
            seen[key] = number
            docs.append(doc)
    if problems:
        raise ConfigError(problems)
    return docs


def _header_problems(body: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """What makes a document no OpenSLO v1 object: its apiVersion, kind and metadata.name."""
    version, kind = body.get("apiVersion"), body.get("kind")
    metadata = body.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if version != API_VERSION:
        yield (
            ("apiVersion",),
            f"only {API_VERSION} documents are read, got {version!r}: write "
            f"`apiVersion: {API_VERSION}`"
            + (" (and convert the document to v1)" if isinstance(version, str) else ""),
        )
    if not isinstance(kind, str):
        yield ("kind",), f"no kind: write `kind:` with one of {', '.join(KINDS)}"
    elif kind not in KINDS:
        yield ("kind",), f"not an OpenSLO v1 kind: {kind!r} (known: {', '.join(KINDS)})"
    if not isinstance(name, str) or not name:
        yield ("metadata", "name"), "every document needs `metadata.name`, a string"


# --- import: mapping ----------------------------------------------------------------------------


@dataclass
class _Service:
    name: str
    doc: _Doc | None = None
    owner: str | None = None
    description: str | None = None
    monitors: dict[Any, dict[str, Any]] = field(default_factory=dict)
    slos: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class _Query:
    connection: tuple[str, str]  # ("url", ...) or ("url_env", ...)
    query: str


class _Skip(Exception):
    """The SLO being imported is left out (the reason is already recorded)."""


class _Import:
    def __init__(self, docs: list[_Doc], source: str) -> None:
        self.docs = docs
        self.source = source
        self.by_kind: dict[str, dict[str, _Doc]] = {}
        for doc in docs:
            self.by_kind.setdefault(doc.kind, {})[doc.name] = doc
        self.problems: list[Problem] = []
        self.unmapped: list[Unmapped] = []
        self.services: dict[str, _Service] = {}
        self.resolved: list[tuple[_Doc, tuple[Any, ...], bool]] = []  # alertWhenResolved
        self.slo_label = ""

    # reporting

    def fail(self, doc: _Doc, path: tuple[Any, ...], message: str) -> _Skip:
        where = f"document {doc.number} ({doc.label}) {format_path(path)}".rstrip()
        self.problems.append(Problem(self.source, doc.line(path), where, message))
        return _Skip()

    def note(self, doc: _Doc, path: tuple[Any, ...], reason: str) -> None:
        item = Unmapped(doc.label, format_path(path), reason)
        if item not in self.unmapped:
            self.unmapped.append(item)

    def skip(self, doc: _Doc, path: tuple[Any, ...], reason: str) -> _Skip:
        self.note(doc, path, f"{reason}; {self.slo_label} is not imported")
        return _Skip()

    # typed reads: a missing or mistyped required field fails the import

    def mapping(self, doc: _Doc, path: tuple[Any, ...], value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            got = "nothing" if value is None else repr(value)
            raise self.fail(doc, path, f"must be a mapping, got {got}")
        return value

    def string(self, doc: _Doc, path: tuple[Any, ...], value: Any, hint: str) -> str:
        if not isinstance(value, str) or not value.strip():
            got = "nothing" if value is None else repr(value)
            raise self.fail(doc, path, f"must be a string, got {got}: {hint}")
        return value

    def number(self, doc: _Doc, path: tuple[Any, ...], value: Any, hint: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            got = "nothing" if value is None else repr(value)
            raise self.fail(doc, path, f"must be a number, got {got}: {hint}")
        return float(value)

    def duration(self, doc: _Doc, path: tuple[Any, ...], value: Any) -> timedelta:
        try:
            delta = parse_shorthand(value)
        except ValueError as exc:
            raise self.fail(doc, path, str(exc)) from None
        return delta

    # the file

    def run(self) -> None:
        for doc in self.docs:
            labels = doc.body["metadata"].get("labels")
            if labels:
                self.note(doc, ("metadata", "labels"), "the cockpit keeps no labels")
            if doc.kind in ("AlertNotificationTarget", "BudgetAdjustment"):
                self.note(
                    doc,
                    ("kind",),
                    f"the cockpit has no {doc.kind}: its notifiers are the config's `notifiers:`"
                    if doc.kind == "AlertNotificationTarget"
                    else f"the cockpit has no {doc.kind}",
                )
        for doc in self.by_kind.get("Service", {}).values():
            with contextlib.suppress(_Skip):
                self.service(doc.name)
        for doc in self.by_kind.get("SLO", {}).values():
            self.slo_label = doc.label
            with contextlib.suppress(_Skip):
                self.slo(doc)
        for service in self.services.values():
            if not service.slos and service.doc is not None:
                self.note(
                    service.doc,
                    ("metadata", "name"),
                    "no SLO of this service was imported: the cockpit config leaves it out",
                )

    def service(self, ref: str) -> _Service:
        if ref in self.services:
            return self.services[ref]
        doc = self.by_kind.get("Service", {}).get(ref)
        out = _Service(ref)
        if doc is not None:
            spec = doc.spec if doc.spec is not None else {}
            spec = self.mapping(doc, ("spec",), spec)
            out = _Service(doc.annotation("service") or ref, doc, doc.annotation("owner"))
            if spec.get("description"):
                out.description = self.string(
                    doc, ("spec", "description"), spec["description"], "a text"
                )
        self.services[ref] = out
        return out

    def slo(self, doc: _Doc) -> None:
        spec = self.mapping(doc, ("spec",), doc.spec)
        ref = self.string(
            doc, ("spec", "service"), spec.get("service"), "name the service the SLO is of"
        )
        method = spec.get("budgetingMethod")
        if method not in ("Occurrences", "Timeslices", "RatioTimeslices"):
            raise self.fail(
                doc,
                ("spec", "budgetingMethod"),
                f"must be Occurrences, Timeslices or RatioTimeslices, got {method!r}",
            )
        objectives = spec.get("objectives")
        if not isinstance(objectives, list) or not objectives:
            raise self.fail(
                doc, ("spec", "objectives"), "give a list of objectives, like [{target: 0.99}]"
            )
        objective = self.mapping(doc, ("spec", "objectives", 0), objectives[0])
        target = self.target(doc, objective)
        for i, extra in enumerate(objectives):
            if isinstance(extra, dict) and ("indicator" in extra or "indicatorRef" in extra):
                raise self.skip(
                    doc,
                    ("spec", "objectives", i),
                    "a composite SLO (an indicator per objective) has no cockpit equivalent",
                )
        if method == "RatioTimeslices":
            raise self.skip(
                doc,
                ("spec", "budgetingMethod"),
                "RatioTimeslices averages the slices' ratios; the cockpit counts good and bad "
                "slices (Timeslices) or events (Occurrences)",
            )
        window = self.window(doc, spec)
        sli_doc, base, sli = self.indicator(doc, spec)
        service = self.service(ref)

        prometheus, good = self.metric(doc, method, objective, sli_doc, base, sli)
        timeout = sli_doc.annotation("timeout") if sli_doc is not doc else None
        if timeout is not None:
            prometheus["timeout"] = format_duration(self.duration(sli_doc, ("metadata",), timeout))

        key = sli_doc.name if sli_doc is not doc else ("inline", doc.name)
        slice_window = objective.get("timeSliceWindow") if method == "Timeslices" else None
        monitor_name = self.monitor(doc, service, sli_doc, key, prometheus, slice_window)
        out: dict[str, Any] = {
            "name": self.unique(service, doc.annotation("slo") or doc.name),
            "monitor": monitor_name,
            "objective": target,
            "window": window,
        }
        if good is not None:
            out["good"] = good
        min_events = doc.annotation("min-events")
        if min_events is not None:
            if not min_events.isdigit():
                raise self.fail(
                    doc,
                    ("metadata", "annotations"),
                    f"cockpit/min-events must be a whole number, got {min_events!r}",
                )
            out["min_events"] = int(min_events)
        tiers = self.tiers(doc, spec, window)
        if tiers is not None:
            out["tiers"] = tiers
        if spec.get("description"):
            out["description"] = self.string(
                doc, ("spec", "description"), spec["description"], "a text"
            )
        for i in range(1, len(objectives)):
            self.note(
                doc,
                ("spec", "objectives", i),
                "a cockpit SLO has one objective (the first is imported): make another SLO "
                "over the same monitor for this one",
            )
        service.slos.append(out)

    def metric(
        self,
        doc: _Doc,
        method: str,
        objective: dict[str, Any],
        sli_doc: _Doc,
        base: tuple[Any, ...],
        sli: dict[str, Any],
    ) -> tuple[dict[str, Any], str | None]:
        """The monitor's ``prometheus:`` settings and the SLO's ``good`` condition (None for
        occurrences) from the SLI and the SLO's first objective."""
        prometheus: dict[str, Any]
        ratio, threshold = sli.get("ratioMetric"), sli.get("thresholdMetric")
        if (ratio is None) == (threshold is None):
            raise self.fail(sli_doc, base, "give exactly one of `ratioMetric` or `thresholdMetric`")
        path = ("spec", "objectives", 0)
        if ratio is not None:
            ratio = self.mapping(sli_doc, (*base, "ratioMetric"), ratio)
            connection, good_query, total_query = self.ratio(sli_doc, (*base, "ratioMetric"), ratio)
            prometheus = {"good_query": good_query, "total_query": total_query}
            good = None
            if method == "Timeslices":
                slice_target = self.number(
                    doc,
                    (*path, "timeSliceTarget"),
                    objective.get("timeSliceTarget"),
                    "Timeslices over a ratioMetric needs the good share of a slice, like 0.95",
                )
                op = self.op(doc, (*path, "op"), objective.get("op", "gte"))
                good = f"good_share {op} {_number(slice_target)}"
        else:
            threshold = self.mapping(sli_doc, (*base, "thresholdMetric"), threshold)
            if method == "Occurrences":
                raise self.skip(
                    doc,
                    ("spec", "budgetingMethod"),
                    "Occurrences over a thresholdMetric compares every sample; the cockpit "
                    "compares one value per run: write Timeslices",
                )
            query = self.query(sli_doc, (*base, "thresholdMetric"), threshold, counter=False)
            connection, prometheus = query.connection, {"query": query.query}
            if "op" in objective or doc.annotation("good") is None:
                op = self.op(doc, (*path, "op"), objective.get("op"))
                value = self.number(
                    doc, (*path, "value"), objective.get("value"), "the threshold, like 300"
                )
                good = f"value {op} {_number(value)}"
            else:
                good = doc.annotation("good")
        return {connection[0]: connection[1], **prometheus}, good

    def unique(self, service: _Service, name: str) -> str:
        taken = {slo["name"] for slo in service.slos}
        candidate, n = name, 2
        while candidate in taken:
            candidate, n = f"{name}-{n}", n + 1
        return candidate

    def target(self, doc: _Doc, objective: dict[str, Any]) -> float:
        path = ("spec", "objectives", 0)
        if "target" in objective:
            value = self.number(doc, (*path, "target"), objective["target"], "like 0.99")
            if not 0 < value < 1:
                hint = f" (write {value / 100:g})" if 1 < value < 100 else ""
                raise self.fail(
                    doc, (*path, "target"), f"must be between 0 and 1, got {_number(value)}{hint}"
                )
            return value
        if "targetPercent" in objective:
            value = self.number(
                doc, (*path, "targetPercent"), objective["targetPercent"], "like 99.9"
            )
            if not 0 < value < 100:
                raise self.fail(
                    doc,
                    (*path, "targetPercent"),
                    f"must be between 0 and 100, got {_number(value)}",
                )
            return float(f"{value / 100:.12g}")
        raise self.fail(doc, path, "give `target` (like 0.99) or `targetPercent` (like 99)")

    def op(self, doc: _Doc, path: tuple[Any, ...], op: Any) -> str:
        if op not in _CONDITION_OPS:
            raise self.fail(doc, path, f"must be one of lte, gte, lt, gt, got {op!r}")
        return _CONDITION_OPS[op]

    def window(self, doc: _Doc, spec: dict[str, Any]) -> str:
        windows = spec.get("timeWindow")
        if windows is None:
            return format_duration(cfg.SLO.model_fields["window"].default)
        if not isinstance(windows, list) or not windows:
            raise self.fail(
                doc,
                ("spec", "timeWindow"),
                "give one time window, like [{duration: 28d, isRolling: true}]",
            )
        for i in range(1, len(windows)):
            self.note(
                doc, ("spec", "timeWindow", i), "an SLO has one time window (the first is imported)"
            )
        path = ("spec", "timeWindow", 0)
        window = self.mapping(doc, path, windows[0])
        duration = self.string(doc, (*path, "duration"), window.get("duration"), "like 28d")
        rolling = window.get("isRolling", "calendar" not in window)
        if rolling:
            return format_duration(self.duration(doc, (*path, "duration"), duration))
        if duration != "1M":
            raise self.skip(
                doc,
                (*path, "duration"),
                f"a calendar window of {duration}: the cockpit's calendar windows are months "
                "(1M), other windows roll",
            )
        calendar = window.get("calendar")
        calendar = calendar if isinstance(calendar, dict) else {}
        zone = calendar.get("timeZone")
        if zone not in (None, "UTC", "Etc/UTC", "Etc/GMT", "GMT"):
            self.note(
                doc,
                (*path, "calendar", "timeZone"),
                f"months in {zone}: the cockpit's calendar months are in UTC (imported so)",
            )
        start = str(calendar.get("startTime", CALENDAR_START))
        if not re.match(r"^\d{4}-\d{2}-01[ T]00:00(:00)?$", start):
            self.note(
                doc,
                (*path, "calendar", "startTime"),
                f"months from {start}: the cockpit's calendar months start on the 1st at 00:00 "
                "(imported so)",
            )
        return "calendar_month"

    def indicator(
        self, doc: _Doc, spec: dict[str, Any]
    ) -> tuple[_Doc, tuple[Any, ...], dict[str, Any]]:
        """The SLI's document, the path of its spec in it, and the spec."""
        if "indicator" in spec and "indicatorRef" in spec:
            raise self.fail(doc, ("spec",), "give `indicator` or `indicatorRef`, not both")
        if "indicator" in spec:
            inline = self.mapping(doc, ("spec", "indicator"), spec["indicator"])
            path = ("spec", "indicator", "spec")
            return doc, path, self.mapping(doc, path, inline.get("spec"))
        ref = self.string(
            doc,
            ("spec", "indicatorRef"),
            spec.get("indicatorRef"),
            "give `indicatorRef` (an SLI's name) or an inline `indicator`",
        )
        sli = self.by_kind.get("SLI", {}).get(ref)
        if sli is None:
            raise self.skip(doc, ("spec", "indicatorRef"), f"SLI {ref!r} is not in this file")
        return sli, ("spec",), self.mapping(sli, ("spec",), sli.spec)

    def ratio(
        self, doc: _Doc, path: tuple[Any, ...], ratio: dict[str, Any]
    ) -> tuple[tuple[str, str], str, str]:
        if "raw" in ratio:
            raise self.skip(
                doc,
                (*path, "raw"),
                "a precomputed ratio has no events to count: give good (or bad) and total",
            )
        counter = ratio.get("counter", False)
        if not isinstance(counter, bool):
            raise self.fail(doc, (*path, "counter"), f"must be true or false, got {counter!r}")
        if ("good" in ratio) == ("bad" in ratio):
            raise self.fail(doc, path, "give exactly one of `good` or `bad`, with `total`")
        if "total" not in ratio:
            raise self.fail(doc, (*path, "total"), "give `total`, the events good ones are out of")
        part = "good" if "good" in ratio else "bad"
        events = self.query(doc, (*path, part), ratio[part], counter)
        total = self.query(doc, (*path, "total"), ratio["total"], counter)
        if events.connection != total.connection:
            raise self.skip(
                doc,
                (*path, "total", "metricSource"),
                f"{part} and total read different Prometheus servers; a cockpit monitor reads one",
            )
        good = events.query if part == "good" else f"({total.query}) - ({events.query})"
        return total.connection, good, total.query

    def query(self, doc: _Doc, path: tuple[Any, ...], holder: Any, counter: bool) -> _Query:
        holder = self.mapping(doc, path, holder)
        path = (*path, "metricSource")
        source = self.mapping(doc, path, holder.get("metricSource"))
        ref, kind = source.get("metricSourceRef"), source.get("type")
        datasource = self.by_kind.get("DataSource", {}).get(ref) if isinstance(ref, str) else None
        if kind is None and datasource is not None and isinstance(datasource.spec, dict):
            kind = datasource.spec.get("type")
        if kind is None:
            if ref is not None and datasource is None:
                raise self.skip(
                    doc,
                    (*path, "metricSourceRef"),
                    f"DataSource {ref!r} is not in this file, and the metricSource has no type",
                )
            raise self.fail(doc, path, "give `type` (like Prometheus) or a `metricSourceRef`")
        if str(kind).lower() == COCKPIT_SOURCE:
            spec = source.get("spec") if isinstance(source.get("spec"), dict) else {}
            raise self.skip(
                doc,
                (*path, "type"),
                f"a cockpit {spec.get('kind', 'ML')} monitor: its data and settings are in the "
                "cockpit config it was exported from, not in OpenSLO (copy the monitor and "
                "the SLO from there)",
            )
        if str(kind).lower() != PROMETHEUS.lower():
            raise self.skip(
                doc, (*path, "type"), f"{kind}: the cockpit reads SLIs from Prometheus only"
            )
        spec = self.mapping(doc, (*path, "spec"), source.get("spec"))
        key = "query" if "query" in spec else "promql"
        promql = self.string(doc, (*path, "spec", key), spec.get(key), "the PromQL query")
        windowed = _over_window(promql, counter)
        if windowed is None:
            raise self.skip(
                doc,
                (*path, "spec", key),
                "a counter query the cockpit cannot put over a window: write the events in the "
                "window with $window, like sum(increase(http_requests_total[$window])), and "
                "counter: false",
            )
        return _Query(self.connection(datasource), windowed)

    def connection(self, datasource: _Doc | None) -> tuple[str, str]:
        """The Prometheus server's URL from the DataSource, or the variable that will hold it."""
        details: Any = None
        if datasource is not None and isinstance(datasource.spec, dict):
            details = datasource.spec.get("connectionDetails")
        if isinstance(details, list):
            details = {k: v for item in details if isinstance(item, dict) for k, v in item.items()}
        if isinstance(details, dict):
            if isinstance(details.get("url"), str):
                return ("url", details["url"])
            for key in ("urlEnv", "url_env"):
                if isinstance(details.get(key), str):
                    return ("url_env", details[key])
        return ("url_env", PROMETHEUS_URL_ENV)

    def monitor(
        self,
        doc: _Doc,
        service: _Service,
        sli_doc: _Doc,
        key: Any,
        prometheus: dict[str, Any],
        slice_window: Any,
    ) -> str:
        """The monitor of the SLI in ``service`` (made on first use); its name."""
        schedule: dict[str, Any]
        every = None
        if slice_window is not None:
            every = self.duration(doc, ("spec", "objectives", 0, "timeSliceWindow"), slice_window)
        cron, window = sli_doc.annotation("cron"), sli_doc.annotation("window")
        if every is None and cron is None:
            every = self.duration(
                sli_doc, ("metadata", "annotations"), sli_doc.annotation("every") or DEFAULT_EVERY
            )
        schedule = {"every": format_duration(every)} if every is not None else {"cron": cron}
        if window is not None:
            schedule["window"] = format_duration(
                self.duration(sli_doc, ("metadata", "annotations"), window)
            )
        if key in service.monitors:
            existing = service.monitors[key]
            if slice_window is not None and existing.get("every") != schedule.get("every"):
                self.note(
                    doc,
                    ("spec", "objectives", 0, "timeSliceWindow"),
                    f"its monitor {existing['name']!r} runs every {existing.get('every')} (set "
                    "by an SLO before it); a cockpit monitor has one schedule",
                )
            return existing["name"]
        if sli_doc is not doc:
            name = sli_doc.annotation("monitor") or sli_doc.name
        else:
            inline = doc.spec["indicator"]
            meta = inline.get("metadata") if isinstance(inline.get("metadata"), dict) else {}
            name = meta.get("name") if isinstance(meta.get("name"), str) else doc.name
        taken = {m["name"] for m in service.monitors.values()}
        candidate, n = name, 2
        while candidate in taken:
            candidate, n = f"{name}-{n}", n + 1
        monitor: dict[str, Any] = {"name": candidate, "kind": "system", **schedule}
        description = sli_doc.spec.get("description") if sli_doc is not doc else None
        if isinstance(description, str) and description:
            monitor["description"] = description
        monitor["prometheus"] = prometheus
        service.monitors[key] = monitor
        return candidate

    def tiers(self, doc: _Doc, spec: dict[str, Any], window: str) -> list[dict[str, Any]] | None:
        """The SLO's burn-rate tiers from its alert policies; None for the cockpit's default
        (the SRE Workbook's, also when the policies say exactly that)."""
        policies = spec.get("alertPolicies")
        if not policies:
            return None
        if not isinstance(policies, list):
            raise self.fail(doc, ("spec", "alertPolicies"), "must be a list of alert policies")
        length = OPENSLO_MONTH if window == "calendar_month" else parse_duration(window)
        tiers: list[dict[str, Any]] = []
        for i, item in enumerate(policies):
            path = ("spec", "alertPolicies", i)
            ref = item if isinstance(item, str) else None
            if isinstance(item, dict) and "alertPolicyRef" in item:
                ref = self.string(doc, (*path, "alertPolicyRef"), item["alertPolicyRef"], "a name")
            if ref is not None:
                policy = self.by_kind.get("AlertPolicy", {}).get(ref)
                if policy is None:
                    self.note(doc, path, f"AlertPolicy {ref!r} is not in this file")
                    continue
                pdoc, ppath = policy, ("spec",)
                pspec = self.mapping(policy, ppath, policy.spec)
            elif isinstance(item, dict) and item.get("kind") == "AlertPolicy":
                pdoc, ppath = doc, (*path, "spec")
                pspec = self.mapping(doc, ppath, item.get("spec"))
            else:
                raise self.fail(
                    doc, path, "give `alertPolicyRef: <name>` or an inline `kind: AlertPolicy`"
                )
            tiers.extend(self.policy(pdoc, ppath, pspec, length))
        if not tiers:
            self.note(
                doc,
                ("spec", "alertPolicies"),
                "no burn-rate tier could be mapped: the SLO gets the cockpit's default tiers "
                "(the SRE Workbook's)",
            )
            return None
        return None if tiers == _workbook_tiers() else tiers

    def policy(
        self, doc: _Doc, path: tuple[Any, ...], spec: dict[str, Any], window: timedelta
    ) -> list[dict[str, Any]]:
        if spec.get("notificationTargets"):
            self.note(
                doc,
                (*path, "notificationTargets"),
                "the cockpit routes alerts by its `notifiers:` and actions, not per policy",
            )
        if spec.get("alertWhenNoData"):
            self.note(
                doc,
                (*path, "alertWhenNoData"),
                "an SLO without data never alerts in the cockpit; a monitor that keeps failing "
                "raises its own 'monitor broken' alert",
            )
        conditions = spec.get("conditions")
        if not isinstance(conditions, list) or not conditions:
            raise self.fail(doc, (*path, "conditions"), "give a list with one alert condition")
        tiers = []
        for j, item in enumerate(conditions):
            cpath = (*path, "conditions", j)
            item = self.mapping(doc, cpath, item)
            if "conditionRef" in item:
                ref = self.string(doc, (*cpath, "conditionRef"), item["conditionRef"], "a name")
                condition = self.by_kind.get("AlertCondition", {}).get(ref)
                if condition is None:
                    self.note(doc, cpath, f"AlertCondition {ref!r} is not in this file")
                    continue
                tier = self.tier(condition, ("spec",), condition.spec, window, condition)
            else:
                tier = self.tier(doc, (*cpath, "spec"), item.get("spec"), window, None)
            if tier is not None:
                tiers.append(tier)
                self.resolved.append(
                    (
                        doc,
                        (*path, "alertWhenResolved"),
                        spec.get("alertWhenResolved", True) is not False,
                    )
                )
        return tiers

    def tier(
        self,
        doc: _Doc,
        path: tuple[Any, ...],
        spec: Any,
        window: timedelta,
        annotated: _Doc | None,
    ) -> dict[str, Any] | None:
        spec = self.mapping(doc, path, spec)
        severity = self.string(
            doc, (*path, "severity"), spec.get("severity"), "like page or ticket"
        )
        condition = self.mapping(doc, (*path, "condition"), spec.get("condition"))
        cpath = (*path, "condition")
        kind = condition.get("kind", "burnrate")
        if kind != "burnrate":
            self.note(doc, (*cpath, "kind"), f"{kind}: the cockpit alerts on burn rates only")
            return None
        op = condition.get("op", "gt")
        if op not in ("gt", "gte"):
            self.note(
                doc,
                (*cpath, "op"),
                f"{op}: a cockpit tier fires when the burn rate is above its threshold",
            )
            return None
        threshold = self.number(
            doc, (*cpath, "threshold"), condition.get("threshold"), "a burn rate, like 14.4"
        )
        if threshold <= 0:
            raise self.fail(
                doc, (*cpath, "threshold"), f"must be above 0, got {_number(threshold)}"
            )
        long = self.duration(doc, (*cpath, "lookbackWindow"), condition.get("lookbackWindow"))
        after = condition.get("alertAfter")
        if after is not None and self.duration(doc, (*cpath, "alertAfter"), after) > timedelta(0):
            self.note(
                doc,
                (*cpath, "alertAfter"),
                "the cockpit waits for no duration: its short window confirms the burn instead "
                "(the tier is imported without it)",
            )
        mapped = _SEVERITIES.get(severity.lower())
        if mapped is None:
            self.note(
                doc,
                (*path, "severity"),
                f"{severity!r}: a cockpit tier is page (or critical) or ticket (or warning)",
            )
            return None
        short_text = annotated.annotation("short-window") if annotated else None
        short = (
            self.duration(doc, ("metadata", "annotations"), short_text)
            if short_text is not None
            else timedelta(seconds=round(long.total_seconds() / 12))  # the Workbook's 1h / 5m
        )
        if short >= long:
            raise self.fail(
                doc,
                ("metadata", "annotations"),
                f"cockpit/short-window {format_duration(short)} must be shorter than the "
                f"lookbackWindow {format_duration(long)}",
            )
        tier: dict[str, Any] = {
            "severity": mapped,
            "long_window": format_duration(long),
            "short_window": format_duration(short),
        }
        share = annotated.annotation("budget-share") if annotated else None
        if share is not None:
            try:
                budget = float(share)
            except ValueError:
                budget = math.nan
            scaled = budget * window.total_seconds() / long.total_seconds()
            if math.isclose(_threshold(scaled), threshold, rel_tol=1e-9):
                return tier | {"budget_share": budget}
        return tier | {"factor": threshold}

    def config(self) -> dict[str, Any]:
        out: dict[str, Any] = {"version": "cockpit/v1"}
        services = []
        longest = RETENTION_DEFAULT
        for service in self.services.values():
            if not service.slos:
                continue
            entry: dict[str, Any] = {"name": service.name}
            if service.owner:
                entry["owner"] = service.owner
            if service.description:
                entry["description"] = service.description
            entry["data"] = {"current": {"kind": "csv", "path": "unused.csv", "timestamp": "ts"}}
            entry["monitors"] = list(service.monitors.values())
            entry["slos"] = service.slos
            services.append(entry)
            for slo in service.slos:
                length = (
                    MONTH if slo["window"] == "calendar_month" else parse_duration(slo["window"])
                )
                longest = max(longest, length)
        out["services"] = services
        values = {value for _doc, _path, value in self.resolved}
        if values == {False}:
            out["alerting"] = {"send_resolved": False}
        elif len(values) > 1:
            for doc, path, value in self.resolved:
                if not value:
                    self.note(
                        doc,
                        path,
                        "the cockpit sends resolutions for every alert or for none "
                        "(alerting.send_resolved); other policies here send them",
                    )
        if longest > RETENTION_DEFAULT:
            out["store_retention"] = {"runs": format_duration(longest)}
        return out


def _workbook_tiers() -> list[dict[str, Any]]:
    return [
        {
            "severity": tier.severity,
            "long_window": format_duration(timedelta(seconds=tier.long_window_s)),
            "short_window": format_duration(timedelta(seconds=tier.short_window_s)),
            "budget_share": tier.budget_share,
        }
        for tier in WORKBOOK_TIERS
    ]


def _over_window(query: str, counter: bool) -> str | None:
    """The query as the cockpit runs it, counting the events of each run's window: a query with
    ``$window`` (or Sloth's ``{{.window}}``) as it is; a gauge (``counter: false``) as it is,
    read at the window's end; a counter selector (or ``sum`` of one) over ``[$window]``; None
    for another counter query."""
    query = _SLOTH_WINDOW.sub("$window", query)
    if prometheus_window_query(query, "1m") != query or not counter:
        return query
    match = _COUNTER_QUERY.match(query)
    if match is None:
        return None
    return f"sum(increase({match['inner'] or match['bare']}[$window]))"


def import_(text: str, source: str) -> tuple[str, list[Unmapped]]:
    """A cockpit config (YAML text) from OpenSLO documents, and what could not be mapped."""
    importer = _Import(_documents(text, source), source)
    importer.run()
    if importer.problems:
        raise ConfigError(importer.problems)
    config = importer.config()
    head = (
        f"# Imported from {source} (OpenSLO v1) by cockpit slo import --format openslo.\n"
        "# Each service's data.current is a placeholder the config format asks for: its\n"
        "# monitors read Prometheus, not that file.\n"
    )
    text_out = head + yaml.safe_dump(config, sort_keys=False, width=100, allow_unicode=True)
    parse_config(text_out, f"{source} (imported)")  # what is printed is a valid config
    return text_out, importer.unmapped
