"""Writes plain tables as CSV (UTF-8 with BOM, so Excel shows Vietnamese) or formatted XLSX."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from chiso.errors import UsageError

FORMATS = ("csv", "xlsx", "json")


def format_of(path: Path, explicit: str | None = None) -> str:
    fmt = (explicit or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise UsageError(
            f"Không hỗ trợ định dạng '{fmt}'.",
            f"unsupported format {fmt!r}",
            hint_vi="dùng đuôi .csv, .xlsx hoặc .json.",
        )
    return fmt


def write_table(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str = "Data"
) -> int:
    fmt = format_of(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    materialised = [list(r) for r in rows]
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(materialised)
    elif fmt == "json":
        records = [dict(zip(header, r, strict=True)) for r in materialised]
        path.write_text(json.dumps(records, ensure_ascii=False, indent=1, default=str), "utf-8")
    else:
        _write_xlsx(path, header, materialised, sheet)
    return len(materialised)


def _write_xlsx(path: Path, header: Sequence[str], rows: list[list[Any]], sheet: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = sheet
    ws.append(list(header))
    for row in rows:
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    ws.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        width = max([len(str(name))] + [len(str(r[index - 1] or "")) for r in rows[:500]])
        ws.column_dimensions[get_column_letter(index)].width = min(60, width + 2)
    workbook.save(path)
