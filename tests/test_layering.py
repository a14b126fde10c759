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
