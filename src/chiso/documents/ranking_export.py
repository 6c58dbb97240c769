"""The ranking page's downloads: the same table, the same columns, as a CSV and an XLSX that open
right in Vietnamese Excel.

The CSV is UTF-8 with a BOM, ";" between cells and decimal commas (0,9941; -1,25), numbers
without thousands separators so that nothing can be read as thousands; text that a spreadsheet
would take for a formula gets an apostrophe. The XLSX has one sheet per ranking group, numbers as
numbers (Excel shows them with the reader's separators), Vietnamese headers, the header row
frozen and repeated on every printed A4-landscape page. Both read the ranking table's rounded
figures and compute nothing."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from chiso.documents.layout import HEADING, XLSX_FONT, print_setup
from chiso.domain.periods import Period
from chiso.domain.ranking_table import RankingRow, RankingTable
from chiso.io.writers import neutral, sheet_title, write_cell, write_cells

UNRANKED = "Không xếp hạng"
TIED = "đồng hạng"
Cell = str | int | float | None


def header(table: RankingTable) -> list[str]:
    """The columns, in Vietnamese; "Hạng", "Chỉ số" and "Mã đơn vị" as in the decision's XLSX."""
    before = f" (so với {_label(table.previous_period)})" if table.previous_period else ""
    return [
        "Nhóm xếp hạng",
        "Hạng",
        "Đồng hạng",
        "Mã đơn vị",
        "Cơ quan, đơn vị",
        "Điểm",
        "Điểm tối đa",
        "Chỉ số",
        f"Thay đổi điểm{before}",
        f"Thay đổi chỉ số{before}",
        "Hạng kỳ trước",
        "Thay đổi hạng (+ là tăng)",
        "Khoảng hạng từ (5%)",
        "Khoảng hạng đến (95%)",
        *[n.name for n in table.columns],
        "Thiếu số liệu",
    ]


def _label(period: str | None) -> str:
    return Period.parse(period).label_vi if period else ""


def record(table: RankingTable, r: RankingRow) -> list[Cell]:
    """One unit's row, typed: ranks as whole numbers, points and indices as the table rounds
    them, None where there is nothing to show."""
    t, band = r.total, r.interval
    return [
        r.group_name,
        t.rank if t.rank is not None else UNRANKED,
        TIED if t.tied else None,
        r.unit_code,
        r.letter_name,
        t.points,
        t.max_points,
        t.index,
        t.points_change,
        t.index_change,
        t.previous_rank,
        t.rank_change,
        band.p05 if band else None,
        band.p95 if band else None,
        *[r.cells[n.code].index for n in table.columns],
        r.missing_note or None,
    ]


def _csv_number(x: float, digits: int) -> str:
    """0.99412 → "0,9941"; 370.5 → "370,5"; 12.0 → "12"; no thousands separator."""
    if not math.isfinite(x):
        return ""
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:.0f}"
    if text in ("-0", ""):
        text = "0"
    return text.replace(".", ",")


def csv_text(table: RankingTable) -> str:
    """The CSV as Vietnamese Excel opens it (BOM, ";", decimal commas)."""
    digits = table.framework.precision
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header(table))
    for r in table.rows:
        cells: list[str] = []
        for value in record(table, r):
            if value is None:
                cells.append("")
            elif isinstance(value, str):
                cells.append(neutral(value))
            elif isinstance(value, int):
                cells.append(str(value))
            else:
                cells.append(_csv_number(value, digits))
        writer.writerow(cells)
    return "\ufeff" + buffer.getvalue()


def write_xlsx(path: Path, table: RankingTable) -> Path:
    """One sheet per group, the CSV's columns, numbers as numbers."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    head = wb.add_format(HEADING | XLSX_FONT)
    text = wb.add_format(XLSX_FONT | {"border": 1})
    whole = wb.add_format(XLSX_FONT | {"border": 1, "num_format": "0"})
    signed = wb.add_format(XLSX_FONT | {"border": 1, "num_format": "+0;-0;0"})
    digits = table.framework.precision
    ix = "0." + "0" * digits if digits else "0"  # 0,9836 as published
    index = wb.add_format(XLSX_FONT | {"border": 1, "num_format": ix})
    index_change = wb.add_format(XLSX_FONT | {"border": 1, "num_format": f"+{ix};-{ix};{ix}"})
    shown = "#,##0.00" + "#" * max(0, digits - 2)  # 98,3569 as published; 100,00 at least
    points = wb.add_format(XLSX_FONT | {"border": 1, "num_format": shown})
    points_change = wb.add_format(XLSX_FONT | {"border": 1, "num_format": f"+{shown};-{shown};0"})
    names = header(table)
    formats = [text, whole, text, text, text, points, points, index, points_change]
    formats += [index_change, whole, signed, whole, whole]
    formats += [index] * len(table.columns) + [text]
    used: set[str] = set()
    for group, name in table.groups:
        ws = wb.add_worksheet(sheet_title(name, used))
        write_cells(ws, 0, 0, names, head)
        for row_index, r in enumerate(table.in_group(group), start=1):
            for column, (value, style) in enumerate(zip(record(table, r), formats, strict=True)):
                write_cell(ws, row_index, column, value, style)
        ws.freeze_panes(1, 5)
        ws.set_column(0, 0, 18)
        ws.set_column(1, 3, 10)
        ws.set_column(4, 4, 42)
        ws.set_column(5, len(names) - 2, 12)
        ws.set_column(len(names) - 1, len(names) - 1, 40)
        ws.set_row(0, 60)
        print_setup(ws, landscape=True, title_rows=(0, 0))
    wb.close()
    return path
