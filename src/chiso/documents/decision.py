"""The decision announcing a ranking: decision-style text, then the ranking table of each group
(total and main indices as 0–1 indices with 4 decimals, ties sharing a rank), plus an XLSX."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chiso.documents import wording
from chiso.documents.layout import HEADING, Closing, Header, OfficialDocument
from chiso.documents.letter import LetterSettings
from chiso.domain.evaluation import Evaluation, UnitResult
from chiso.domain.formatting import fixed, number
from chiso.domain.frameworks import TOTAL, Node
from chiso.domain.periods import Period


def mains(ev: Evaluation) -> list[Node]:
    return [
        n
        for n in (ev.framework.main_indices() or list(ev.framework.root.children))
        if n.max_points > 0
    ]


def ordered(ev: Evaluation, group: str) -> list[UnitResult]:
    members = [r for r in ev.results if r.unit.group == group]
    return sorted(members, key=lambda r: (r.ranks.get(TOTAL, 10**9), r.unit.name))


def compose(
    ev: Evaluation,
    period: Period,
    group_names: dict[str, str],
    settings: LetterSettings,
    text: dict[str, Any],
    chair_title: str,
) -> OfficialDocument:
    values = {
        "period_label": period.label_vi,
        "framework_name": ev.framework.name,
        "office_code": settings.office_code,
        "issued_by": ev.framework.issued_by or ev.framework.name,
        "chair_title": chair_title,
    }
    doc = OfficialDocument()
    doc.header(
        Header(
            settings.agency,
            settings.superior,
            f"Số:      /{text.get('number_symbol', 'QĐ-UBND')}",
            settings.place,
            "",
            settings.year,
        )
    )
    doc.title(text["title"], wording.render(text["subject"], **values))
    doc.title(wording.render(text["issuer"], **values))
    for basis in [*settings.bases, *(wording.render(b, **values) for b in text.get("bases", []))]:
        doc.paragraph(basis)
    doc.title(text["decides"])
    for article in text.get("articles", []):
        doc.paragraph(wording.render(article, **values))
    doc.closing(
        Closing(
            [wording.render(d, **values) for d in text.get("distribution", [])], settings.signature
        )
    )
    doc.landscape_section()
    doc.title(text["appendix_title"], wording.render(text["appendix_subject"], **values))
    columns = mains(ev)
    digits = ev.framework.precision
    for group in sorted(ev.group_sizes()) + sorted(
        {r.unit.group for r in ev.results if not r.unit.ranked} - set(ev.group_sizes())
    ):
        doc.paragraph(f"**{group_names.get(group, group)}**", indent=False)
        header = [
            "Hạng",
            "Cơ quan, đơn vị",
            "Điểm",
            "Chỉ số",
            *[f"{n.code}. {n.name}" for n in columns],
        ]
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
        widths = [14, 70, 20, 20] + [max(18, 130 / max(1, len(columns)))] * len(columns)
        doc.table(header, rows, widths, size=10)
    return doc


def _index(r: UnitResult, node: Node, digits: int) -> str:
    index = r.scores[node.code].index
    return "—" if index is None else fixed(index, digits)


def write_xlsx(path: Path, ev: Evaluation, group_names: dict[str, str]) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    head = wb.add_format(HEADING)
    cell = wb.add_format({"border": 1})
    index = wb.add_format({"border": 1, "num_format": "0.0000"})
    points = wb.add_format({"border": 1, "num_format": "#,##0.##"})
    columns = mains(ev)
    for group in sorted({r.unit.group for r in ev.results}):
        ws = wb.add_worksheet(
            group_names.get(group, group)[:31].replace("/", "-").replace(":", " ")
        )
        header = [
            "Hạng",
            "Cơ quan, đơn vị",
            "Điểm",
            "Điểm tối đa",
            "Chỉ số",
            *[f"{n.code}. {n.name}" for n in columns],
        ]
        ws.write_row(0, 0, header, head)
        for r_index, r in enumerate(ordered(ev, group), start=1):
            ws.write(r_index, 0, r.ranks.get(TOTAL, "Không xếp hạng"), cell)
            ws.write(r_index, 1, r.unit.name, cell)
            ws.write(r_index, 2, r.total.points, points)
            ws.write(r_index, 3, r.total.max_points, points)
            ws.write(r_index, 4, round(r.total.index or 0.0, ev.framework.precision), index)
            for c, n in enumerate(columns, start=5):
                value = r.scores[n.code].index
                ws.write(
                    r_index,
                    c,
                    round(value, ev.framework.precision) if value is not None else "",
                    index,
                )
        ws.freeze_panes(1, 2)
        ws.set_column(1, 1, 45)
        ws.set_column(2, len(header) - 1, 13)
    wb.close()
    return path
