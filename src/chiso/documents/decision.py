"""The decision announcing a ranking: decision-style text, then the ranking table of each group
(total and main indices as the ranking table publishes them, ties sharing a rank, "thiếu số liệu"
beside a unit with missing inputs), plus an XLSX of the same table."""

from __future__ import annotations

from pathlib import Path

from chiso.documents import wording
from chiso.documents.layout import (
    HEADING,
    INDEX_FORMAT,
    POINTS_FORMAT,
    XLSX_FONT,
    OfficialDocument,
    print_setup,
)
from chiso.documents.letter import Draft, finish
from chiso.domain.formatting import fixed, number
from chiso.domain.ranking_table import Cell, RankingRow, RankingTable
from chiso.io.writers import sheet_title, write_cell, write_cells


def compose(table: RankingTable, draft: Draft) -> OfficialDocument:
    d = draft
    d.values |= {"framework_name": table.framework.name}
    doc = OfficialDocument(font_dir=d.font_dir)
    doc.header(d.voice.header("decision", "", d.spec.number))
    doc.title(d.say("title"), d.spec.subject or d.say("subject"))
    doc.title(d.spec.chair_title or d.say("issuer"))
    for basis in d.lines(d.spec.bases, "bases"):
        doc.paragraph(basis if basis.startswith("*") else f"*{basis}*")
    doc.title(d.say("decides"))
    articles = wording.lines(list(d.text.get("articles") or []), **d.values)
    for article in articles[:-1]:
        doc.paragraph(article)
    finish(doc, d, articles[-1] if articles else "")
    doc.landscape_section()
    doc.title(d.say("appendix_title"), d.say("appendix_subject"))
    doc.caption(d.voice.caption("decision"))
    columns = table.columns
    digits = table.framework.precision
    for group, name in table.groups:
        doc.heading(f"**{name}**")
        why = table.unranked_note(group)
        if why:
            doc.paragraph(f"*{why}*")
        header = ["Hạng", "Cơ quan, đơn vị", "Điểm", "Chỉ số", *[n.name for n in columns]]
        rows = [
            [
                _rank(r),
                _name(r),
                "—" if r.total.points is None else number(r.total.points),
                _index(r.total, digits),
                *[_index(r.cells[n.code], digits) for n in columns],
            ]
            for r in table.in_group(group)
        ]
        widths = [14, 60, 20, 20] + [max(16, 128 / max(1, len(columns)))] * len(columns)
        doc.table(header, rows, widths, size=10)
    return doc


def _rank(r: RankingRow) -> str:
    if r.total.rank is None:
        return "Không xếp hạng"
    return f"{r.total.rank}{' (đồng hạng)' if r.total.tied else ''}"


def _name(r: RankingRow) -> str:
    """The unit as a document names it, with "thiếu số liệu" beside it when inputs are missing."""
    return f"{r.letter_name} ({r.missing_note})" if r.missing else r.letter_name


def _index(cell: Cell, digits: int) -> str:
    return "—" if cell.index is None else fixed(cell.index, digits)


def write_xlsx(path: Path, table: RankingTable) -> Path:
    """The decision's tables as a workbook, one sheet per group: the table's rounded figures."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    head = wb.add_format(HEADING | XLSX_FONT)
    cell = wb.add_format(XLSX_FONT | {"border": 1})
    index = wb.add_format(XLSX_FONT | {"border": 1, "num_format": INDEX_FORMAT})
    points = wb.add_format(XLSX_FONT | {"border": 1, "num_format": POINTS_FORMAT})
    columns = table.columns
    titles: set[str] = set()
    for group, name in table.groups:
        ws = wb.add_worksheet(sheet_title(name, titles))
        header = [
            "Hạng",
            "Cơ quan, đơn vị",
            "Điểm",
            "Điểm tối đa",
            "Chỉ số",
            *[n.name for n in columns],
            "Mã đơn vị",
            "Thiếu số liệu",
        ]
        write_cells(ws, 0, 0, header, head)
        for r_index, r in enumerate(table.in_group(group), start=1):
            total = r.total
            write_cell(
                ws, r_index, 0, total.rank if total.rank is not None else "Không xếp hạng", cell
            )
            write_cell(ws, r_index, 1, r.letter_name, cell)
            write_cell(ws, r_index, 2, _blank(total.points), points)
            write_cell(ws, r_index, 3, total.max_points, points)
            write_cell(ws, r_index, 4, _blank(total.index), index)
            for c, n in enumerate(columns, start=5):
                write_cell(ws, r_index, c, _blank(r.cells[n.code].index), index)
            write_cell(ws, r_index, 5 + len(columns), r.unit_code, cell)
            write_cell(ws, r_index, 6 + len(columns), r.missing_note, cell)
        ws.freeze_panes(1, 2)
        ws.set_column(1, 1, 45)
        ws.set_column(2, len(header) - 1, 13)
        print_setup(ws, landscape=True, title_rows=(0, 0))
    wb.close()
    return path


def _blank(x: float | None) -> float | str:
    return "" if x is None else x
