"""The monthly or quarterly report to the steering committee: indicators across units against
their targets with a chart, rankings, progress and shortfalls, who has not reported, overdue
tasks, proposals; sections numbered in the order they appear."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chiso.documents import charts, wording
from chiso.documents.layout import OfficialDocument
from chiso.documents.letter import Draft, Said, finish, say_finding
from chiso.documents.spec import Finding
from chiso.domain.findings import Findings, show
from chiso.domain.formatting import fixed, number
from chiso.domain.frameworks import InputKind
from chiso.domain.periods import Period
from chiso.domain.ranking_table import RankingTable

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


@dataclass
class ReportContent:
    period: Period
    earlier: Period | None
    findings: Sequence[tuple[Finding, Findings]]
    earlier_overall: dict[str, tuple[float | None, int]]
    """Indicator → (the earlier rate of the units reporting now, how many of them had one)."""
    ranking: RankingTable | None
    """The one ranking table, ranked groups only, without the issuer."""
    units_count: int
    missing_units: Sequence[str]
    overdue_tasks: Sequence[str] = field(default_factory=list)
    sources: str = ""
    """How the period's figures were obtained when some were rolled up from months."""


class Sections:
    def __init__(self, doc: OfficialDocument) -> None:
        self.doc, self.n = doc, 0

    def open(self, title: str) -> None:
        self.doc.heading(f"{ROMAN[self.n]}. {title}")
        self.n += 1


def _opening(doc: OfficialDocument, d: Draft, sources: str) -> None:
    """The opening, then how the figures were obtained when some were rolled up."""
    doc.paragraph(
        wording.render(d.spec.opening, **d.values) if d.spec.opening else d.say("opening")
    )
    if sources:
        doc.paragraph(sources)


def compose(draft: Draft, content: ReportContent, work_dir: Path) -> OfficialDocument:
    d = draft
    d.values |= {
        "units_count": content.units_count,
        "reported": content.units_count - len(content.missing_units),
        "missing_count": len(content.missing_units),
    }
    doc = OfficialDocument(font_dir=d.font_dir)
    doc.header(d.voice.header("report", "", d.spec.number))
    doc.title("BÁO CÁO", d.spec.subject or d.say("subject"))
    doc.recipients(d.recipients())
    _opening(doc, d, content.sources)
    sections = Sections(doc)
    _results(doc, sections, d, content, work_dir)
    _ranking(doc, sections, d, content)
    said = Said()
    for part, f in content.findings:
        say_finding(d, part, f, said)
    if said.positive or said.negative:
        sections.open(d.say("section_findings"))
        for intro, lines in (("positive_intro", said.positive), ("negative_intro", said.negative)):
            if lines:
                doc.paragraph(d.say(intro))
                for line in lines:
                    doc.paragraph(f"- {line}.")
    sections.open(d.say("section_reporting"))
    if content.missing_units:
        listed = "; ".join(content.missing_units[:40]) + (
            " …" if len(content.missing_units) > 40 else ""
        )
        doc.paragraph(d.say("reporting_missing", units=listed))
    else:
        doc.paragraph(d.say("reporting_all"))
    if content.overdue_tasks:
        sections.open(d.say("section_tasks"))
        for task in content.overdue_tasks:
            doc.paragraph(f"- {task}")
    sections.open(d.say("section_proposals"))
    for item in wording.lines(list(d.text.get("proposals") or []), **d.values):
        doc.paragraph(f"- {item}")
    finish(doc, d, d.say("closing_sentence"))
    return doc


def _results(
    doc: OfficialDocument, sections: Sections, d: Draft, content: ReportContent, work_dir: Path
) -> None:
    sections.open(d.say("section_results"))
    doc.paragraph(d.say("results_intro"))
    rows: list[list[str]] = []
    partial = []
    for _, f in content.findings:
        ind = f.indicator
        before, common = content.earlier_overall.get(ind.code, (None, 0))
        if content.earlier is not None and common < f.reported:
            partial.append(common)
        rows.append(
            [
                str(len(rows) + 1),
                ind.name,
                show(ind, f.overall, d.spec.percent_decimals),
                show(ind, before, d.spec.percent_decimals),
                "—" if ind.target is None else show(ind, ind.target, d.spec.percent_decimals),
                "—" if f.met is None else str(f.met),
                "—" if f.not_met is None else str(f.not_met),
            ]
        )
    doc.table(
        ["STT", "Chỉ số", "Kỳ này", "Kỳ trước", "Chỉ tiêu", "Số đơn vị đạt", "Chưa đạt"],
        rows,
        (13, 65, 20, 20, 17, 15, 15),
        size=11,
    )
    if partial:
        reported = content.findings[0][1].reported
        doc.paragraph(f"*{d.say('earlier_note', common=min(partial), reported=reported)}*")
    chart_rows = [
        (f.indicator.name, f.overall, f.indicator.target)
        for _, f in content.findings
        if f.indicator.kind is InputKind.RATE and f.overall is not None
    ]
    if chart_rows:
        png = charts.render_png(
            charts.rates_chart(chart_rows, f"Tỷ lệ chung {content.period.label_vi}"),
            work_dir / "ty-le-chung.png",
        )
        doc.picture(png, 160)


def _ranking(
    doc: OfficialDocument, sections: Sections, d: Draft, content: ReportContent, top: int = 5
) -> None:
    table = content.ranking
    if table is None or not table.rows:
        return
    sections.open(d.say("section_ranking"))
    doc.paragraph(d.say("ranking_intro"))
    digits = table.framework.precision
    for group, name in table.groups:
        members = [r for r in table.in_group(group) if r.total.rank is not None]
        if not members:
            continue
        shown = members if len(members) <= 2 * top else [*members[:top], *members[-top:]]
        rows = [
            [
                str(r.total.rank),
                f"{r.letter_name} ({r.missing_note})" if r.missing else r.letter_name,
                fixed(r.total.index, digits) if r.total.index is not None else "—",
                f"{number(r.total.points or 0.0)}/{number(r.total.max_points)}",
            ]
            for r in shown
        ]
        doc.heading(f"*{name} ({len(members)} đơn vị)*", bold=False)
        doc.table(["Hạng", "Cơ quan, đơn vị", "Chỉ số", "Điểm"], rows, (15, 100, 25, 25), size=11)
