"""Reading a config file: YAML with the line of every key, validated by the models, checked
for meaning; every problem reported together as ``FILE:LINE: PATH: message``.

Three passes:

1. YAML syntax (its own line), duplicate keys;
2. structure and types (pydantic, ``extra="forbid"``), mapped back to the line of the key;
3. meaning (:mod:`cockpit.config.checks`): cross-references, duplicate names, secrets written
   literally, SLO conditions, what each monitor kind needs of its service, outgoing hosts.
"""

from __future__ import annotations

import difflib
import functools
import os
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from cockpit.config.base import VERSION, redact
from cockpit.config.checks import problems_of
from cockpit.config.models import Config
from cockpit.config.yamlmap import format_path, load_with_lines, yaml12_booleans
from cockpit.errors import ConfigError, Problem
from cockpit.kinds import registry

# YAML 1.2 booleans, so that `on:` (an action's trigger) stays a string key.
_Loader = yaml12_booleans()


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

    for where, message in problems_of(data):
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
    """Every key a config may hold: the fields of every model reachable from :class:`Config`
    (every registered monitor kind's included)."""
    names: set[str] = set()
    pending: list[Any] = [Config]
    seen: set[Any] = set()
    while pending:
        node = pending.pop()
        if isinstance(node, type) and issubclass(node, BaseModel):
            if node in seen:
                continue
            seen.add(node)
            for name, info in node.model_fields.items():
                names.add(info.alias or name)
                pending.append(info.annotation)
        else:
            pending.extend(get_args(node))
    names.discard("source_file")
    return names


@functools.lru_cache(maxsize=1024)
def _closest_key(key: str) -> str | None:
    """The known key ``key`` is most likely a typo of (once per spelling: a generated config
    repeats its typos in every service)."""
    close = difflib.get_close_matches(key, _known_keys(), n=1, cutoff=0.6)
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
        return f"must be one of {expected}, got {redact(value)!r}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        expected = error.get("ctx", {}).get("expected_tags", "")
        if isinstance(value, dict) and "kind" in value:
            return f"unknown kind {value['kind']!r} (expected one of {expected})"
        return f"missing required key 'kind' (one of {expected})"
    message = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if kind not in ("value_error",) and not isinstance(value, dict | list):
        message = f"{message[0].lower()}{message[1:]}, got {redact(value)!r}"
    return message


@functools.cache
def _known_keys_of(_kinds: tuple[str, ...]) -> list[str]:
    return sorted(_all_field_names())


def _known_keys() -> list[str]:
    return _known_keys_of(tuple(k.name for k in registry.KINDS.all()))
