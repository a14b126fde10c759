"""Load YAML and remember the line of every key, so errors can point at it.

``load_with_lines(text)`` returns the plain Python data (as ``yaml.safe_load`` would) and a
``LineMap`` that answers "on which line is ``services[0].slos[1].objective``?".
Duplicate keys, which PyYAML silently merges, are reported as problems.

The text is parsed once, by libyaml when PyYAML was built with it (``yaml.CSafeLoader``: about
ten times faster than the pure-Python parser on a config of thousands of services), else by
``yaml.SafeLoader``; both give the same node tree, so the same data, lines and duplicates.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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


# libyaml's parser with PyYAML's safe constructor and resolver, when PyYAML was built with it.
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def yaml12_booleans(base: type[yaml.SafeLoader] = SAFE_LOADER) -> type[yaml.SafeLoader]:
    """A subclass of ``base`` where only true/false are booleans (YAML 1.2); YAML 1.1, which
    PyYAML follows, also reads on/off/yes/no, so ``on:`` would become the key ``True``."""
    bool_tag = "tag:yaml.org,2002:bool"
    loader = type(f"Yaml12{base.__name__}", (base,), {})
    loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != bool_tag]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver(
        bool_tag, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    return loader


def load_with_lines(text: str, loader: type[yaml.SafeLoader] = SAFE_LOADER) -> tuple[Any, LineMap]:
    """Parse ``text`` once: compose its node tree, read the lines from it, then construct the
    data from the same tree. Raises ``yaml.YAMLError`` (with its mark) on a syntax error."""
    parser = loader(text)
    try:
        with _cyclic_gc_paused():
            node = parser.get_single_node()
            line_map = LineMap()
            if node is None:
                return None, line_map
            line_map.lines[()] = node.start_mark.line + 1
            _walk(node, (), line_map)  # before constructing: that flattens merge keys in the tree
            return parser.construct_document(node), line_map
    finally:
        parser.dispose()


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while the tree is built. A big config is a million nodes,
    marks and values that all stay alive (and hold no cycles): each collection walks every one
    of them again, half of the load time on a config of 2,000 services. Reference counting
    still frees what dies."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _walk(node: yaml.Node, path: Path, line_map: LineMap) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # a list or mapping as a key: the constructor reports it, with its line
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
