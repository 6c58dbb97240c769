"""What a clerk may set on any document, and the agency's settings it falls back to (always
those of the runtime the document is made in)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from chiso.documents.layout import Signature, agency_short
from chiso.documents.letter import LetterSettings
from chiso.settings import Settings


@dataclass
class DocumentOptions:
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


def letter_settings(
    options: DocumentOptions, settings: Settings, with_appendix: bool = False
) -> LetterSettings:
    s = settings
    authority = s.signer_authority if options.signer_authority is None else options.signer_authority
    title = s.signer_title if options.signer_title is None else options.signer_title
    name = s.signer_name if options.signer_name is None else options.signer_name
    return LetterSettings(
        agency=options.agency or s.agency_name,
        symbol=options.symbol or s.agency_symbol,
        place=options.place or s.agency_place,
        signature=Signature(authority, title, name),
        superior=s.agency_superior if options.superior is None else options.superior,
        office_code=s.office_code,
        year=options.year or date.today().year,
        bases=options.bases,
        recipients=options.recipients or None,
        with_appendix=with_appendix,
    )


def caption(kind: str, s: LetterSettings) -> str:
    """The line under an appendix's title naming the document it goes with."""
    return (
        f"(Kèm theo {kind} số      /{s.symbol} ngày    tháng    năm {s.year} "
        f"của {agency_short(s.agency)})"
    )
