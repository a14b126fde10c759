"""Load YAML and remember the line of every key, so errors can point at it.

``load_with_lines(text)`` returns the plain Python data (as ``yaml.safe_load`` would) and a
``LineMap`` that answers "on which line is ``services[0].slos[1].objective``?".
Duplicate keys, which PyYAML silently merges, are reported as problems.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

PathPart = str | int
Path = tuple[PathPart, ...]


@dataclass
class LineMap:
    """Line numbers (1-based) of each mapping key and sequence item, by path."""

    lines: dict[Path, int] = field(default_factory=dict)
    duplicates: list[tuple[Path, int]] = field(default_factory=list)

    def line_of(self, path: Sequence[PathPart]) -> int:
        """The line of ``path``, or of its nearest ancestor that exists in the file."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def format_path(path: Sequence[PathPart]) -> str:
    """``("services", 0, "slos", 1, "objective")`` -> ``services[0].slos[1].objective``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def load_with_lines(
    text: str, loader: type[yaml.SafeLoader] = yaml.SafeLoader
) -> tuple[Any, LineMap]:
    """Parse ``text``; raises ``yaml.YAMLError`` (with its mark) on a syntax error."""
    node = yaml.compose(text, Loader=loader)
    line_map = LineMap()
    if node is None:
        return None, line_map
    line_map.lines[()] = node.start_mark.line + 1
    _walk(node, (), line_map)
    return yaml.load(text, Loader=loader), line_map  # noqa: S506 - a SafeLoader subclass


def _walk(node: yaml.Node, path: Path, line_map: LineMap) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            child = (*path, key)
            if key in seen:
                line_map.duplicates.append((child, key_node.start_mark.line + 1))
            seen.add(key)
            line_map.lines.setdefault(child, key_node.start_mark.line + 1)
            _walk(value_node, child, line_map)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            line_map.lines[child] = item.start_mark.line + 1
            _walk(item, child, line_map)
