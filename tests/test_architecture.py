"""The rules of docs/architecture.md, checked on the real source: which package may import what,
who may talk SQL, and what the web and the command line may touch."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).parent.parent / "src" / "chiso"
ENGINES = ("duckdb", "ibis", "pyspark")
SESSION_CALLS = {
    "execute",
    "scalar",
    "scalars",
    "get",
    "get_one",
    "add",
    "add_all",
    "delete",
    "flush",
    "refresh",
    "expire",
    "expunge",
    "merge",
    "query",
    "commit",
    "rollback",
}
PENDING: dict[str, str] = {}
"""Known breaks of a rule, each with the reason and the owner who will mend it."""


def _modules(package: str = "") -> Iterator[tuple[str, ast.Module]]:
    for path in sorted((SRC / package).rglob("*.py")):
        name = str(path.relative_to(SRC))
        if not name.startswith("store/migrations/"):
            yield name, ast.parse(path.read_text("utf-8"))


def _imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def _top(name: str) -> str:
    return name.partition(".")[0]


def test_domain_imports_only_domain() -> None:
    for module, tree in _modules("domain"):
        outside = {
            n for n in _imports(tree) if n.startswith("chiso") and not n.startswith("chiso.domain")
        }
        assert not outside, f"{module} imports {outside}"


@pytest.mark.parametrize("package", ["cli", "web"])
def test_cli_and_web_go_through_services(package: str) -> None:
    for module, tree in _modules(package):
        forbidden = {n for n in _imports(tree) if n.startswith(("chiso.store", "chiso.facts"))}
        assert not forbidden, f"{module} imports {forbidden}"


@pytest.mark.parametrize("package", ["cli", "web"])
def test_cli_and_web_hold_no_session(package: str) -> None:
    """They reach the database only through services: no `rt.db`, no transaction, no engine."""
    for module, tree in _modules(package):
        touched = {
            n.attr
            for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and n.attr in {"db", "transaction", "engine"}
        }
        assert not touched, f"{module} uses {touched}"


def test_only_store_talks_sql() -> None:
    for module, tree in _modules():
        if module.startswith("store/"):
            continue
        sql = {
            n
            for n in _imports(tree)
            if _top(n) == "sqlalchemy" or n.startswith("chiso.store.models")
        }
        assert not sql, f"{module} imports {sql}"


def test_services_never_call_the_session() -> None:
    """Services hold the session of their unit of work only to hand it to repositories."""
    for module, tree in _modules("services"):
        calls = {
            n.func.attr
            for n in ast.walk(tree)
            if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and isinstance(n.func.value, ast.Name)
            and n.func.value.id == "session"
            and n.func.attr in SESSION_CALLS
        }
        assert not calls, f"{module} calls session.{calls}"


def test_only_facts_talks_to_the_analytics_engine() -> None:
    for module, tree in _modules():
        if module.startswith("facts/") or module in PENDING:
            continue
        engines = {n for n in _imports(tree) if _top(n) in ENGINES}
        assert not engines, f"{module} imports {engines}"


ENGINE_BOUNDARY = ("facts/engine.py", "facts/store.py")


def test_only_the_engine_boundary_imports_duckdb_or_pyspark() -> None:
    """Inside `facts`, connecting and reading belong to `facts.engine` (and the Parquet writer
    to `facts.store`); the rest builds Ibis expressions only."""
    for module, tree in _modules("facts"):
        engines = {n for n in _imports(tree) if _top(n) in ("duckdb", "pyspark")}
        assert not engines or module in ENGINE_BOUNDARY, f"{module} imports {engines}"


def test_pending_exceptions_are_still_needed() -> None:
    """An exception that no longer breaks its rule must be removed from PENDING."""
    for module in PENDING:
        tree = ast.parse((SRC / module).read_text("utf-8"))
        assert {n for n in _imports(tree) if _top(n) in ENGINES}, f"{module} is mended"


def test_stored_values_come_from_the_values_repository() -> None:
    for module, tree in _modules():
        made = any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "StoredValue"
            for n in ast.walk(tree)
        )
        assert not made or module == "store/values_repo.py", f"{module} builds a StoredValue"


def test_store_depends_on_nothing_above_it() -> None:
    above = ("chiso.services", "chiso.web", "chiso.cli", "chiso.documents", "chiso.facts")
    for module, tree in _modules("store"):
        wrong = {n for n in _imports(tree) if n.startswith(above)}
        assert not wrong, f"{module} imports {wrong}"


def test_every_service_module_says_what_it_owns() -> None:
    for module, tree in _modules("services"):
        assert ast.get_docstring(tree), f"{module} has no module docstring"


def test_commands_share_the_invocations_runtime() -> None:
    """A command takes the runtime of its invocation (closed when the call ends), never opens
    its own; the two facts commands are the facts helper's to move."""
    mine = {"cli/facts_cmd.py", "cli/generate_cmd.py"}
    for module, tree in _modules("cli"):
        opens = any(
            isinstance(n, ast.Attribute) and n.attr == "open_runtime" for n in ast.walk(tree)
        )
        assert not opens or module in mine, f"{module} opens a runtime of its own"


OTHERS = {
    "facts helper": (
        "facts/",
        "services/facts.py",
        "services/generate.py",
        "services/pdf_scan.py",
        "cli/facts_cmd.py",
        "cli/generate_cmd.py",
    ),
    "inputs helper": (
        "io/values.py",
        "io/values_file.py",
        "io/template_xlsx.py",
        "io/units_file.py",
        "io/tables.py",
        "io/writers.py",
    ),
    "engine helper": ("io/framework_yaml.py", "io/framework_xlsx.py"),
}
"""Files other engineers are rewriting now; they reformat their own packed lines."""


def test_no_packed_lines() -> None:
    """`# fmt: skip` packs several statements past the formatter."""
    theirs = tuple(p for owned in OTHERS.values() for p in owned)
    for path in SRC.rglob("*.py"):
        name = str(path.relative_to(SRC))
        packed = "fmt: skip" in path.read_text("utf-8")
        assert not packed or name.startswith(theirs), f"{name} packs code past the formatter"
