"""Monitoring as code: every problem found in one go, each at its file, line and path."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cockpit.config.loader import load_config, parse_config
from cockpit.config.models import Config
from cockpit.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

GOOD = textwrap.dedent(
    """\
    version: cockpit/v1
    store: sqlite:///cockpit.db
    services:
      - name: loan
        owner: risk-ml
        data:
          current: {kind: parquet, path: "logs/*.parquet", timestamp: ts}
          reference: {window: 7d, offset: 7d}
          labels: {kind: csv, path: labels.csv, key: request_id, delay: 1d}
        schema:
          height_cm: {type: float, min: 30, max: 300, nullable: false}
          plan: {type: category, allowed: [basic, pro]}
        prediction: {column: score, kind: binary_classification, threshold: 0.5, label: defaulted}
        monitors:
          - {name: quality, kind: data_quality, every: 5m}
          - {name: drift, kind: drift, every: 1h, window: 1d}
          - {name: acc, kind: prediction_quality, metric: accuracy, cron: "0 * * * *", window: 1d}
        slos:
          - {name: valid, monitor: quality, objective: 0.99, window: 28d}
          - {name: no-drift, monitor: drift, objective: 0.95, good: "drift_share <= 0.3"}
        actions:
          - {on: {slo: no-drift, severity: page}, do: retrain, webhook: ci}
    notifiers:
      slack: {webhook_url_env: SLACK_WEBHOOK_URL}
    webhooks:
      ci: {url: "https://ci.example/hooks/retrain", secret_env: RETRAIN_SECRET, style: standard}
    allowed_hosts: [ci.example]
    """
)


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "cockpit.yaml")
    return [str(p) for p in caught.value.problems]


def test_the_known_good_config_loads_into_models() -> None:
    config = parse_config(GOOD, "cockpit.yaml")
    assert isinstance(config, Config)
    service = config.services[0]
    assert service.slos[0].method == "occurrences" and service.slos[1].method == "timeslices"
    assert service.monitor("drift").window_length.total_seconds() == 86400
    assert service.monitor("quality").window_length.total_seconds() == 300
    assert service.actions[0].on.slo == "no-drift"  # `on:` stays a key, not YAML 1.1's True
    assert service.data.labels.delay.total_seconds() == 86400


MISTYPED = [
    ("version", "version: cockpit/v1", "version: cockpit/v2", 1, "version", "cockpit/v1"),
    ("store", "store: sqlite:///cockpit.db", "store: [1]", 2, "store", "string"),
    (
        "services[].name",
        "  - name: loan",
        "  - nme: loan",
        4,
        "services[0].nme",
        "did you mean 'name'",
    ),
    ("services[].owner", "owner: risk-ml", "owner: [a]", 5, "services[0].owner", "string"),
    (
        "data.current",
        "current: {kind: parquet,",
        "current: {kind: parket,",
        7,
        "services[0].data.current",
        "unknown kind 'parket'",
    ),
    (
        "data.reference",
        "reference: {window: 7d, offset: 7d}",
        "reference: {window: 7 days}",
        8,
        "services[0].data.reference.window",
        "not a duration",
    ),
    (
        "data.labels",
        "key: request_id, delay: 1d",
        "kee: request_id, delay: 1d",
        9,
        "services[0].data.labels.kee",
        "did you mean 'key'",
    ),
    (
        "schema column type",
        "type: float, min: 30",
        "type: double, min: 30",
        11,
        "services[0].schema.height_cm.type",
        "'float'",
    ),
    (
        "schema min",
        "min: 30, max: 300",
        "min: thirty, max: 300",
        11,
        "services[0].schema.height_cm.min",
        "thirty",
    ),
    (
        "schema allowed",
        "allowed: [basic, pro]",
        "allowd: [basic, pro]",
        12,
        "services[0].schema.plan.allowd",
        "did you mean 'allowed'",
    ),
    (
        "schema nullable",
        "nullable: false",
        "nullable: maybe",
        11,
        "services[0].schema.height_cm.nullable",
        "maybe",
    ),
    (
        "prediction",
        "kind: binary_classification",
        "kind: binary",
        13,
        "services[0].prediction.kind",
        "binary_classification",
    ),
    (
        "monitor name",
        "- {name: quality, kind",
        "- {nam: quality, kind",
        15,
        "services[0].monitors[0]",
        "name",
    ),
    (
        "monitor kind",
        "kind: data_quality",
        "kind: dataquality",
        15,
        "services[0].monitors[0]",
        "unknown kind 'dataquality'",
    ),
    (
        "monitor every",
        "every: 5m}",
        "every: 5 minutes}",
        15,
        "services[0].monitors[0].every",
        "not a duration",
    ),
    (
        "monitor cron",
        'cron: "0 * * * *"',
        'cron: "every hour"',
        17,
        "services[0].monitors[2].cron",
        "crontab",
    ),
    (
        "monitor window",
        "window: 1d}\n      - {name: acc",
        "window: 1day}\n      - {name: acc",
        16,
        "services[0].monitors[1].window",
        "not a duration",
    ),
    (
        "slo name",
        "- {name: valid, monitor",
        "- {title: valid, monitor",
        19,
        "services[0].slos[0].title",
        "unknown key",
    ),
    (
        "slo monitor",
        "monitor: quality, objective",
        "monitor: qualty, objective",
        19,
        "services[0].slos[0].monitor",
        "no monitor named 'qualty'",
    ),
    (
        "slo objective",
        "objective: 0.99, window",
        "objective: 99.9, window",
        19,
        "services[0].slos[0].objective",
        "must be between 0 and 1, got 99.9 (write 0.999)",
    ),
    (
        "slo window",
        "window: 28d}",
        "window: 4 weeks}",
        19,
        "services[0].slos[0].window",
        "not a duration",
    ),
    (
        "slo good",
        'good: "drift_share <= 0.3"',
        'good: "drift share is low"',
        20,
        "services[0].slos[1].good",
        "not a condition",
    ),
    (
        "notifiers.slack",
        "slack: {webhook_url_env: SLACK_WEBHOOK_URL}",
        "slack: {webhook_env: SLACK_WEBHOOK_URL}",
        24,
        "notifiers.slack.webhook_env",
        "did you mean 'webhook_url_env'",
    ),
    (
        "webhooks url",
        'ci: {url: "https://ci.example',
        'ci: {uri: "https://ci.example',
        26,
        "webhooks.ci.uri",
        "did you mean 'url'",
    ),
    (
        "webhooks secret_env",
        "secret_env: RETRAIN_SECRET",
        "secret_env: 12-bad",
        26,
        "webhooks.ci.secret_env",
        "environment variable",
    ),
    ("webhooks style", "style: standard", "style: stripe", 26, "webhooks.ci.style", "'standard'"),
]


@pytest.mark.parametrize(
    ("before", "after", "line", "path", "says"),
    [case[1:] for case in MISTYPED],
    ids=[f"a mistyped {case[0]} is reported at its key" for case in MISTYPED],
)
def test_each_contract_key_mistyped_is_reported_at_its_line(
    before: str, after: str, line: int, path: str, says: str
) -> None:
    assert before in GOOD, before
    found = problems(GOOD.replace(before, after, 1))
    matching = [p for p in found if p.startswith(f"cockpit.yaml:{line}: {path}")]
    assert matching, found
    assert any(says in p for p in matching), found


def test_every_problem_is_reported_in_one_go() -> None:
    text = (
        GOOD.replace("objective: 0.99", "objective: 1.5")
        .replace("monitor: drift,", "monitor: drifty,")
        .replace("webhook: ci}", "webhook: cd}")
        .replace("every: 5m", "every: soon")
    )
    found = problems(text)
    assert len(found) == 4, found
    assert [int(p.split(":")[1]) for p in found] == [15, 19, 20, 22]


def test_a_yaml_syntax_error_gives_its_own_line() -> None:
    text = GOOD.replace("    owner: risk-ml\n", "    owner: [risk-ml\n")
    found = problems(text)
    assert len(found) == 1
    assert re.match(r"cockpit\.yaml:\d+: YAML syntax error", found[0]), found
    assert int(found[0].split(":")[1]) in (5, 6, 7)


def test_duplicate_names_and_keys_are_problems() -> None:
    text = GOOD.replace(
        "      - {name: no-drift, monitor: drift,", "      - {name: valid, monitor: drift,"
    ).replace("    owner: risk-ml\n", "    owner: risk-ml\n    owner: other\n")
    found = problems(text)
    assert any("duplicate key" in p and "services[0].owner" in p for p in found), found
    assert any("duplicate SLO name 'valid'" in p for p in found), found


@pytest.mark.parametrize(
    ("before", "after", "path"),
    [
        (
            "slack: {webhook_url_env: SLACK_WEBHOOK_URL}",
            "slack: {webhook_url: 'https://hooks.slack.com/services/T/B/x'}",
            "notifiers.slack.webhook_url",
        ),
        (
            "slack: {webhook_url_env: SLACK_WEBHOOK_URL}",
            "slack: {token: xoxb-1234-5678-abcdef, channel: '#x'}",
            "notifiers.slack.token",
        ),
        (
            "slack: {webhook_url_env: SLACK_WEBHOOK_URL}",
            "slack: {token_env: xoxb-1234-5678-abcdef, channel: '#x'}",
            "notifiers.slack.token_env",
        ),
        (
            'url: "https://ci.example/hooks/retrain"',
            'url: "https://bot:hunter2@ci.example/hooks"',
            "webhooks.ci.url",
        ),
        (
            'url: "https://ci.example/hooks/retrain"',
            'url: "https://ci.example/hooks?token=abc"',
            "webhooks.ci.url",
        ),
        (
            "secret_env: RETRAIN_SECRET",
            "secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "webhooks.ci.secret",
        ),
        ("store: sqlite:///cockpit.db", "store: postgresql://app:s3cret@db/cockpit", "store"),
    ],
    ids=[
        "a literal Slack webhook URL is rejected",
        "a literal bot token is rejected",
        "a token pasted into token_env is rejected",
        "a webhook URL with a password is rejected",
        "a webhook URL with a token parameter is rejected",
        "a literal webhook secret is rejected",
        "a store URL with a password is rejected",
    ],
)
def test_secrets_are_only_named_by_environment_variable(before: str, after: str, path: str) -> None:
    found = problems(GOOD.replace(before, after))
    assert any(f": {path}: " in p for p in found), found
    secret_fragments = ("hunter2", "s3cret", "abcdef", "MfKQ9r8G")
    assert not any(fragment in p for p in found for fragment in secret_fragments), found


def test_an_outgoing_host_must_be_allowed() -> None:
    found = problems(GOOD.replace("https://ci.example/hooks", "https://ci.exmaple/hooks"))
    assert found == [
        "cockpit.yaml:26: webhooks.ci.url: host 'ci.exmaple' is not in allowed_hosts; add it there if this is really where calls should go"
    ]
    assert parse_config(
        GOOD.replace("[ci.example]", "['*.example', ci.example]").replace(
            "//ci.example", "//build.ci.example"
        )
    )


def test_cross_references_name_what_exists() -> None:
    text = GOOD.replace("slo: no-drift", "slo: no-drfit").replace("webhook: ci}", "webhook: gh}")
    found = problems(text)
    assert any(
        "services[0].actions[0].on.slo: no SLO named 'no-drfit'" in p
        and "known: no-drift, valid" in p
        for p in found
    ), found
    assert any(
        "services[0].actions[0].webhook: no webhook named 'gh' (known: ci)" in p for p in found
    ), found


def test_a_drift_slo_without_a_condition_says_how_to_write_one() -> None:
    found = problems(GOOD.replace(', good: "drift_share <= 0.3"', ""))
    assert any('good: "drift_share <= 0.3"' in p for p in found), found


def test_an_unknown_sli_in_a_condition_lists_the_known_ones() -> None:
    found = problems(GOOD.replace("drift_share <= 0.3", "drift_shares <= 0.3"))
    assert any("no SLI 'drift_shares'" in p and "drift_share" in p for p in found), found


def test_the_readme_example_is_the_sample_config_and_validates() -> None:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```yaml\n(.*?)```", readme, re.S)
    assert block, "README.md has no ```yaml block"
    sample = (ROOT / "sample_data" / "cockpit.yaml").read_text()
    assert block.group(1) == sample
    assert load_config(ROOT / "sample_data" / "cockpit.yaml").services


def test_a_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the config"):
        load_config(tmp_path / "nope.yaml")


# --- big configs: libyaml, one parse -----------------------------------------------------------


def _line_after(text: str, start: str, target: str) -> int:
    """The line of the first ``target`` after ``start`` in ``text`` (1-based)."""
    position = text.index(target, text.index(start))
    return text.count("\n", 0, position) + 1


def test_a_config_of_2000_services_validates_and_places_problems_in_the_last_one(
    tmp_path: Path,
) -> None:
    from bench.bench_validate import big_config

    text = big_config(2000)
    path = tmp_path / "cockpit.yaml"
    path.write_text(text)
    config = load_config(path)
    assert len(config.services) == 2000 and config.services[1999].name == "ad-ctr-0999"

    last = "  - name: ad-ctr-0999\n"
    broken = text.replace(last, last + "    owner: twice\n")
    tail = broken.index(last)
    broken = broken[:tail] + (
        broken[tail:]
        .replace('good: "ctr >= 0.15", objective: 0.95', 'good: "ctr >= 0.15", objective: 95', 1)
        .replace("monitor: latency, objective", "monitor: latncy, objective", 1)
    )
    path.write_text(broken)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    service = "services[1999]"
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:{_line_after(broken, last, 'owner: twice')}: {service}.owner: duplicate key: "
        "it appears more than once in this mapping (YAML keeps only the last)",
        f"{path}:{_line_after(broken, last, 'objective: 95')}: {service}.slos[1].objective: "
        "must be between 0 and 1, got 95 (write 0.95)",
        f"{path}:{_line_after(broken, last, 'monitor: latncy')}: {service}.slos[2].monitor: "
        "no monitor named 'latncy' in service 'ad-ctr-0999' "
        "(known: canary, ctr, input-quality, latency, prediction-drift)",
    ]


def test_the_config_is_parsed_by_libyaml_when_pyyaml_has_it() -> None:
    import yaml

    from cockpit.config import loader as config

    if not yaml.__with_libyaml__:
        pytest.skip("this PyYAML was built without libyaml")
    assert config._Loader.__mro__[1] is yaml.CSafeLoader


BOOLEANS = textwrap.dedent(
    """\
    on: {yes: no, off: ON, y: n}
    flags: [true, False, TRUE, yes, No]
    """
)


@pytest.mark.parametrize(
    "text",
    [GOOD, GOOD.replace("    owner: risk-ml\n", "    owner: risk-ml\n    owner: x\n"), BOOLEANS],
    ids=["the known-good config", "a config with a duplicate key", "YAML 1.1 booleans"],
)
def test_libyaml_and_the_python_parser_read_the_same_data_lines_and_duplicates(text: str) -> None:
    import yaml

    from cockpit.config.yamlmap import load_with_lines, yaml12_booleans

    if not yaml.__with_libyaml__:
        pytest.skip("this PyYAML was built without libyaml")
    fast = load_with_lines(text, yaml12_booleans(yaml.CSafeLoader))
    slow = load_with_lines(text, yaml12_booleans(yaml.SafeLoader))
    assert fast == slow
    if text is BOOLEANS:
        assert fast[0] == {
            "on": {"yes": "no", "off": "ON", "y": "n"},
            "flags": [True, False, True, "yes", "No"],
        }


def test_without_libyaml_the_python_parser_reads_the_config() -> None:
    """PyYAML without its C extension (``yaml._yaml`` missing) still loads the config."""
    script = textwrap.dedent(
        """\
        import sys
        sys.modules["yaml._yaml"] = None  # as if PyYAML had been built without libyaml
        import yaml
        from cockpit.config import loader as config
        assert not yaml.__with_libyaml__ and config._Loader.__mro__[1] is yaml.SafeLoader
        loaded = config.load_config(sys.argv[1])
        print(loaded.services[0].actions[0].on.slo)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(ROOT / "sample_data" / "cockpit.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout) == (0, "no-drift\n"), done.stderr


def test_a_key_that_is_a_list_is_a_yaml_problem_not_a_crash() -> None:
    assert problems("version: cockpit/v1\n? [a, b]\n: 1\n") == [
        "cockpit.yaml:2: YAML syntax error: found unhashable key"
    ]


@pytest.mark.parametrize(
    ("text", "enabled_before"),
    [(GOOD, True), ("version: [cockpit/v1\n", True), (GOOD, False)],
    ids=[
        "after a config is read, garbage collection is back on",
        "after a YAML syntax error too",
        "a caller that had turned it off finds it off",
    ],
)
def test_reading_a_config_leaves_garbage_collection_as_it_was(
    text: str, enabled_before: bool
) -> None:
    import gc

    from cockpit.config.yamlmap import load_with_lines

    if not enabled_before:
        gc.disable()
    try:
        with contextlib.suppress(Exception):
            load_with_lines(text)
        assert gc.isenabled() is enabled_before
    finally:
        gc.enable()


STRING = "Input should be a valid string"
NOT_A_STRING = [
    ("a service's name", "  - name: loan", "  - name: [loan]", 4, "services[0].name", STRING),
    ("a monitor's name", "- {name: quality, kind", "- {name: [quality], kind", 15, "services[0].monitors[0].name", STRING),
    ("an SLO's name", "- {name: valid, monitor", "- {name: {a: 1}, monitor", 19, "services[0].slos[0].name", STRING),
    ("an SLO's monitor", "monitor: quality, objective", "monitor: [quality], objective", 19, "services[0].slos[0].monitor", STRING),
    ("an action's SLO", "slo: no-drift, severity", "slo: [no-drift], severity", 22, "services[0].actions[0].on.slo", STRING),
    ("an action's webhook", "webhook: ci}", "webhook: [ci]}", 22, "services[0].actions[0].webhook", STRING),
    ("a monitor's kind", "drift, kind: drift,", "drift, kind: [drift],", 16, "services[0].monitors[1]", "unknown kind ['drift']"),
    ("a checked column", "data_quality, every: 5m}", "data_quality, every: 5m, columns: [[plan]]}", 15, "services[0].monitors[0].columns[0]", STRING),
]  # fmt: skip


@pytest.mark.parametrize(
    ("before", "after", "line", "path", "says"),
    [case[1:] for case in NOT_A_STRING],
    ids=[f"a list or mapping as {case[0]} is reported at its key" for case in NOT_A_STRING],
)
def test_a_name_kind_or_column_that_is_not_a_string_is_a_problem_not_a_crash(
    before: str, after: str, line: int, path: str, says: str
) -> None:
    assert before in GOOD, before
    found = problems(GOOD.replace(before, after, 1))
    assert any(p.startswith(f"cockpit.yaml:{line}: {path}: {says}") for p in found), found
