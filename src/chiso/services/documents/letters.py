"""Letters naming the units below the line, not using a platform, improving or best, and the
appendices of figures that go with them (DOCX, and XLSX beside each appendix)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from chiso.documents import appendix as appendix_doc
from chiso.documents import letter as letter_doc
from chiso.documents import pdf, wording
from chiso.documents.layout import OfficialDocument
from chiso.domain.findings import Findings, Indicator, UnitFigure, analyse, in_figures, order
from chiso.domain.frameworks import InputKind
from chiso.domain.periods import Period
from chiso.errors import UsageError
from chiso.services.documents.options import DocumentOptions, caption, letter_settings
from chiso.services.periods import parse_period
from chiso.services.runtime import Runtime
from chiso.services.scoring import dataset
from chiso.services.scoring.dataset import Dataset, DataSource


@dataclass
class LetterRequest:
    source: DataSource
    period: str
    indicators: list[str]
    below: dict[str, float] = field(default_factory=dict)
    """Thresholds as people write them (percent for rates); key "*" applies to all."""
    earlier: str | None = None
    group_order: list[str] = field(default_factory=list)
    sort: str = "value"
    with_appendix: bool = False
    options: DocumentOptions = field(default_factory=DocumentOptions)


def findings_for(
    req: LetterRequest, data: Dataset, period: Period, earlier: Period | None
) -> list[Findings]:
    out = []
    for code in req.indicators:
        indicator = data.indicator(code)
        line = req.below.get(code, req.below.get("*"))
        threshold = None if line is None else in_figures(indicator, line)
        current = data.figures(code, period, req.group_order)
        if not current:
            raise UsageError(
                f"Không có số liệu {code} kỳ {period.label_vi}.",
                f"no values for {code} in {period}",
                hint_vi="kiểm tra tệp số liệu hoặc nhập số liệu trước "
                "(`chiso data import`, `chiso facts compute`).",
            )
        before = data.figures(code, earlier, req.group_order) if earlier else []
        out.append(analyse(indicator, current, before, threshold, req.group_order, req.sort))
    return out


def letter(rt: Runtime, req: LetterRequest, out: Path) -> list[Path]:
    period = parse_period(req.period)
    earlier = parse_period(req.earlier) if req.earlier else None
    data = dataset.load(rt, req.source, [p for p in (period, earlier) if p])
    if earlier is None and period.previous() in data.values:
        earlier = period.previous()
    found = findings_for(req, data, period, earlier)
    text = wording.load("letter", req.options.wording)
    settings = letter_settings(req.options, rt.settings, with_appendix=req.with_appendix)
    paths = [letter_doc.compose(found, period, earlier, settings, text).save(out)]
    if req.with_appendix:
        first = req.indicators[0]
        units = order(data.figures(first, period, req.group_order), req.group_order, "name")
        target = out.with_name(f"{out.stem}-phu-luc.docx")
        paths += write_appendix(
            data.indicator(first), units, period, target, caption("Công văn", settings)
        )
    return paths


def write_appendix(
    indicator: Indicator, units: list[UnitFigure], period: Period, out: Path, heading: str = ""
) -> list[Path]:
    doc = OfficialDocument(landscape=indicator.kind is InputKind.RATE)
    appendix_doc.add_to(doc, indicator, units, period, heading)
    return [
        doc.save(out),
        appendix_doc.write_xlsx(out.with_suffix(".xlsx"), indicator, units, period),
    ]


@dataclass
class AppendixRequest:
    source: DataSource
    period: str
    indicators: list[str]
    group_order: list[str] = field(default_factory=list)
    options: DocumentOptions = field(default_factory=DocumentOptions)


def appendix(rt: Runtime, req: AppendixRequest, out: Path) -> list[Path]:
    """One appendix per indicator."""
    period = parse_period(req.period)
    data = dataset.load(rt, req.source, [period])
    settings = letter_settings(req.options, rt.settings)
    paths: list[Path] = []
    for index, code in enumerate(req.indicators):
        several = len(req.indicators) > 1
        target = out.with_name(f"{out.stem}-{index + 1}-{code}.docx") if several else out
        units = order(data.figures(code, period, req.group_order), req.group_order, "name")
        if not units:
            raise UsageError(
                f"Không có số liệu {code} kỳ {period.label_vi}.", f"no values for {code}"
            )
        paths += write_appendix(
            data.indicator(code), units, period, target, caption("Công văn", settings)
        )
    return paths


def to_pdf(docx: Path) -> Path:
    return pdf.to_pdf(docx)
