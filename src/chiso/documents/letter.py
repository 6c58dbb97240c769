"""The letter naming laggards (công văn đôn đốc), composed from findings and the wording file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from chiso.documents import wording
from chiso.documents.layout import Closing, Header, OfficialDocument, Signature
from chiso.domain.findings import Findings, UnitFigure, by_group, show
from chiso.domain.formatting import number, percent
from chiso.domain.frameworks import InputKind
from chiso.domain.periods import Period


@dataclass
class LetterSettings:
    agency: str
    symbol: str
    place: str
    signature: Signature
    superior: str = ""
    office_code: str = "KGVX"
    year: int | None = None
    bases: Sequence[str] = ()
    recipients: Sequence[str] | None = None
    with_appendix: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def letter_header(settings: LetterSettings, subject: str) -> Header:
    """The head of a letter from the agency's settings: agency, number, place and date, subject."""
    return Header(
        settings.agency,
        settings.superior,
        f"Số:      /{settings.symbol}",
        settings.place,
        subject,
        settings.year,
    )


def units_text(units: Sequence[UnitFigure], findings: Findings | None = None) -> str:
    """ "A (31,14%), B (0%)" — or bare names when there is no figure to show."""
    if findings is None:
        return ", ".join(u.name for u in units)
    return ", ".join(f"{u.name} ({show(findings.indicator, u.value)})" for u in units)


def groups_text(units: Sequence[UnitFigure], findings: Findings | None = None) -> str:
    parts = by_group(units)
    if len(parts) == 1:
        return units_text(parts[0][1], findings)
    return "; ".join(f"{group}: {units_text(members, findings)}" for group, members in parts)


def sentences(
    f: Findings, text: dict[str, Any], period: Period, earlier: Period | None
) -> list[str]:
    """What the letter says about one indicator, in the order: progress, best, then shortfalls."""
    values: dict[str, Any] = {
        "indicator": f.indicator.name,
        "period_label": period.label_vi,
        "year": period.year,
        "earlier_label": earlier.label_vi if earlier else "kỳ trước",
    }
    out = []
    if f.improved:
        gains = ", ".join(
            f"{new.name} (từ {show(f.indicator, old.value)} lên {show(f.indicator, new.value)})"
            for old, new in f.improved
        )
        out.append(wording.render(text["improved"], units=gains, **values))
    if f.best:
        out.append(wording.render(text["best"], units=units_text(f.best), **values))
    if f.not_done:
        action = wording.render(
            text.get("actions", {}).get(f.indicator.code, f"thực hiện: {f.indicator.name.lower()}"),
            **values,
        )
        out.append(
            wording.render(
                text["not_done"],
                count=_count(len(f.not_done)),
                action=action,
                groups=groups_text(f.not_done),
                **values,
            )
        )
    if f.not_using:
        platform = text.get("platforms", {}).get(f.indicator.code, f.indicator.name.lower())
        out.append(
            wording.render(
                text["not_using"],
                count=_count(len(f.not_using)),
                platform=platform,
                groups=groups_text(f.not_using),
                **values,
            )
        )
    below = (
        [u for u in f.below if u not in f.not_using]
        if f.indicator.kind is InputKind.COUNT
        else f.below
    )
    if below and f.threshold is not None:
        threshold = (
            percent(f.threshold) if f.indicator.kind is InputKind.RATE else number(f.threshold)
        )
        out.append(
            wording.render(
                text["below"], threshold=threshold, groups=groups_text(below, f), **values
            )
        )
    return out


def _count(n: int) -> str:
    """Vietnamese letters write small counts with two digits: 02 đơn vị, 15 đơn vị."""
    return f"{n:02d}" if n < 10 else number(n)


def compose(
    findings: Sequence[Findings],
    period: Period,
    earlier: Period | None,
    settings: LetterSettings,
    text: dict[str, Any],
) -> OfficialDocument:
    values = {
        "period_label": period.label_vi,
        "year": period.year,
        "office_code": settings.office_code,
        **settings.extra,
    }
    doc = OfficialDocument()
    subject = "V/v " + wording.render(text["subject"], **values).removeprefix("V/v ")
    doc.header(letter_header(settings, subject))
    doc.recipients(list(settings.recipients or text.get("recipients", [])))
    for basis in settings.bases:
        doc.paragraph(basis)
    doc.paragraph(wording.render(text["opening"], **values))
    for f in findings:
        for sentence in sentences(f, text, period, earlier):
            doc.paragraph(f"- {sentence}")
    doc.paragraph(wording.render(text["request_intro"], **values))
    for request in text.get("requests", []):
        doc.heading(wording.render(request["heading"], **values))
        for item in request.get("items", []):
            doc.paragraph(f"- {wording.render(item, **values)}")
    doc.paragraph(wording.render(text["closing_sentence"], **values))
    if settings.with_appendix and text.get("appendix_note"):
        doc.paragraph(wording.render(text["appendix_note"], **values), indent=False, align=1)
    distribution = [wording.render(d, **values) for d in text.get("distribution", [])]
    doc.closing(Closing(distribution, settings.signature))
    return doc
