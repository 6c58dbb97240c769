"""Who issues a document: an agency profile with its level, names, place, symbol, signers, the
department that leads digital transformation over time, and the recipients it usually writes to.
A document is made for one profile and one date, so a 2023 district letter and a 2025 province
letter each speak with the voice they had then."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from itertools import pairwise

from chiso.domain.text import fold
from chiso.domain.units import LEGACY_LAST_DAY, REFORM_DATE

COMMITTEE = "Ủy ban nhân dân"
AUTHORITIES = ("KT.", "TL.", "TM.", "Q.", "TUQ.")
"""Decree 30: ký thay, thừa lệnh, thay mặt, quyền, thừa ủy quyền."""
LOCALITIES = (
    "thành phố",
    "thị trấn",
    "thị xã",
    "đặc khu",
    "phường",
    "huyện",
    "quận",
    "tỉnh",
    "xã",
)
"""Longest first, so "thị xã" is not read as "xã"."""
MERGER_2025 = date(2025, 3, 1)
"""Provincial departments merged (Thông tin và Truyền thông into Khoa học và Công nghệ)."""
_CODE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class AgencyLevel(StrEnum):
    PROVINCE = "tinh"
    DISTRICT = "huyen"
    COMMUNE = "xa"
    DEPARTMENT = "so"
    MINISTRY = "bo"

    @property
    def label_vi(self) -> str:
        return {
            AgencyLevel.PROVINCE: "UBND tỉnh, thành phố",
            AgencyLevel.DISTRICT: "UBND huyện (đến 30/6/2025)",
            AgencyLevel.COMMUNE: "UBND xã, phường, đặc khu",
            AgencyLevel.DEPARTMENT: "Sở, ban, ngành",
            AgencyLevel.MINISTRY: "Bộ, cơ quan ngang bộ",
        }[self]


def parse_level(text: str) -> AgencyLevel | None:
    wanted = fold(text)
    for level in AgencyLevel:
        if wanted in (level.value, fold(level.name)):
            return level
    return None


@dataclass(frozen=True)
class Signer:
    """Who signs and in what capacity: ("KT. CHỦ TỊCH",) over "PHÓ CHỦ TỊCH", or the three
    lines of seed 003 ("TL. CHỦ TỊCH", "KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG")."""

    code: str
    name: str
    title: str
    authority: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        return [a.upper() for a in self.authority if a] + [self.title.upper()]


@dataclass(frozen=True)
class LeadDepartment:
    """The department that leads digital transformation for the agency, over a date range."""

    name: str
    valid_from: date | None = None
    valid_to: date | None = None

    def in_force(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )

    @property
    def head(self) -> str:
        """Who heads it, as a decision's "Theo đề nghị của …" names them."""
        for word, head in (("Sở ", "Giám đốc Sở "), ("Phòng ", "Trưởng phòng ")):
            if self.name.startswith(word):
                return head + self.name[len(word) :]
        return f"Thủ trưởng {self.name}"


@dataclass(frozen=True)
class AgencyProfile:
    code: str
    level: AgencyLevel
    name: str
    """As written in a sentence: "Ủy ban nhân dân huyện Hớn Quản" (the letterhead is in caps)."""
    place: str
    symbol: str
    """The agency's part of a number: "UBND" (Số: …/UBND-VX, …/QĐ-UBND)."""
    office_code: str
    """The drafting office: "VX" in "UBND-VX" and in "Lưu: VT, VX"."""
    superior: str = ""
    unit_key: str | None = None
    """The agency's own unit, never listed in its own documents."""
    signers: tuple[Signer, ...] = ()
    leads: tuple[LeadDepartment, ...] = ()
    recipients: tuple[str, ...] = ()
    """Usual "Kính gửi" lines; empty follows the wording of the level and the date."""
    distribution: tuple[str, ...] = ()
    """Usual "Nơi nhận" lines before "Lưu"; empty follows the wording."""

    @property
    def is_committee(self) -> bool:
        return fold(self.name).startswith(fold(COMMITTEE))

    @property
    def short_name(self) -> str:
        """ "UBND huyện Hớn Quản": how a caption or a sentence names the issuer."""
        if self.is_committee:
            return "UBND " + self.name[len(COMMITTEE) :].strip()
        return self.name

    @property
    def locality(self) -> str:
        """ "huyện", "tỉnh", "xã", "phường"…: the word the agency's own area is called by."""
        rest = self.name[len(COMMITTEE) :].strip() if self.is_committee else self.superior
        rest = rest[len(COMMITTEE) :].strip() if fold(rest).startswith(fold(COMMITTEE)) else rest
        folded = fold(rest)
        for word in LOCALITIES:
            if folded.startswith(fold(word) + " "):
                return word
        return ""

    @property
    def letterhead(self) -> list[str]:
        """The agency's lines in the header, in caps: the committee over its place."""
        if self.is_committee:
            return [COMMITTEE.upper(), self.name[len(COMMITTEE) :].strip().upper()]
        return [self.name.upper()]

    def lead_on(self, on: date) -> LeadDepartment | None:
        return next((d for d in self.leads if d.in_force(on)), None)

    def signer(self, code: str | None = None) -> Signer | None:
        if code is None:
            return self.signers[0] if self.signers else None
        return next((s for s in self.signers if fold(s.code) == fold(code)), None)

    def refers_to(self, key: str, name: str) -> bool:
        """Whether a unit of the data is the agency itself (by key, or by name in a file)."""
        if self.unit_key is not None and key == self.unit_key:
            return True
        wanted = {_exact(self.name), _exact(self.short_name)}
        plain = self.short_name.removeprefix("UBND ").strip()
        return _exact(name) in wanted or (self.is_committee and _exact(name) == _exact(plain))


