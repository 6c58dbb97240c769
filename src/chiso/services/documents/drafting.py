"""Official documents from the data: letters, appendices, committee reports, ranking decisions."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from chiso.documents import appendix as appendix_doc
from chiso.documents import decision as decision_doc
from chiso.documents import letter as letter_doc
from chiso.documents import pdf, wording
from chiso.documents import reminder as reminder_doc
from chiso.documents import report as report_doc
from chiso.documents.layout import OfficialDocument, Signature, agency_short
from chiso.domain import grouping
from chiso.domain.findings import Findings, Indicator, UnitFigure, analyse
from chiso.domain.findings import order as _order_units
from chiso.domain.periods import Period
from chiso.domain.units import letter_name
from chiso.errors import UsageError
from chiso.services.periods import parse_period
from chiso.services.runtime import Runtime
from chiso.services.scoring import dataset as report_data
from chiso.services.scoring.dataset import Source
from chiso.services.tasks import tracking as tasks
from chiso.services.values import exchange as values_files
from chiso.settings import Settings, get_settings


@dataclass
class DocumentOptions:
    """What a clerk may set on any document; defaults come from the agency settings."""

    agency: str | None = None
    superior: str | None = None
    symbol: str | None = None
    place: str | None = None
    signer_authority: str | None = None
    signer_title: str | None = None
    signer_name: str | None = None
    bases: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    year: int | None = None
    wording: Path | None = None


@dataclass
class LetterRequest:
    source: Source
    period: str
    indicators: list[str]
    below: dict[str, float] = field(default_factory=dict)
    """Thresholds in the indicator's unit (percent for rates); key "*" applies to all."""
    earlier: str | None = None
    group_order: list[str] = field(default_factory=list)
    sort: str = "value"
    with_appendix: bool = False
    options: DocumentOptions = field(default_factory=DocumentOptions)


def letter_settings(
    options: DocumentOptions, settings: Settings | None = None, with_appendix: bool = False
) -> letter_doc.LetterSettings:
    s = settings or get_settings()
    return letter_doc.LetterSettings(
        agency=options.agency or s.agency_name,
        symbol=options.symbol or s.agency_symbol,
        place=options.place or s.agency_place,
        signature=Signature(
            options.signer_authority
            if options.signer_authority is not None
            else s.signer_authority,
            options.signer_title if options.signer_title is not None else s.signer_title,
            options.signer_name if options.signer_name is not None else s.signer_name,
        ),
        superior=options.superior if options.superior is not None else s.agency_superior,
        office_code=s.office_code,
        year=options.year or date.today().year,
        bases=options.bases,
        recipients=options.recipients or None,
        with_appendix=with_appendix,
    )


def findings_for(
    req: LetterRequest, data: report_data.Dataset, period: Period, earlier: Period | None
) -> list[Findings]:
    out = []
    for code in req.indicators:
        indicator = data.indicator(code)
        line = req.below.get(code, req.below.get("*"))
        threshold = None if line is None else (line / 100 if indicator.kind == "rate" else line)
        current = data.figures(code, period, req.group_order)
        if not current:
            raise UsageError(
                f"Không có số liệu {code} kỳ {period.label_vi}.",
                f"no values for {code} in {period}",
                hint_vi="kiểm tra tệp số liệu hoặc nhập số liệu trước (`chiso data import`, `chiso facts compute`).",
            )
        before = data.figures(code, earlier, req.group_order) if earlier else []
        out.append(analyse(indicator, current, before, threshold, req.group_order, req.sort))
    return out


def letter(rt: Runtime | None, req: LetterRequest, out: Path) -> list[Path]:
    period = parse_period(req.period)
    earlier = parse_period(req.earlier) if req.earlier else None
    data = report_data.load(rt, req.source, [p for p in (period, earlier) if p])
    if earlier is None and period.previous() in data.values:
        earlier = period.previous()
    found = findings_for(req, data, period, earlier)
    text = wording.load("letter", req.options.wording)
    settings = letter_settings(req.options, with_appendix=req.with_appendix)
    doc = letter_doc.compose(found, period, earlier, settings, text)
    paths = [doc.save(out)]
    if req.with_appendix:
        first = req.indicators[0]
        units = data.figures(first, period, req.group_order)
        paths += write_appendix(
            data.indicator(first),
            _ordered(units, req.group_order),
            period,
            out.with_name(f"{out.stem}-phu-luc.docx"),
            caption=_caption("Công văn", settings),
        )
    return paths


def _ordered(units: list[UnitFigure], group_order: list[str]) -> list[UnitFigure]:
    return _order_units(units, group_order, "name")


def _caption(kind: str, s: letter_doc.LetterSettings) -> str:
    return f"(Kèm theo {kind} số      /{s.symbol} ngày    tháng    năm {s.year} của {agency_short(s.agency)})"


def write_appendix(
    indicator: Indicator, units: list[UnitFigure], period: Period, out: Path, caption: str = ""
) -> list[Path]:
    doc = OfficialDocument(landscape=indicator.kind == "rate")
    appendix_doc.add_to(doc, indicator, units, period, caption)
    return [
        doc.save(out),
        appendix_doc.write_xlsx(out.with_suffix(".xlsx"), indicator, units, period),
    ]


@dataclass
class AppendixRequest:
    source: Source
    period: str
    indicators: list[str]
    group_order: list[str] = field(default_factory=list)
    options: DocumentOptions = field(default_factory=DocumentOptions)


