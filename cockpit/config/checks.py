"""What a config means, checked on the raw YAML data (so every problem is reported at once,
also where the models would refuse to build): cross-references (an SLO's monitor, an action's
SLO and webhook), duplicate names, what each monitor kind needs of its service, SLO conditions
naming SLIs the monitor has, secrets written literally instead of named by environment
variable, and outgoing hosts outside ``allowed_hosts``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from alerting.hosts import DEFAULT_ALLOWED_HOSTS, host_is_allowed
from alerting.sinks import registry as sink_registry
from alerting.sinks import webhook
from cockpit.config.base import _duration
from cockpit.config.models import MONTH
from cockpit.config.yamlmap import format_path
from cockpit.durations import format_duration
from cockpit.kinds import registry
from cockpit.kinds.base import Kind
from slo.series import Condition

Where = tuple[Any, ...]
SECRET_KEYS = {
    "token": "token_env",
    "bot_token": "token_env",
    "secret": "secret_env",
    "password": "an environment variable in the URL's place (url_env)",
    "webhook_url": "webhook_url_env",
    "api_key": "an *_env key",
}


def problems_of(data: dict[str, Any]) -> Iterator[tuple[Where, str]]:
    """Every problem of meaning in the config's data, with where it is."""
    yield from _host_problems(data)
    yield from _semantic_problems(data)
    yield from _retention_problems(data)


def _retention_problems(data: dict[str, Any]) -> Iterator[tuple[Where, str]]:
    """``store_retention.runs`` shorter than an SLO's window would delete runs the SLO is still
    computed from."""
    retention = data.get("store_retention")
    if not isinstance(retention, dict) or "runs" not in retention:
        return
    try:
        runs = _duration(retention["runs"])
    except (TypeError, ValueError):
        return  # the structure pass says what a duration looks like
    longest: tuple[timedelta, str] | None = None
    for service in _list(data.get("services")):
        for slo in _list(service.get("slos") if isinstance(service, dict) else None):
            if not isinstance(slo, dict):
                continue
            window = slo.get("window", "28d")
            try:
                length = MONTH if window == "calendar_month" else _duration(window)
            except (TypeError, ValueError):
                continue
            if longest is None or length > longest[0]:
                longest = (length, f"{_name(service)}/{_name(slo)} ({window})")
    if longest is not None and runs < longest[0]:
        yield (
            ("store_retention", "runs"),
            f"keeps runs {format_duration(runs)}, less than the window of SLO {longest[1]}, "
            f"which is computed from them: write at least {format_duration(longest[0])}",
        )


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

        for j, monitor in enumerate(monitors):
            kind = _kind(monitor)
            if kind is not None:
                at = (*here, "monitors", j)
                for below, message in kind.requires(service, monitor):
                    yield (*at, *below), message

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
    kind = _kind(monitor)
    condition = slo.get("good")
    if condition is None:
        if kind is not None and not kind.counts_events:
            yield (
                at,
                f"monitor {monitor.get('name')!r} ({kind.name}) counts no good/total events: add a "
                f'timeslice condition such as `good: "{_example(kind)}"`',
            )
        return
    if kind is None or not isinstance(condition, str):
        return
    try:
        sli = Condition.parse(condition).sli
    except ValueError:
        return  # the structure pass says what a condition looks like
    base = sli.split("[", 1)[0]
    if base not in kind.slis:
        known = ", ".join(sorted(kind.slis))
        yield ((*at, "good"), f"{kind.name} monitors have no SLI {base!r} (known: {known})")


def _kind(monitor: Any) -> Kind | None:
    name = monitor.get("kind") if isinstance(monitor, dict) else None
    try:
        return registry.KINDS.get(name) if isinstance(name, str) else None
    except KeyError:
        return None  # the structure pass names the known kinds


def _example(kind: Kind) -> str:
    return kind.example_condition or f"{min(kind.slis)} >= 0.9"


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
        (("webhooks", name, key), hook.get(key))
        for name, hook in webhooks.items()
        if isinstance(hook, dict)
        for key in webhook.SINK.url_keys
    ]
    notifiers = data.get("notifiers") if isinstance(data.get("notifiers"), dict) else {}
    for sink in sink_registry.notifiers():
        entry = notifiers.get(sink.name)
        if isinstance(entry, dict):
            places += [(("notifiers", sink.name, key), entry.get(key)) for key in sink.url_keys]
    for where, url in places:
        if not isinstance(url, str):
            continue
        host = (urlsplit(url).hostname or "").lower()
        if host and not host_is_allowed(host, allowed):
            yield (
                where,
                f"host {host!r} is not in allowed_hosts; add it there if this is really where calls should go",
            )


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
