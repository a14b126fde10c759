"""Dependencies point inward: the pure packages import no store, UI, network or clock helpers."""

from __future__ import annotations

import ast
import re
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
    """Every first-party module ``path`` imports, at the top, inside a function or under
    ``if TYPE_CHECKING`` (a lazy or a type-only import is an edge too: it only hides a cycle)."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
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


# --- who may import what, above the pure packages --------------------------------------------


def cockpit_names(path: Path) -> set[str]:
    """What ``path`` takes from the cockpit, at the top or inside a function: ``cockpit.x`` for
    ``import cockpit.x``, ``cockpit.x.name`` for ``from cockpit.x import name``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {name for name in found if name.split(".")[0] == "cockpit"}


# What the Streamlit app may take from the cockpit: the read models by page, the operator's
# writes, who the operator is, the errors it shows plainly, the config it opens, and the Store
# class to open (nothing else of the store: no tables, no SQL).
APP_MAY_USE = (
    "cockpit.read",
    "cockpit.ops",
    "cockpit.auth",
    "cockpit.errors",
    "cockpit.config.loader",
    "cockpit.config.models",
    "cockpit.timefmt",
)
APP_MAY_NAME = {"cockpit.store.Store"}
NOT_YET: dict[str, set[str]] = {}  # exceptions while a page moves to the read models


def app_allows(name: str) -> bool:
    return name in APP_MAY_NAME or any(
        name == allowed or name.startswith(allowed + ".") for allowed in APP_MAY_USE
    )


def not_yet(path: str, name: str) -> bool:
    return any(name == n or name.startswith(n + ".") for n in NOT_YET.get(path, ()))


APP_FILES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "app").rglob("*.py"))


@pytest.mark.parametrize("path", APP_FILES)
def test_the_app_reads_only_the_read_models_and_writes_only_through_ops(path: str) -> None:
    bad = sorted(
        name
        for name in cockpit_names(ROOT / path)
        if not app_allows(name) and not not_yet(path, name)
    )
    assert bad == []


def test_what_is_not_yet_allowed_is_still_there() -> None:
    """An exception of NOT_YET its page no longer takes must leave the list too."""
    gone = sorted(
        f"{path}: {name}"
        for path, names in NOT_YET.items()
        for name in names
        if not any(m == name or m.startswith(name + ".") for m in cockpit_names(ROOT / path))
    )
    assert gone == [], "delete these from NOT_YET: the page no longer takes them"


SQL = re.compile(r"(?<!cockpit)\.engine\b|__table__")  # a store's engine, not cockpit.engine


@pytest.mark.parametrize("folder", ["app", "cockpit/read"])
def test_no_sql_outside_the_store(folder: str) -> None:
    """The pages and their read models ask the store; SQLAlchemy, the engine and the tables
    stay inside cockpit/store."""
    bad = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / folder).rglob("*.py")
        if imports(path) & {"sqlalchemy", "sqlmodel"} or SQL.search(path.read_text())
    )
    assert bad == []


# A kind is read by the config, the runner and the pages: it imports none of them, nor the
# store (it reads through the RunContext and the PanelReader it is handed).
KINDS_MAY_USE = ("cockpit.kinds", "cockpit.config.base", "cockpit.config.models", "cockpit.errors")


def test_a_kind_imports_only_the_config_base_the_errors_and_the_pure_packages() -> None:
    bad = sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "cockpit" / "kinds").rglob("*.py")
        for name in cockpit_names(path)
        if not any(name == m or name.startswith(m + ".") for m in KINDS_MAY_USE)
    )
    bad += sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "cockpit" / "kinds").rglob("*.py")
        for name in imports(path) & {"app", "streamlit", "sqlalchemy", "sqlmodel", "alerting"}
    )
    assert bad == []
