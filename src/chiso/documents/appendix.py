"""The appendix (phụ lục): every unit with numerator, denominator, rate, target met, rank; grouped.
DOCX (landscape when wide) and a formatted XLSX."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chiso.documents.layout import (
    COUNT_FORMAT,
    HEADING,
    RATE_FORMAT,
    XLSX_FONT,
    OfficialDocument,
    print_setup,
)
from chiso.domain.findings import Indicator, UnitFigure, by_group
from chiso.domain.formatting import number, percent_as_written
from chiso.domain.frameworks import InputKind
from chiso.domain.periods import Period
from chiso.domain.ranking import competition_ranks
from chiso.io.writers import write_cell, write_cells


@dataclass(frozen=True)
class AppendixRow:
    group: str
    number: int
    name: str
    numerator: float | None
    denominator: float | None
    value: float | None
    met: bool | None
    rank: int | None


UNRANKED_KINDS = frozenset({InputKind.YES_NO, InputKind.CATEGORY})
"""Inputs whose values are answers, not amounts: "Có" is not first and "Không" second."""


def ranked(indicator: Indicator) -> bool:
    """Whether the appendix ranks units on the indicator (and has a rank column)."""
    return indicator.kind not in UNRANKED_KINDS


def value_text(indicator: Indicator, value: float) -> str | None:
    """How a yes/no value is written ("Có", "Không"); None for values written as numbers."""
    if indicator.kind is InputKind.YES_NO:
        return "Có" if value >= 0.5 else "Không"
    return None


def rows(indicator: Indicator, units: Sequence[UnitFigure]) -> list[AppendixRow]:
    """Units in their groups (already ordered), ranked by value inside each group when the
    values are amounts."""
    out = []
    for group, members in by_group(units):
        ranks = (
            competition_ranks({u.key: u.value or 0.0 for u in members if u.value is not None}, 4)
            if ranked(indicator)
            else {}
        )
        for i, u in enumerate(members, start=1):
            met = (
                None
                if indicator.target is None or u.value is None
                else u.value >= indicator.target - 1e-12
            )
            out.append(
                AppendixRow(
                    group, i, u.name, u.numerator, u.denominator, u.value, met, ranks.get(u.key)
                )
            )
    return out


def with_parts(indicator: Indicator, units: Sequence[UnitFigure]) -> bool:
    """Numerator and denominator columns only when some unit has them: a rate typed as a rate
    would leave two empty columns a clerk deletes by hand."""
    return indicator.kind is InputKind.RATE and any(u.denominator is not None for u in units)


def header(indicator: Indicator, parts: bool) -> list[str]:
    target = (
        f"Đạt chỉ tiêu ({percent_as_written(indicator.target)})"
        if indicator.target is not None and indicator.kind is InputKind.RATE
        else "Đạt chỉ tiêu"
    )
    value = "Tỷ lệ" if indicator.kind is InputKind.RATE else "Giá trị"
    given = ["Tử số", "Mẫu số"] if parts else []
    rank = ["Xếp hạng trong nhóm"] if ranked(indicator) else []
    return ["STT", "Cơ quan, đơn vị", *given, value, target, *rank]


def cells(indicator: Indicator, row: AppendixRow, parts: bool, decimals: int = 2) -> list[str]:
    met = "" if row.met is None else ("Đạt" if row.met else "Chưa đạt")
    rank = ([str(row.rank) if row.rank is not None else ""]) if ranked(indicator) else []
    if row.value is None:
        value = "—"
    elif indicator.kind is InputKind.RATE:
        value = percent_as_written(row.value, decimals)
    else:
        value = value_text(indicator, row.value) or number(row.value)
    if parts:
        numerator = number(row.numerator) if row.numerator is not None else ""
        denominator = number(row.denominator) if row.denominator is not None else ""
        return [str(row.number), row.name, numerator, denominator, value, met, *rank]
    return [str(row.number), row.name, value, met, *rank]


def add_to(
    doc: OfficialDocument,
    indicator: Indicator,
    units: Sequence[UnitFigure],
    period: Period,
    caption: str,
    decimals: int = 2,
    note: str = "",
) -> None:
    """`note`: how the figures were obtained (rolled up from months…), under the table."""
    doc.title("PHỤ LỤC", f"{indicator.name} {period.label_vi}".upper())
    if caption:
        doc.caption(caption)
    parts = with_parts(indicator, units)
    columns = header(indicator, parts)
    table_rows: list[list[str]] = []
    group_rows: list[int] = []
    current = None
    for row in rows(indicator, units):
        if row.group != current:
            group_rows.append(len(table_rows))
            table_rows.append([row.group] + [""] * (len(columns) - 1))
            current = row.group
        table_rows.append(cells(indicator, row, parts, decimals))
    if parts:
        widths: tuple[int, ...] = (12, 95, 28, 28, 25, 32, 27)
    elif ranked(indicator):  # portrait: 165 mm between the margins
        widths = (12, 75, 25, 28, 25)
    else:
        widths = (12, 98, 25, 30)
    doc.table(columns, table_rows, widths, size=11, group_rows=group_rows)
    if note:
        doc.paragraph(f"Ghi chú: {note}", indent=False, size=12)


def write_xlsx(
    path: Path,
    indicator: Indicator,
    units: Sequence[UnitFigure],
    period: Period,
    note: str = "",
) -> Path:
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Phụ lục")
    bold = wb.add_format(XLSX_FONT | {"bold": True})
    head = wb.add_format(HEADING | XLSX_FONT)
    text = wb.add_format(XLSX_FONT | {"border": 1})
    count = wb.add_format(XLSX_FONT | {"border": 1, "num_format": COUNT_FORMAT})
    rate = wb.add_format(XLSX_FONT | {"border": 1, "num_format": RATE_FORMAT})
    group = wb.add_format(XLSX_FONT | {"bold": True, "border": 1, "bg_color": "#F2F2F2"})
    write_cell(ws, 0, 0, f"PHỤ LỤC: {indicator.name} {period.label_vi}".upper(), bold)
    parts = with_parts(indicator, units)
    columns = header(indicator, parts)
    write_cells(ws, 2, 0, columns, head)
    r = 3
    current = None
    for row in rows(indicator, units):
        if row.group != current:
            ws.merge_range(r, 0, r, len(columns) - 1, "", group)
            write_cell(ws, r, 0, row.group, group)
            current, r = row.group, r + 1
        values: list[object] = [row.number, row.name]
        formats = [text, text]
        if parts:
            values += [row.numerator, row.denominator]
            formats += [count, count]
        written = None if row.value is None else value_text(indicator, row.value)
        values.append(row.value if written is None else written)
        formats.append(
            text if written is not None else rate if indicator.kind is InputKind.RATE else count
        )
        values.append("" if row.met is None else ("Đạt" if row.met else "Chưa đạt"))
        formats.append(text)
        if ranked(indicator):
            values.append(row.rank)
            formats.append(text)
        for c, (value, fmt) in enumerate(zip(values, formats, strict=True)):
            write_cell(ws, r, c, value, fmt)
        r += 1
    if note:
        write_cell(ws, r + 1, 0, f"Ghi chú: {note}", wb.add_format(XLSX_FONT))
    ws.freeze_panes(3, 2)
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, 48)
    ws.set_column(2, len(columns) - 1, 14)
    ws.autofilter(2, 0, r - 1, len(columns) - 1)
    print_setup(ws, landscape=parts, title_rows=(2, 2))
    wb.close()
    return path
