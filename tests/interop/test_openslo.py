"""OpenSLO v1 out and in: the exported documents' shape, golden files, export -> import ->
export stability, what a foreign file maps to and what it reports as unmapped, and errors
that name the file, the document and the field. Golden files are rewritten with
COCKPIT_UPDATE_GOLDEN=1."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cockpit.cli import app
from cockpit.config.loader import load_config, parse_config
from cockpit.errors import ConfigError
from cockpit.interop import openslo

GOLDEN = Path(__file__).parent / "golden"
PROMQL_CONFIG = GOLDEN / "prometheus.cockpit.yaml"
ML_CONFIG = GOLDEN / "ml.cockpit.yaml"
FOREIGN = GOLDEN / "foreign.openslo.yaml"

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
SHORTHAND = re.compile(r"^\d+[mhdwMQY]$")
ANNOTATION_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-_.A-Za-z0-9]{0,61}[A-Za-z0-9])?$"
)


def golden(name: str, text: str) -> str:
    path = GOLDEN / name
    if os.environ.get("COCKPIT_UPDATE_GOLDEN"):
        path.write_text(text)
    return path.read_text()


def documents(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def import_text(text: str) -> tuple[str, list[openslo.Unmapped]]:
    return openslo.import_(text, "slos.yaml")


# --- export ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "name"),
    [
        pytest.param(PROMQL_CONFIG, "prometheus.openslo.yaml", id="PromQL SLOs"),
        pytest.param(ML_CONFIG, "ml.openslo.yaml", id="ML SLOs with one PromQL SLO"),
    ],
)
def test_an_export_matches_its_golden_file(config: Path, name: str) -> None:
    text = openslo.export(load_config(config))
    assert text == golden(name, text)


@pytest.mark.parametrize("config", [PROMQL_CONFIG, ML_CONFIG], ids=["PromQL", "ML"])
def test_every_exported_document_has_the_openslo_v1_shape_and_its_references_resolve(
    config: Path,
) -> None:
    loaded = load_config(config)
    docs = documents(openslo.export(loaded))
    kinds = {"DataSource", "Service", "SLI", "SLO", "AlertPolicy", "AlertCondition"}
    assert {d["kind"] for d in docs} <= kinds
    for doc in docs:
        assert set(doc) == {"apiVersion", "kind", "metadata", "spec"}
        assert doc["apiVersion"] == "openslo/v1"
        assert DNS_LABEL.match(doc["metadata"]["name"]), doc["metadata"]["name"]
        assert len(doc["metadata"].get("displayName", "")) <= 63
        for key, value in doc["metadata"].get("annotations", {}).items():
            assert ANNOTATION_KEY.match(key) and isinstance(value, str), (key, value)
    names = [(d["kind"], d["metadata"]["name"]) for d in docs]
    assert len(names) == len(set(names)), "a name is used twice within a kind"

    services, slis = by_kind(docs, "Service"), by_kind(docs, "SLI")
    policies, conditions = by_kind(docs, "AlertPolicy"), by_kind(docs, "AlertCondition")
    sources = by_kind(docs, "DataSource")
    slos = list(by_kind(docs, "SLO").values())
    assert len(services) == len(loaded.services)
    assert len(slos) == sum(len(s.slos) for s in loaded.services)
    for slo in slos:
        spec = slo["spec"]
        assert spec["service"] in services
        assert spec["indicatorRef"] in slis
        assert spec["budgetingMethod"] in ("Occurrences", "Timeslices")
        [window] = spec["timeWindow"]
        assert SHORTHAND.match(window["duration"])
        assert window["isRolling"] is ("calendar" not in window)
        [objective] = spec["objectives"]
        assert 0 < objective["target"] < 1
        if spec["budgetingMethod"] == "Timeslices":
            assert 0 < objective["timeSliceTarget"] <= 1
            assert SHORTHAND.match(objective["timeSliceWindow"])
        assert spec["alertPolicies"], "every cockpit SLO has burn-rate tiers"
        for ref in spec["alertPolicies"]:
            assert ref["alertPolicyRef"] in policies
    for sli in slis.values():
        metric = sli["spec"].get("ratioMetric") or sli["spec"]["thresholdMetric"]
        holders = [metric["good"], metric["total"]] if "good" in metric else [metric]
        for holder in holders:
            source = holder["metricSource"]
            assert source["type"] in ("Prometheus", "cockpit")
            if source["type"] == "Prometheus":
                assert source["metricSourceRef"] in sources
                assert isinstance(source["spec"]["query"], str)
    for policy in policies.values():
        [condition] = policy["spec"]["conditions"]
        assert condition["conditionRef"] in conditions
        assert policy["spec"]["alertWhenBreaching"] is True
    for condition in conditions.values():
        rule = condition["spec"]["condition"]
        assert condition["spec"]["severity"] in ("page", "ticket")
        assert rule["kind"] == "burnrate" and rule["op"] == "gt" and rule["threshold"] > 0
        assert SHORTHAND.match(rule["lookbackWindow"])


@pytest.mark.parametrize(
    ("window", "thresholds"),
    [
        pytest.param("30d", [14.4, 6, 3, 1], id="30 days: the SRE Workbook's factors"),
        pytest.param("28d", [13.44, 5.6, 2.8, 0.933333333333], id="28 days: Sloth's factors"),
    ],
)
def test_the_default_tiers_export_as_burn_rate_conditions_scaled_to_the_window(
    window: str, thresholds: list[float]
) -> None:
    config = parse_config(
        PROMQL_CONFIG.read_text().replace(
            "objective: 0.999\n        window: 28d", f"objective: 0.999\n        window: {window}"
        )
    )
    docs = documents(openslo.export(config))
    slo = by_kind(docs, "SLO")["checkout-available"]
    conditions = by_kind(docs, "AlertCondition")
    refs = [ref["alertPolicyRef"] for ref in slo["spec"]["alertPolicies"]]
    tiers = [conditions[ref]["spec"] for ref in refs]
    assert [t["condition"]["threshold"] for t in tiers] == thresholds
    assert [(t["severity"], t["condition"]["lookbackWindow"]) for t in tiers] == [
        ("page", "1h"),
        ("page", "6h"),
        ("ticket", "1d"),
        ("ticket", "3d"),
    ]
    shorts = [conditions[ref]["metadata"]["annotations"]["cockpit/short-window"] for ref in refs]
    assert shorts == ["5m", "30m", "2h", "6h"]


def test_an_ml_slo_keeps_its_monitor_and_condition_in_a_cockpit_metric_source() -> None:
    docs = documents(openslo.export(load_config(ML_CONFIG)))
    slo = by_kind(docs, "SLO")["loan-default-no-drift"]["spec"]
    assert slo["budgetingMethod"] == "Timeslices"
    [objective] = slo["objectives"]
    assert (objective["op"], objective["value"], objective["target"]) == ("lte", 0.3, 0.95)
    assert objective["timeSliceWindow"] == "1h"
    sli = by_kind(docs, "SLI")[slo["indicatorRef"]]
    assert sli["spec"]["thresholdMetric"]["metricSource"] == {
        "type": "cockpit",
        "spec": {
            "service": "loan-default",
            "monitor": "feature-drift",
            "kind": "drift",
            "sli": "drift_share",
        },
    }
    valid = by_kind(docs, "SLO")["loan-default-valid-inputs"]["spec"]
    ratio = by_kind(docs, "SLI")[valid["indicatorRef"]]["spec"]["ratioMetric"]
    assert valid["budgetingMethod"] == "Occurrences"
    assert ratio["good"]["metricSource"]["spec"]["events"] == "good"
    assert ratio["total"]["metricSource"]["spec"]["events"] == "total"


def test_names_are_dns_labels_cut_with_a_hash_and_told_apart_when_they_would_collide() -> None:
    assert openslo.dns_label("Search API", "ok_requests") == "search-api-ok-requests"
    long = openslo.dns_label("a" * 40, "b" * 40)
    assert len(long) == 63 and DNS_LABEL.match(long)
    assert long != openslo.dns_label("a" * 40, "b" * 41)
    text = PROMQL_CONFIG.read_text().replace("name: Search API", "name: CHECKOUT")
    docs = documents(openslo.export(parse_config(text)))
    services = by_kind(docs, "Service")
    assert len(services) == 2 and "checkout" in services
    restored = {s["metadata"]["annotations"]["cockpit/service"] for s in services.values()}
    assert restored == {"checkout", "CHECKOUT"}


# --- export -> import -> export ---------------------------------------------------------------


def test_export_then_import_then_export_is_stable_and_restores_the_config() -> None:
    original = load_config(PROMQL_CONFIG)
    exported = openslo.export(original)
    imported, unmapped = import_text(exported)
    assert unmapped == []
    assert imported == golden("prometheus.imported.yaml", imported)
    again = parse_config(imported, "imported.yaml")
    assert openslo.export(again) == exported
    # every service, monitor and SLO as the config had it (the golden config's data source is
    # the placeholder import writes)
    assert again.services == original.services
    assert again.alerting == original.alerting


def test_an_edited_export_imports_what_the_openslo_fields_say() -> None:
    """The OpenSLO fields win over the annotations kept for a faithful round trip."""
    docs = documents(openslo.export(load_config(PROMQL_CONFIG)))
    slo = by_kind(docs, "SLO")["checkout-available"]
    slo["spec"]["objectives"][0]["target"] = 0.9995
    slo["spec"]["timeWindow"][0]["duration"] = "2w"
    sli = by_kind(docs, "SLI")["checkout-availability"]
    sli["spec"]["ratioMetric"]["total"]["metricSource"]["spec"]["query"] = (
        "sum(increase(x[$window]))"
    )
    condition = by_kind(docs, "AlertCondition")["page-1h-5m-28d"]
    condition["spec"]["condition"]["threshold"] = 20
    imported, _ = import_text(yaml.safe_dump_all(docs))
    service = parse_config(imported).service("checkout")
    available = next(s for s in service.slos if s.name == "available")
    assert (available.objective, available.window.days) == (0.9995, 14)
    assert service.monitor("availability").prometheus.total_query == "sum(increase(x[$window]))"
    # thresholds that no longer are budget share x window / long window (the edited one, and
    # the others now that the window is 14 days) are kept as they are written: fixed factors
    assert available.tiers is not None
    assert [t.factor for t in available.tiers] == [20, 5.6, 2.8, 0.933333333333]
    assert {t.budget_share for t in available.tiers} == {None}
    # an unedited SLO over the same tiers' window keeps their budget shares
    minutes = next(s for s in service.slos if s.name == "mostly-available-minutes")
    assert minutes.tiers is None  # the SRE Workbook's, as the config had it


def test_an_exported_ml_config_imports_its_promql_slo_and_reports_each_ml_slo() -> None:
    imported, unmapped = import_text(openslo.export(load_config(ML_CONFIG)))
    [service] = parse_config(imported).services
    assert [s.name for s in service.slos] == ["served"]
    assert [(u.document, u.field) for u in unmapped] == [
        ("SLI/loan-default-input-quality", "spec.ratioMetric.good.metricSource.type"),
        ("SLI/loan-default-latency", "spec.ratioMetric.good.metricSource.type"),
        ("SLI/loan-default-feature-drift-drift-share", "spec.thresholdMetric.metricSource.type"),
        ("SLI/loan-default-accuracy-accuracy", "spec.thresholdMetric.metricSource.type"),
    ]
    assert "a cockpit drift monitor" in unmapped[2].reason
    assert unmapped[2].reason.endswith("SLO/loan-default-no-drift is not imported")


# --- import of OpenSLO written elsewhere ------------------------------------------------------


def test_a_foreign_file_imports_what_maps_and_reports_the_rest_by_document_and_field() -> None:
    imported, unmapped = import_text(FOREIGN.read_text())
    config = parse_config(imported)
    [web] = config.services
    assert (web.name, web.description) == ("web", "The web shop.")
    availability = {s.name: s for s in web.slos}
    assert sorted(availability) == ["search-latency-minutes", "web-availability"]

    slo = availability["web-availability"]
    assert (slo.objective, slo.window.days, slo.good) == (0.995, 28, None)  # 99.5%, 4w
    monitor = web.monitor(slo.monitor)
    assert monitor.prometheus.url == "http://prometheus.example:9090"
    # a counter's selector is counted over each run's window; bad/total becomes good/total
    total = 'sum(increase(http_requests{component="web"}[$window]))'
    bad = 'sum(increase(http_requests{component="web",code=~"5.."}[$window]))'
    assert monitor.prometheus.total_query == total
    assert monitor.prometheus.good_query == f"({total}) - ({bad})"
    [tier] = slo.tiers  # the sev3 tier is reported, the critical one is a page
    assert (tier.severity, tier.factor, tier.long_window.seconds, tier.short_window.seconds) == (
        "page",
        14.4,
        3600,
        300,
    )

    minutes = availability["search-latency-minutes"]
    assert minutes.good == "value <= 0.25"
    latency = web.monitor(minutes.monitor)
    assert latency.every.seconds == 60  # the timeslice window
    assert latency.prometheus.url_env == "PROMETHEUS_URL"  # no DataSource: named, not guessed

    assert [(u.document, u.field) for u in unmapped] == [
        ("Service/web", "metadata.labels"),
        ("AlertNotificationTarget/pager", "kind"),
        ("SLO/web-availability", "spec.alertPolicies[0].spec.notificationTargets"),
        ("SLO/web-availability", "spec.alertPolicies[0].spec.alertWhenNoData"),
        (
            "SLO/web-availability",
            "spec.alertPolicies[0].spec.conditions[0].spec.condition.alertAfter",
        ),
        ("AlertCondition/slow-burn", "spec.severity"),
        ("SLO/web-availability", "spec.objectives[1]"),
        ("SLO/search-latency-samples", "spec.budgetingMethod"),
        ("SLO/checkout-datadog", "spec.indicator.spec.ratioMetric.good.metricSource.type"),
        ("SLO/web-weekly", "spec.timeWindow[0].duration"),
        ("SLO/web-ratio-slices", "spec.budgetingMethod"),
    ]


GOOD_SLO = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: good}
spec:
  service: web
  indicator:
    metadata: {name: requests}
    spec:
      ratioMetric:
        counter: false
        good: {metricSource: {type: Prometheus, spec: {query: 'sum(increase(ok_total[$window]))'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'sum(increase(all_total[$window]))'}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
"""


