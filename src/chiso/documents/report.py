"""The monthly or quarterly report to the steering committee: indicators across units with a
chart, rankings, progress and shortfalls, completeness of reporting, overdue tasks, proposals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chiso.documents import charts, wording
from chiso.documents.layout import Closing, Header, OfficialDocument
from chiso.documents.letter import LetterSettings, sentences
from chiso.domain.evaluation import Evaluation
from chiso.domain.findings import Findings
from chiso.domain.formatting import fixed, number, percent
from chiso.domain.frameworks import TOTAL, InputKind
from chiso.domain.periods import Period


@dataclass
class ReportContent:
    period: Period
    earlier: Period | None
    findings: Sequence[Findings]
    earlier_overall: dict[str, float | None]
    evaluation: Evaluation | None
    group_names: dict[str, str]
    units_count: int
    missing_units: Sequence[str]
    overdue_tasks: Sequence[str] = field(default_factory=list)


def compose(
    content: ReportContent, settings: LetterSettings, text: dict[str, Any], work_dir: Path
) -> OfficialDocument:
    values = {
        "period_label": content.period.label_vi,
        "office_code": settings.office_code,
        "units_count": content.units_count,
        "reported": content.units_count - len(content.missing_units),
        "missing_count": len(content.missing_units),
        "earlier_label": content.earlier.label_vi if content.earlier else "kỳ trước",
    }
    doc = OfficialDocument()
    symbol = text.get("number_symbol", "BC-UBND")
    doc.header(
        Header(
            settings.agency,
            settings.superior,
            f"Số:      /{symbol}",
            settings.place,
            "",
            settings.year,
        )
    )
    doc.title(text["title"], wording.render(text["subject"], **values))
    doc.recipients(list(settings.recipients or text.get("recipients", [])))
    doc.paragraph(wording.render(text["opening"], **values))
    _results(doc, content, text, values, work_dir)
    _ranking(doc, content, text)
    doc.heading(text["section_findings"])
    for f in content.findings:
        for sentence in sentences(f, text_for_findings(text), content.period, content.earlier):
            doc.paragraph(f"- {sentence}")
    doc.heading(text["section_reporting"])
    if content.missing_units:
        listed = ", ".join(content.missing_units[:40]) + (
            " …" if len(content.missing_units) > 40 else ""
        )
        doc.paragraph(wording.render(text["reporting_missing"], units=listed, **values))
    else:
        doc.paragraph(wording.render(text["reporting_all"], **values))
    if content.overdue_tasks:
        doc.heading(text["section_tasks"])
        for task in content.overdue_tasks:
            doc.paragraph(f"- {task}")
    doc.heading(text["section_proposals"])
    for item in text.get("proposals", []):
        doc.paragraph(f"- {wording.render(item, **values)}")
    doc.paragraph(wording.render(text["closing_sentence"], **values))
    doc.closing(
        Closing(
            [wording.render(d, **values) for d in text.get("distribution", [])], settings.signature
        )
    )
    return doc


def text_for_findings(text: dict[str, Any]) -> dict[str, Any]:
    """The report reuses the letter's sentences about each indicator."""
    letter = wording.load("letter")
    return letter | {k: v for k, v in text.items() if k in letter}


def _results(
    doc: OfficialDocument,
    content: ReportContent,
    text: dict[str, Any],
    values: dict[str, Any],
    work_dir: Path,
) -> None:
    doc.heading(text["section_results"])
    doc.paragraph(wording.render(text["results_intro"], **values))
    rows: list[list[str]] = []
    for f in content.findings:
        show = percent if f.indicator.kind is InputKind.RATE else number
        overall = "—" if f.overall is None else show(f.overall)
        before = content.earlier_overall.get(f.indicator.code)
        change = "—" if before is None or f.overall is None else show(before)
        target = "—" if f.indicator.target is None else show(f.indicator.target)
        below = len(f.below) if f.threshold is not None else 0
        met = (
            f.reported - below
            if f.indicator.kind is not InputKind.YES_NO
            else f.reported - len(f.not_done)
        )
        rows.append(
            [
                str(len(rows) + 1),
                f.indicator.name,
                overall,
                change,
                target,
                str(met),
                str(f.reported - met),
            ]
        )
    doc.table(
        ["STT", "Chỉ số", "Kỳ này", "Kỳ trước", "Chỉ tiêu", "Số đơn vị đạt", "Chưa đạt"],
        rows,
        (10, 68, 20, 20, 17, 15, 15),
        size=11,
    )
    chart_rows = [
        (f.indicator.name, f.overall, f.indicator.target)
        for f in content.findings
        if f.indicator.kind is InputKind.RATE and f.overall is not None
    ]
    if chart_rows:
        png = charts.render_png(
            charts.rates_chart(chart_rows, f"Tỷ lệ chung {content.period.label_vi}"),
            work_dir / "ty-le-chung.png",
        )
        doc.picture(png, 160)


def _ranking(
    doc: OfficialDocument, content: ReportContent, text: dict[str, Any], top: int = 5
) -> None:
    ev = content.evaluation
    if ev is None or not ev.results:
        return
    doc.heading(text["section_ranking"])
    doc.paragraph(text["ranking_intro"])
    digits = ev.framework.precision
    for group, size in sorted(ev.group_sizes().items()):
        members = sorted(
            (r for r in ev.results if r.unit.group == group and TOTAL in r.ranks),
            key=lambda r: (r.ranks[TOTAL], r.unit.name),
        )
        shown = members if len(members) <= 2 * top else [*members[:top], *members[-top:]]
        rows = [
            [
                str(r.ranks[TOTAL]),
                r.unit.name,
                fixed(r.total.index or 0.0, digits),
                f"{number(r.total.points)}/{number(r.total.max_points)}",
            ]
            for r in shown
        ]
        doc.paragraph(f"*{content.group_names.get(group, group)} ({size} đơn vị)*", indent=False)
        doc.table(["Hạng", "Cơ quan, đơn vị", "Chỉ số", "Điểm"], rows, (15, 100, 25, 25), size=11)
