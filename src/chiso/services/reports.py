"""Official documents from the data: letters, appendices, committee reports, ranking decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from chiso.documents import letter as letter_doc
from chiso.documents import pdf, wording
from chiso.documents.layout import Signature
from chiso.domain.findings import Findings, analyse
from chiso.domain.periods import Period, PeriodError
from chiso.errors import UsageError
from chiso.services import report_data
from chiso.services.report_data import Source
from chiso.services.runtime import Runtime
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


def parse_period(text: str) -> Period:
    try:
        return Period.parse(text)
    except PeriodError as exc:
        raise UsageError(f"'{text}' không phải kỳ báo cáo hợp lệ.", str(exc), hint_vi="ghi 2023, 2023-H1, 2023-Q3 hoặc 2023-07.") from exc


def letter_settings(options: DocumentOptions, settings: Settings | None = None, with_appendix: bool = False) -> letter_doc.LetterSettings:
    s = settings or get_settings()
    return letter_doc.LetterSettings(
        agency=options.agency or s.agency_name,
        symbol=options.symbol or s.agency_symbol,
        place=options.place or s.agency_place,
        signature=Signature(options.signer_authority if options.signer_authority is not None else s.signer_authority,
                            options.signer_title if options.signer_title is not None else s.signer_title,
                            options.signer_name if options.signer_name is not None else s.signer_name),  # fmt: skip
        superior=options.superior if options.superior is not None else s.agency_superior,
        office_code=s.office_code,
        year=options.year or date.today().year,
        bases=options.bases,
        recipients=options.recipients or None,
        with_appendix=with_appendix,
    )


def findings_for(req: LetterRequest, data: report_data.Dataset, period: Period, earlier: Period | None) -> list[Findings]:
    out = []
    for code in req.indicators:
        indicator = data.indicator(code)
        line = req.below.get(code, req.below.get("*"))
        threshold = None if line is None else (line / 100 if indicator.kind == "rate" else line)
        current = data.figures(code, period, req.group_order)
        if not current:
            raise UsageError(
                f"Không có số liệu {code} kỳ {period.label_vi}.", f"no values for {code} in {period}",
                hint_vi="kiểm tra tệp số liệu hoặc nhập số liệu trước (`chiso data import`, `chiso facts compute`).",
            )  # fmt: skip
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
    doc = letter_doc.compose(found, period, earlier, letter_settings(req.options, with_appendix=req.with_appendix), text)
    return [doc.save(out)]


def to_pdf(docx: Path) -> Path:
    return pdf.to_pdf(docx)