def other(spec_edit: str) -> str:
    """GOOD_SLO renamed `other`, with one change."""
    text = GOOD_SLO.replace("name: good}", "name: other}")
    old, new = spec_edit.split(" => ")
    assert old in text, old
    return text.replace(old, new)


@pytest.mark.parametrize(
    ("document", "field", "words"),
    [
        pytest.param(
            other(
                "ratioMetric:\n        counter: false\n        good: {metricSource: {type: Prometheus, spec: {query: 'sum(increase(ok_total[$window]))'}}}\n        total: {metricSource: {type: Prometheus, spec: {query: 'sum(increase(all_total[$window]))'}}} => thresholdMetric: {metricSource: {type: Prometheus, spec: {query: latency}}}"
            ),
            "spec.budgetingMethod",
            "write Timeslices",
            id="a thresholdMetric counted as Occurrences",
        ),
        pytest.param(
            other("good: {metricSource: {type: Prometheus => good: {metricSource: {type: Datadog"),
            "spec.indicator.spec.ratioMetric.good.metricSource.type",
            "Prometheus only",
            id="a Datadog metric source",
        ),
        pytest.param(
            other(
                "good: {metricSource: {type: Prometheus, spec: {query: 'sum(increase(ok_total[$window]))'}}} => good: {metricSource: {type: cockpit, spec: {kind: drift}}}"
            ),
            "spec.indicator.spec.ratioMetric.good.metricSource.type",
            "a cockpit drift monitor",
            id="a cockpit metric source",
        ),
        pytest.param(
            other("budgetingMethod: Occurrences => budgetingMethod: RatioTimeslices"),
            "spec.budgetingMethod",
            "averages",
            id="RatioTimeslices",
        ),
        pytest.param(
            other(
                "counter: false => counter: false\n        raw: {metricSource: {type: Prometheus}}"
            ),
            "spec.indicator.spec.ratioMetric.raw",
            "precomputed ratio",
            id="a raw ratio",
        ),
        pytest.param(
            other(
                "[{duration: 28d, isRolling: true}] => [{duration: 1w, calendar: {startTime: '2024-01-01 00:00:00', timeZone: Etc/UTC}}]"
            ),
            "spec.timeWindow[0].duration",
            "months (1M)",
            id="a calendar week",
        ),
        pytest.param(
            other("counter: false => counter: true").replace(
                "sum(increase(ok_total[$window]))", "sum(rate(ok_total[5m])) * 300"
            ),
            "spec.indicator.spec.ratioMetric.good.metricSource.spec.query",
            "[$window]",
            id="a counter query with no selector to put over a window",
        ),
        pytest.param(
            other(
                "objectives: [{target: 0.99}] => objectives: [{target: 0.99, indicatorRef: elsewhere}]"
            ),
            "spec.objectives[0]",
            "composite",
            id="a composite SLO",
        ),
        pytest.param(
            other(
                "good: {metricSource: {type: Prometheus, spec: {query: 'sum(increase(ok_total[$window]))'}}} => good: {metricSource: {metricSourceRef: elsewhere, spec: {query: x}}}"
            ),
            "spec.indicator.spec.ratioMetric.good.metricSource.metricSourceRef",
            "not in this file",
            id="a DataSource in another file",
        ),
    ],
)
def test_what_has_no_cockpit_equivalent_is_reported_and_the_rest_still_imports(
    document: str, field: str, words: str
) -> None:
    imported, unmapped = import_text(GOOD_SLO + "---\n" + document)
    [service] = parse_config(imported).services
    assert [s.name for s in service.slos] == ["good"]
    [item] = unmapped
    assert (item.document, item.field) == ("SLO/other", field)
    assert words in item.reason and item.reason.endswith("SLO/other is not imported")


