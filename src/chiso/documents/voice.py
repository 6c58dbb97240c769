"""How an agency speaks on a given date: its letterhead, number, place and date line, who it
addresses, who leads the work then, who signs, and where the copy is filed. The wording files
read these as placeholders, so one file serves every level and both sides of the 2025 reform."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from chiso.documents.layout import Closing, Header
from chiso.domain.agency import AgencyProfile, Signer
from chiso.domain.units import REFORM_DATE

PREFIX = {"letter": "", "decision": "QĐ", "notice": "TB", "report": "BC", "plan": "KH"}
KIND_NAME = {
    "letter": "Công văn",
    "decision": "Quyết định",
    "notice": "Thông báo",
    "report": "Báo cáo",
}


@dataclass(frozen=True)
class Voice:
    profile: AgencyProfile
    on: date
    signer: Signer | None
    office_code: str
    drafter: str = ""
    fill_date: bool = False
    """False leaves day and month blank for the clerk ("ngày    tháng    năm 2023")."""

    def symbol(self, kind: str) -> str:
        """ "UBND-VX" for a letter, "QĐ-UBND", "TB-UBND", "BC-UBND" for the others."""
        prefix = PREFIX.get(kind, "")
        return (
            f"{prefix}-{self.profile.symbol}"
            if prefix
            else f"{self.profile.symbol}-{self.office_code}"
        )

    def number(self, kind: str, number: str = "") -> str:
        return f"Số: {number or '      '}/{self.symbol(kind)}".replace(
            f"/{self.symbol(kind)}/", "/"
        )

    def date_line(self) -> str:
        if self.fill_date:
            return f"{self.profile.place}, ngày {self.on:%d} tháng {self.on.month:02d} năm {self.on.year}"
        return f"{self.profile.place}, ngày      tháng      năm {self.on.year}"

    def header(self, kind: str, subject: str = "", number: str = "") -> Header:
        superior = [] if self.profile.is_committee else _upper_lines(self.profile.superior)
        return Header(
            self.profile.letterhead,
            self.number(kind, number),
            self.date_line(),
            superior,
            subject,
        )

    def closing(self, distribution: list[str]) -> Closing:
        s = self.signer
        return Closing(distribution, s.lines() if s else [], s.name if s else "")

    def filed(self) -> str:
        """ "Lưu: VT, VX, TD337." — the office code follows the document's symbol."""
        parts = ["VT", self.office_code, self.drafter]
        return "Lưu: " + ", ".join(p for p in parts if p) + "."

    def caption(self, kind: str) -> str:
        """The line under an appendix's title naming the document it goes with."""
        number = f"{KIND_NAME.get(kind, 'Văn bản')} số      /{self.symbol(kind)}"
        when = (
            f"ngày {self.on:%d/%m/%Y}"
            if self.fill_date
            else f"ngày      tháng      năm {self.on.year}"
        )
        return f"(Kèm theo {number} {when} của {self.profile.short_name})"

    def values(self) -> dict[str, Any]:
        """The placeholders every wording file may use."""
        p = self.profile
        lead = p.lead_on(self.on)
        locality = p.locality
        committee = f"UBND {locality}".strip() if p.is_committee else p.name
        return {
            "issuer": p.short_name,
            "issuer_full": p.name,
            "committee": committee,
            "locality": locality,
            "chair": f"Chủ tịch {committee}" if p.is_committee else f"Thủ trưởng {p.name}",
            "lead": lead.name if lead else "",
            "lead_head": lead.head if lead else "",
            "two_tier": self.on >= REFORM_DATE,
            "year": self.on.year,
            "today": f"{self.on:%d/%m/%Y}",
            "office_code": self.office_code,
            "place": p.place,
        }


def _upper_lines(superior: str) -> list[str]:
    if not superior:
        return []
    from chiso.domain.agency import COMMITTEE

    if superior.lower().startswith(COMMITTEE.lower()):
        return [COMMITTEE.upper() + " " + superior[len(COMMITTEE) :].strip().upper()]
    return [superior.upper()]
