"""The usual provincial departments after the 2025 reorganisation, as a units file to edit."""

from __future__ import annotations

import csv
import tempfile
from importlib.resources import files
from pathlib import Path

from chiso.domain.units import UnitKind
from chiso.io.writers import write_table
from chiso.services.runtime import Runtime
from chiso.services.units.importer import UnitImportReport, import_units
from chiso.services.units.resolver import look_up_unit

HEADER = ("code", "name", "kind", "parent_code", "groups", "short_name")


def department_rows(province_key: str, province_code: str) -> list[list[str]]:
    text = files("chiso.data").joinpath("departments-2025.csv").read_text(encoding="utf-8")
    kind = UnitKind.DEPARTMENT.value
    return [
        [
            f"{province_code}.{r['suffix']}",
            r["name"],
            kind,
            province_key,
            r["groups"],
            r["short_name"],
        ]
        for r in csv.DictReader(text.splitlines())
    ]


def load_departments(
    rt: Runtime, province: str, out: Path | None = None, dry_run: bool = False
) -> UnitImportReport | int:
    """Writes the list for editing when `out` is given; otherwise imports it as it is."""
    unit = look_up_unit(rt, province)
    rows = department_rows(unit.key, unit.code or unit.key)
    if out is not None:
        return write_table(out, HEADER, rows, sheet="Sở, ban, ngành")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "departments-2025.csv"
        write_table(path, HEADER, rows)
        return import_units(rt, path, dry_run=dry_run)