def test_a_calendar_month_in_another_time_zone_imports_as_a_utc_month_and_says_so() -> None:
    text = GOOD_SLO.replace(
        "[{duration: 28d, isRolling: true}]",
        "[{duration: 1M, calendar: {startTime: '2024-01-01 00:00:00', timeZone: Europe/Berlin}}]",
    )
    imported, unmapped = import_text(text)
    assert parse_config(imported).services[0].slos[0].window == "calendar_month"
    assert [(u.document, u.field) for u in unmapped] == [
        ("SLO/good", "spec.timeWindow[0].calendar.timeZone")
    ]


def test_a_window_longer_than_the_retention_keeps_runs_as_long() -> None:
    imported, _ = import_text(GOOD_SLO.replace("duration: 28d", "duration: 1Q"))
    config = parse_config(imported)
    assert config.services[0].slos[0].window.days == 90
    assert config.store_retention.runs.days == 90


@pytest.mark.parametrize(
    ("text", "line", "where", "words"),
    [
        pytest.param(
            "apiVersion: openslo/v1\nkind: [SLO\n", 3, "", "YAML syntax error", id="bad YAML"
        ),
        pytest.param(
            GOOD_SLO + "---\napiVersion: openslo/v1\nmetadata: {name: x}\nspec: {}\n",
            17,
            "document 2 (x) kind",
            "write `kind:`",
            id="a document without kind",
        ),
        pytest.param(
            GOOD_SLO.replace("openslo/v1", "openslo/v1alpha"),
            1,
            "document 1 (SLO/good) apiVersion",
            "write `apiVersion: openslo/v1`",
            id="an unknown apiVersion",
        ),
        pytest.param(
            GOOD_SLO.replace("kind: SLO", "kind: Slo"),
            2,
            "document 1 (Slo/good) kind",
            "not an OpenSLO v1 kind",
            id="an unknown kind",
        ),
        pytest.param(
            GOOD_SLO + "---\n" + GOOD_SLO,
            19,
            "document 2 (SLO/good) metadata.name",
            "defined twice",
            id="two SLOs with one name",
        ),
        pytest.param(
            GOOD_SLO.replace("target: 0.99", "target: 99.9"),
            15,
            "document 1 (SLO/good) spec.objectives[0].target",
            "(write 0.999)",
            id="a target in percent",
        ),
        pytest.param(
            GOOD_SLO.replace("  service: web\n", ""),
            4,
            "document 1 (SLO/good) spec.service",
            "name the service",
            id="an SLO without its service",
        ),
        pytest.param(
            GOOD_SLO.replace(
                "        good:", "        bad: {metricSource: {type: Prometheus}}\n        good:"
            ),
            9,
            "document 1 (SLO/good) spec.indicator.spec.ratioMetric",
            "exactly one of `good` or `bad`",
            id="a ratio with good and bad",
        ),
        pytest.param(
            GOOD_SLO.replace("Occurrences", "Occurrence"),
            14,
            "document 1 (SLO/good) spec.budgetingMethod",
            "must be Occurrences, Timeslices or RatioTimeslices",
            id="a misspelt budgeting method",
        ),
    ],
)
def test_a_file_that_is_no_valid_openslo_is_an_error_naming_file_document_and_field(
    text: str, line: int, where: str, words: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        import_text(text)
    [problem] = raised.value.problems
    assert (problem.file, problem.line, problem.path) == ("slos.yaml", line, where)
    assert words in problem.message


# --- the CLI ----------------------------------------------------------------------------------


def test_the_cli_exports_imports_and_validate_accepts_the_imported_config(tmp_path: Path) -> None:
    runner = CliRunner()
    exported = tmp_path / "slos.openslo.yaml"
    result = runner.invoke(
        app, ["slo", "export", str(ML_CONFIG), "--format", "openslo", "--out", str(exported)]
    )
    assert result.exit_code == 0, result.output
    assert exported.read_text() == openslo.export(load_config(ML_CONFIG))

    imported = tmp_path / "cockpit.yaml"
    result = runner.invoke(
        app, ["slo", "import", str(exported), "--format", "openslo", "--out", str(imported)]
    )
    assert result.exit_code == 0, result.output
    not_mapped = [line for line in result.stderr.splitlines() if "not mapped" in line]
    assert len(not_mapped) == 4
    assert not_mapped[2].startswith(
        f"{exported}: not mapped: SLI/loan-default-feature-drift-drift-share: "
        "spec.thresholdMetric.metricSource.type: a cockpit drift monitor"
    )

    result = runner.invoke(app, ["validate", str(imported)])
    assert result.exit_code == 0, result.output
    assert "ok (1 services, 1 monitors, 1 SLOs)" in result.stdout


def test_the_cli_prints_an_import_error_with_file_line_document_and_field(tmp_path: Path) -> None:
    broken = tmp_path / "slos.yaml"
    broken.write_text(GOOD_SLO.replace("target: 0.99", "target: 99.9"))
    result = CliRunner().invoke(app, ["slo", "import", str(broken), "--format", "openslo"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: {broken}:15: document 1 (SLO/good) spec.objectives[0].target: "
        "must be between 0 and 1, got 99.9 (write 0.999)"
    )
    assert result.stdout == ""
