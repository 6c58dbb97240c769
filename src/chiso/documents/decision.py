"""The decision announcing a ranking: decision-style text, then the ranking table of each group
(total and main indices as 0–1 indices with 4 decimals, ties sharing a rank), plus an XLSX."""

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
from chiso.domain.evaluation import Evaluation, UnitResult
from chiso.domain.formatting import fixed, number
from chiso.domain.frameworks import TOTAL, Node
from chiso.io.writers import sheet_title, write_cell, write_cells


def mains(ev: Evaluation) -> list[Node]:
    return [
        n
        for n in (ev.framework.main_indices() or list(ev.framework.root.children))
        if n.max_points > 0
    ]


def ordered(ev: Evaluation, group: str) -> list[UnitResult]:
    members = [r for r in ev.results if r.unit.group == group]
    return sorted(members, key=lambda r: (r.ranks.get(TOTAL, 10**9), r.unit.name))


def compose(ev: Evaluation, group_names: dict[str, str], draft: Draft) -> OfficialDocument:
    d = draft
    d.values |= {"framework_name": ev.framework.name}
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
    columns = mains(ev)
    digits = ev.framework.precision
    for group in sorted(ev.group_sizes()) + sorted(
        {r.unit.group for r in ev.results if not r.unit.ranked} - set(ev.group_sizes())
    ):
        doc.heading(f"**{group_names.get(group, group)}**")
        header = ["Hạng", "Cơ quan, đơn vị", "Điểm", "Chỉ số", *[n.name for n in columns]]
        rows = [
            [
                str(r.ranks[TOTAL]) if TOTAL in r.ranks else "Không xếp hạng",
                r.unit.name,
                number(r.total.points),
                fixed(r.total.index or 0.0, digits),
                *[_index(r, n, digits) for n in columns],
            ]
            for r in ordered(ev, group)
        ]
        widths = [14, 60, 20, 20] + [max(16, 128 / max(1, len(columns)))] * len(columns)
        doc.table(header, rows, widths, size=10)
    return doc


def _index(r: UnitResult, node: Node, digits: int) -> str:
    index = r.scores[node.code].index
    return "—" if index is None else fixed(index, digits)


def write_xlsx(path: Path, ev: Evaluation, group_names: dict[str, str]) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    head = wb.add_format(HEADING | XLSX_FONT)
    cell = wb.add_format(XLSX_FONT | {"border": 1})
    index = wb.add_format(XLSX_FONT | {"border": 1, "num_format": INDEX_FORMAT})
    points = wb.add_format(XLSX_FONT | {"border": 1, "num_format": POINTS_FORMAT})
    columns = mains(ev)
    titles: set[str] = set()
    for group in sorted({r.unit.group for r in ev.results}):
        ws = wb.add_worksheet(sheet_title(group_names.get(group, group), titles))
        header = [
            "Hạng",
            "Cơ quan, đơn vị",
            "Điểm",
            "Điểm tối đa",
            "Chỉ số",
            *[n.name for n in columns],
        ]
        write_cells(ws, 0, 0, header, head)
        for r_index, r in enumerate(ordered(ev, group), start=1):
            write_cell(ws, r_index, 0, r.ranks.get(TOTAL, "Không xếp hạng"), cell)
            write_cell(ws, r_index, 1, r.unit.name, cell)
            write_cell(ws, r_index, 2, r.total.points, points)
            write_cell(ws, r_index, 3, r.total.max_points, points)
            write_cell(ws, r_index, 4, round(r.total.index or 0.0, ev.framework.precision), index)
            for c, n in enumerate(columns, start=5):
                value = r.scores[n.code].index
                write_cell(
                    ws,
                    r_index,
                    c,
                    round(value, ev.framework.precision) if value is not None else "",
                    index,
                )
        ws.freeze_panes(1, 2)
        ws.set_column(1, 1, 45)
        ws.set_column(2, len(header) - 1, 13)
        print_setup(ws, landscape=True, title_rows=(0, 0))
    wb.close()
    return path
