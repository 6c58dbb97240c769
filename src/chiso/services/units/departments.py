"""The usual provincial departments after the 2025 reorganisation, as a units file to edit."""

from __future__ import annotations

import csv
import tempfile
from importlib.resources import files
from pathlib import Path

from chiso.domain.units import UnitKind
from chiso.io.writers import write_table
from chiso.services.runtime import Runtime
from chiso.services.units.catalogue import resolve
from chiso.services.units.importer import ImportReport, import_units

HEADER = ("code", "name", "kind", "parent_code", "groups", "short_name")


def department_rows(province_key: str, province_code: str) -> list[list[str]]:
    text = files("chiso.data").joinpath("departments-2025.csv").read_text(encoding="utf-8")
    return [
        [f"{province_code}.{r['suffix']}", r["name"], UnitKind.DEPARTMENT.value, province_key,
         r["groups"], r["short_name"]]
        for r in csv.DictReader(text.splitlines())
    ]  # fmt: skip


def load_departments(
    rt: Runtime, province: str, out: Path | None = None, dry_run: bool = False
) -> ImportReport | int:
    """Writes the list for editing when `out` is given; otherwise imports it as it is."""
    with rt.db.transaction() as session:
        unit = resolve(session, province)
        key, code = unit.key, unit.code or unit.key
    rows = department_rows(key, code)
    if out is not None:
        return write_table(out, HEADER, rows, sheet="Sở, ban, ngành")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "departments-2025.csv"
        write_table(path, HEADER, rows)
        return import_units(rt, path, dry_run=dry_run)