def appendix(rt: Runtime | None, req: AppendixRequest, out: Path) -> list[Path]:
    """One appendix per indicator: DOCX (landscape) and XLSX beside it."""
    period = parse_period(req.period)
    data = report_data.load(rt, req.source, [period])
    settings = letter_settings(req.options)
    paths: list[Path] = []
    for index, code in enumerate(req.indicators):
        target = (
            out
            if len(req.indicators) == 1
            else out.with_name(f"{out.stem}-{index + 1}-{code}.docx")
        )
        units = _ordered(data.figures(code, period, req.group_order), req.group_order)
        if not units:
            raise UsageError(
                f"Không có số liệu {code} kỳ {period.label_vi}.", f"no values for {code}"
            )
        paths += write_appendix(
            data.indicator(code), units, period, target, _caption("Công văn", settings)
        )
    return paths


def to_pdf(docx: Path) -> Path:
    return pdf.to_pdf(docx)


@dataclass
class SummaryRequest:
    source: Source
    period: str
    indicators: list[str] = field(default_factory=list)
    below: dict[str, float] = field(default_factory=dict)
    group_order: list[str] = field(default_factory=list)
    options: DocumentOptions = field(default_factory=DocumentOptions)


def summary(rt: Runtime | None, req: SummaryRequest, out: Path) -> list[Path]:
    period = parse_period(req.period)
    data = report_data.load(rt, req.source, [period, period.previous()])
    earlier = period.previous() if period.previous() in data.values else None
    codes = req.indicators or [
        n.code
        for n in data.framework.leaves()
        if n.code in data.values.get(period, {}) and n.input in report_data.KINDS
    ]
    letter_req = LetterRequest(req.source, req.period, codes, req.below, None, req.group_order)
    found = findings_for(letter_req, data, period, earlier)
    earlier_overall = (
        {
            f.indicator.code: analyse(
                f.indicator, data.figures(f.indicator.code, earlier, req.group_order)
            ).overall
            for f in found
        }
        if earlier
        else {}
    )
    expected = _expected_units(rt, req.source, data, period)
    reported = {key for by_unit in data.values.get(period, {}).values() for key in by_unit}
    missing = sorted(
        letter_name(name, kind) for key, (name, kind) in expected.items() if key not in reported
    )
    content = report_doc.ReportContent(
        period,
        earlier,
        found,
        earlier_overall,
        report_data.evaluation(data, period),
        grouping.group_names(data.framework),
        len(expected),
        missing,
        overdue_tasks(rt, period),
    )
    with tempfile.TemporaryDirectory() as work:
        doc = report_doc.compose(
            content,
            letter_settings(req.options),
            wording.load("summary", req.options.wording),
            Path(work),
        )
        return [doc.save(out)]


def _expected_units(
    rt: Runtime | None, source: Source, data: report_data.Dataset, period: Period
) -> dict[str, tuple[str, str | None]]:
    """Units that should report: those of the units file, or those the framework covers in the
    database on the period's last day."""
    if source.values is not None or rt is None:
        return {key: (info.name, info.kind) for key, info in data.units.items()}
    return {
        r.unit_key: (r.unit_name, None)
        for r in values_files.completeness(rt, data.framework.id, str(period))
    }


def overdue_tasks(rt: Runtime | None, period: Period) -> list[str]:
    """Tasks overdue at the end of the period (or today, for the running period)."""
    if rt is None:
        return []
    on = min(period.end, date.today())
    return [
        f"{t.title} ({t.directive}) — {t.lead_name} chủ trì, hạn "
        f"{t.standing.due:%d/%m/%Y}, quá hạn {t.standing.overdue_days} ngày, tiến độ {t.progress}%"
        for t in tasks.list_tasks(rt, on, overdue_only=True)
        if t.standing.due is not None
    ]


@dataclass
class ReminderRequest:
    on: date | None = None
    unit: str | None = None
    report_days: int = 7
    options: DocumentOptions = field(default_factory=DocumentOptions)


def reminder(rt: Runtime, req: ReminderRequest, out: Path) -> list[Path]:
    """The reminder letter for the overdue tasks (of one unit, or all)."""
    on = req.on or date.today()
    late = tasks.list_tasks(rt, on, req.unit, overdue_only=True)
    if not late:
        raise UsageError(
            f"Không có nhiệm vụ nào quá hạn tính đến ngày {on:%d/%m/%Y}.",
            "no overdue task",
            hint_vi="không cần công văn đôn đốc; xem danh sách bằng `chiso tasks list`.",
        )
    rows = [
        reminder_doc.LateTask(
            t.title, t.directive, t.directive_date, t.lead_name, letter_name(t.lead_name, t.lead_kind),
            t.deadline_text, t.standing.due, t.progress, t.standing.overdue_days,
        )
        for t in late
    ]  # fmt: skip
    text = wording.load("reminder", req.options.wording)
    doc = reminder_doc.compose(rows, on, letter_settings(req.options), text, req.report_days)
    return [doc.save(out)]


@dataclass
class RankingRequest:
    source: Source
    period: str
    chair_title: str | None = None
    options: DocumentOptions = field(default_factory=DocumentOptions)


def ranking(rt: Runtime | None, req: RankingRequest, out: Path) -> list[Path]:
    period = parse_period(req.period)
    data = report_data.load(rt, req.source, [period])
    evaluation = report_data.evaluation(data, period)
    if not evaluation.results:
        raise UsageError(
            f"Không có số liệu {data.framework.id} kỳ {period.label_vi} để xếp hạng.",
            "nothing to rank",
        )
    settings = letter_settings(req.options)
    chair = req.chair_title or f"CHỦ TỊCH {settings.agency.upper()}"
    names = grouping.group_names(data.framework)
    doc = decision_doc.compose(
        evaluation, period, names, settings, wording.load("decision", req.options.wording), chair
    )
    return [doc.save(out), decision_doc.write_xlsx(out.with_suffix(".xlsx"), evaluation, names)]
