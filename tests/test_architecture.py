"""The dependency rule of docs/architecture.md, checked on the real source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parent.parent / "src" / "chiso"


def _imports(package: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in (SRC / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
        out[str(path.relative_to(SRC))] = {n for n in names if n.startswith("chiso")}
    return out


def test_domain_imports_only_domain() -> None:
    for module, names in _imports("domain").items():
        outside = {n for n in names if not n.startswith("chiso.domain")}
        assert not outside, f"{module} imports {outside}"


@pytest.mark.parametrize("package", ["cli", "web"])
def test_cli_and_web_go_through_services(package: str) -> None:
    for module, names in _imports(package).items():
        forbidden = {n for n in names if n.startswith(("chiso.store", "chiso.facts"))}
        assert not forbidden, f"{module} imports {forbidden}"
