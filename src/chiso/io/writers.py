"""Writes plain tables as CSV (UTF-8 with BOM, so Excel shows Vietnamese) or formatted XLSX, and
the cell writing every CSV and XLSX of chiso goes through.

A unit name such as =HYPERLINK("http://x","y") or a file name starting with "+" or "@" must never
run as a formula in the office that opens the export: in CSV such text gets an apostrophe before
it (chiso's readers take it off again), in XLSX every text is a string cell. Numbers stay numbers,
negative ones included, and are written so that they read back one way only.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from chiso.errors import UsageError
from chiso.io.tables import FORMULA_STARTS

FORMATS = ("csv", "xlsx", "json")
_AMBIGUOUS = re.compile(r"-?[1-9]\d{0,2}\.\d{3}")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def neutral(text: str) -> str:
    """Text a spreadsheet would take for a formula, with an apostrophe before it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: Any) -> Any:
    """One CSV cell: formula-like text neutralised, a float written so that it cannot be read
    as thousands (28.121 → 28.1210), nothing for None."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutral(value)
    if isinstance(value, float):
        text = repr(value)
        return text + "0" if _AMBIGUOUS.fullmatch(text) else text
    return value


def csv_cells(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def xlsx_text(value: str) -> str:
    """Characters XML cannot hold dropped; everything else kept as typed."""
    return _ILLEGAL_XML.sub("", value)


def sheet_title(text: str, used: set[str]) -> str:
    """A worksheet name Excel accepts (31 characters, none of []:*?/\\, unique ignoring case)."""
    base = _SHEET_FORBIDDEN.sub("-", xlsx_text(text)).strip("'").strip() or "Trang"
    title, n = base[:31], 1
    while title.lower() in used:
        n += 1
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
    used.add(title.lower())
    return title


def set_cell(ws: Any, row: int, column: int, value: Any) -> Any:
    """An openpyxl cell (1-based) holding `value`; text is always a string cell."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = xlsx_text(value)
        cell.data_type = "s"
    elif isinstance(value, float) and not math.isfinite(value):
        cell.value = repr(value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def append_row(ws: Any, values: Sequence[Any]) -> int:
    """openpyxl's `append` with text as string cells; returns the row number written."""
    row = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    for column, value in enumerate(values, start=1):
        set_cell(ws, row, column, value)
    return int(row)


def write_cell(ws: Any, row: int, column: int, value: Any, fmt: Any = None) -> None:
    """An xlsxwriter cell (0-based) holding `value`; text through write_string, never write()."""
    if value is None or value == "":
        ws.write_blank(row, column, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, column, value, fmt)
    elif isinstance(value, int | float) and math.isfinite(value):
        ws.write_number(row, column, value, fmt)
    else:
        ws.write_string(row, column, xlsx_text(str(value)), fmt)


def write_cells(ws: Any, row: int, column: int, values: Sequence[Any], fmt: Any = None) -> None:
    for offset, value in enumerate(values):
        write_cell(ws, row, column + offset, value, fmt)


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
            writer.writerow(csv_cells(header))
            writer.writerows(csv_cells(r) for r in materialised)
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
    ws.title = sheet_title(sheet, set())
    for column, name in enumerate(header, start=1):
        cell = set_cell(ws, 1, column, name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for r, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            set_cell(ws, r, column, value)
    ws.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        width = max([len(str(name))] + [len(str(r[index - 1] or "")) for r in rows[:500]])
        ws.column_dimensions[get_column_letter(index)].width = min(60, width + 2)
    workbook.save(path)
