"""What `chiso facts compute` loads: only what computing, storing and printing the values need.
A whole process of that command is within a few tenths of a second of the bare DuckDB query, so
a library it imports without using (the web, documents, Ibis, pandas, Rich, Babel) is a cost the
benchmark sees."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from chiso.services.generate import GenerateRequest, generate
from chiso.services.runtime import Runtime

HEAVY = ("rich", "babel", "ibis", "sqlglot", "pandas", "pyarrow", "numpy", "openpyxl", "jinja2",
         "fastapi", "starlette", "alembic", "argon2", "docx", "matplotlib", "pyspark")  # fmt: skip
"""Top-level packages `chiso facts compute` must not import on DuckDB (once its measures' SQL is
compiled) when it prints to a pipe."""
NOT_LOADED = ("chiso.store.models",)
"""Modules it must not import either: the ORM classes (building them and configuring their
mappers is a tenth of the command's fixed cost); the store reads and writes the Core tables."""

PROBE = """
import sys
from chiso.cli.main import run
code = run(sys.argv[1:])
loaded = sorted({name.split(".")[0] for name in sys.modules} | set(sys.modules))
print("LOADED", code, " ".join(loaded))
"""


def _compute(data: Path, url: str) -> tuple[int, set[str], str]:
    env = {**os.environ, "CHISO_DATA_DIR": str(data), "CHISO_DATABASE_URL": url}
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        env.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", PROBE, "facts", "compute", "--period", "2025-07"],
        env=env, capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    line = next(x for x in out.stdout.splitlines() if x.startswith("LOADED "))
    _, code, modules = line.split(" ", 2)
    return int(code), set(modules.split()), out.stdout


def test_facts_compute_imports_no_heavy_module(province_rt: Runtime, province_db: str) -> None:
    generate(province_rt, GenerateRequest(months=2, end="2025-07", documents=3_000, values=False))
    data = province_rt.settings.data_dir
    first_code, _, first = _compute(data, province_db)  # compiles the measures' SQL once
    code, loaded, out = _compute(data, province_db)
    assert (first_code, code) == (0, 0)
    assert "thêm" in first and "giữ nguyên" in out
    assert {"duckdb", "sqlalchemy", "chiso"} <= loaded  # the probe sees what the command used
    assert sorted(loaded & set(HEAVY)) == []
    assert sorted(loaded & set(NOT_LOADED)) == []


IMPORT_HEAVY = (*HEAVY, "duckdb", "xlsxwriter")
"""Top-level packages `chiso data import` of a filled template must not import: it reads the
workbook (python-calamine), the framework and the units, and writes through SQLAlchemy."""


def _import(data: Path, url: str, workbook: Path) -> tuple[int, set[str], str]:
    env = {**os.environ, "CHISO_DATA_DIR": str(data), "CHISO_DATABASE_URL": url}
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        env.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", PROBE, "data", "import", str(workbook)],
        env=env, capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    line = next(x for x in out.stdout.splitlines() if x.startswith("LOADED "))
    _, code, modules = line.split(" ", 2)
    return int(code), set(modules.split()), out.stdout


def test_data_import_imports_no_heavy_module(cli, province_db: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    template = tmp_path / "mau.xlsx"
    code, _, err = cli(
        province_db, "data", "template", "--framework", "platform-usage", "--period", "2023-07",
        "--parent", "Huyện Hớn Quản", "--out", str(template),
    )  # fmt: skip
    assert code == 0, err
    wb = load_workbook(template)
    ws = wb["Số liệu"]
    ws["C3"], ws["D3"], ws["G3"] = 3, 120, 2
    filled = tmp_path / "da-dien.xlsx"
    wb.save(filled)
    first_code, first_loaded, first = _import(tmp_path / "data", province_db, filled)
    code, loaded, out = _import(tmp_path / "data", province_db, filled)
    assert (first_code, code) == (0, 0)
    assert "thêm 2" in first and "giữ nguyên 2" in out
    assert {"python_calamine", "sqlalchemy", "chiso"} <= loaded  # the probe sees the command
    assert sorted((first_loaded | loaded) & set(IMPORT_HEAVY)) == []