def _exact(text: str) -> str:
    """Case and spacing aside, diacritics kept: "Sơn Hà" is not "Sơn Hạ"."""
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def date_problem(profile: AgencyProfile, on: date) -> str | None:
    """Why the profile cannot issue a document dated `on` (Vietnamese), or None."""
    if profile.level is AgencyLevel.DISTRICT and on >= REFORM_DATE:
        return (
            f"cấp huyện không còn từ {REFORM_DATE:%d/%m/%Y}; văn bản của {profile.short_name} "
            f"phải ghi ngày đến {LEGACY_LAST_DAY:%d/%m/%Y}"
        )
    return None


def problems(profile: AgencyProfile) -> list[tuple[str, str]]:
    """(field, Vietnamese message) for everything wrong with a profile."""
    out: list[tuple[str, str]] = []
    if not _CODE.match(profile.code):
        out.append(("code", "mã hồ sơ chỉ gồm chữ thường không dấu, số, '-', '_' hoặc '.'"))
    for field, value in (("name", profile.name), ("place", profile.place)):
        if not value.strip():
            out.append((field, "không được để trống"))
    if profile.name.strip() and profile.name == profile.name.upper():
        out.append(("name", "ghi chữ thường có dấu như trong câu văn; tiêu đề tự in hoa"))
    for field, value in (("symbol", profile.symbol), ("office_code", profile.office_code)):
        if not re.fullmatch(r"[A-ZĐ0-9&.]{1,20}", value):
            out.append((field, f"ký hiệu '{value}' phải là chữ in hoa, không dấu cách"))
    out += _signer_problems(profile.signers)
    out += _lead_problems(profile.leads)
    return out


def _signer_problems(signers: tuple[Signer, ...]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, s in enumerate(signers, start=1):
        where = f"signers[{i}]"
        if not s.code.strip() or fold(s.code) in seen:
            out.append((where, f"mã người ký '{s.code}' bị trống hoặc trùng"))
        seen.add(fold(s.code))
        if not s.title.strip():
            out.append((where, "thiếu chức vụ người ký"))
        for line in s.authority:
            if not line.upper().startswith(AUTHORITIES):
                allowed = ", ".join(AUTHORITIES)
                out.append((where, f"thẩm quyền '{line}' phải bắt đầu bằng {allowed}"))
    return out


def _lead_problems(leads: tuple[LeadDepartment, ...]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    spans = sorted(leads, key=lambda d: d.valid_from or date.min)
    for i, d in enumerate(spans, start=1):
        if not d.name.strip():
            out.append((f"leads[{i}]", "thiếu tên cơ quan chủ trì"))
        if d.valid_from and d.valid_to and d.valid_to < d.valid_from:
            out.append((f"leads[{i}]", "ngày kết thúc trước ngày bắt đầu"))
    for earlier, later in pairwise(spans):
        if earlier.valid_to is None or (later.valid_from or date.min) <= earlier.valid_to:
            out.append(("leads", f"'{earlier.name}' và '{later.name}' trùng thời gian"))
    return out


def default_leads(level: AgencyLevel, locality: str) -> tuple[LeadDepartment, ...]:
    """The DX lead each level had: the provincial department until the 2025 merger and after
    it, the district's culture-information office, the commune's culture-society office."""
    if level is AgencyLevel.PROVINCE:
        return (
            LeadDepartment(
                "Sở Thông tin và Truyền thông", None, date.fromordinal(MERGER_2025.toordinal() - 1)
            ),
            LeadDepartment("Sở Khoa học và Công nghệ", MERGER_2025),
        )
    if level is AgencyLevel.DISTRICT:
        return (LeadDepartment(f"Phòng Văn hóa và Thông tin {locality}".strip(), None, None),)
    if level is AgencyLevel.COMMUNE:
        return (LeadDepartment("Phòng Văn hóa - Xã hội", REFORM_DATE),)
    return ()


def with_default_leads(profile: AgencyProfile) -> AgencyProfile:
    if profile.leads:
        return profile
    return replace(profile, leads=default_leads(profile.level, profile.locality))
