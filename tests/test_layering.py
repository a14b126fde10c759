"""Dependencies point inward: the pure packages import no store, UI, network or clock helpers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "slo": {
        "cockpit",
        "alerting",
        "monitors",
        "streamlit",
        "sqlmodel",
        "sqlalchemy",
        "slack_sdk",
        "httpx",
        "requests",
        "evidently",
        "pandas",
    },
    "monitors": {
        "cockpit",
        "alerting",
        "slo",
        "streamlit",
        "sqlmodel",
        "sqlalchemy",
        "slack_sdk",
        "httpx",
        "requests",
    },
    "alerting": {"cockpit", "streamlit", "sqlmodel", "sqlalchemy"},
}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_pure_packages_import_nothing_from_the_outer_layers(package: str) -> None:
    bad = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in imports(path) & FORBIDDEN[package]
    }
    # Evidently is called from one adapter module only
    if package == "monitors":
        bad |= {
            f"{path.relative_to(ROOT)}: evidently"
            for path in (ROOT / package).rglob("*.py")
            if "evidently" in imports(path) and path.name != "evidently_adapter.py"
        }
    assert not bad


def test_the_pure_packages_never_read_the_clock() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("slo", "monitors")
        for path in (ROOT / package).rglob("*.py")
        if "datetime.now(" in path.read_text() or "time.time(" in path.read_text()
    ]
    assert offenders == []


# --- the first-party import graph ---------------------------------------------------------------

FIRST_PARTY = ("alerting", "app", "cockpit", "monitors", "slo", "sample_data", "demo")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def first_party_modules() -> dict[str, Path]:
    found = {}
    for package in FIRST_PARTY:
        if (ROOT / package).is_dir():
            for path in (ROOT / package).rglob("*.py"):
                if "migrations" not in path.parts:
                    found[module_name(path)] = path
    return found


def imported_modules(path: Path, name: str, known: set[str]) -> set[str]:
    """Every first-party module ``path`` imports, at the top or inside a function (a lazy
    import is an edge too: it only hides a cycle), but not under ``if TYPE_CHECKING``."""
    tree = ast.parse(path.read_text())
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                root = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*root, base] if base else root)
            # `from package import module` names the module; `from module import name`, the module
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def import_graph() -> dict[str, set[str]]:
    modules = first_party_modules()
    known = set(modules)
    return {name: imported_modules(path, name, known) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    import sys

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_among_first_party_modules() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
