"""Agency profiles: list, show, save (checked and audited), remove, and a profile made from a
stored unit (the seeded province, a commune, a district of the old scheme). Every document is
made for one of them; without one chiso refuses and says how to create it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from chiso.documents import agency_file
from chiso.domain.agency import (
    AgencyLevel,
    AgencyProfile,
    Signer,
    date_problem,
    problems,
    with_default_leads,
)
from chiso.domain.text import fold
from chiso.domain.units import Unit, UnitKind, split_admin
from chiso.errors import NotFound, RejectedInput, UsageError
from chiso.services.runtime import Runtime
from chiso.services.units.resolver import find_unit
from chiso.store import agency_repo, audit_repo, units_repo

HOW_TO = (
    "tạo hồ sơ cơ quan ban hành: `chiso agency from-unit MÃ_ĐƠN_VỊ` (ví dụ mã tỉnh 75), "
    "`chiso agency import ho-so.yaml`, hoặc trang Quản trị › Cơ quan ban hành"
)
OFFICE = {AgencyLevel.PROVINCE: "KGVX", AgencyLevel.DISTRICT: "VX", AgencyLevel.COMMUNE: "VHXH"}
"""The drafting office usually named in the symbol; the Văn phòng corrects it on the profile."""
LEVELS = {
    UnitKind.PROVINCE.value: AgencyLevel.PROVINCE,
    UnitKind.DISTRICT.value: AgencyLevel.DISTRICT,
    UnitKind.COMMUNE.value: AgencyLevel.COMMUNE,
    UnitKind.DEPARTMENT.value: AgencyLevel.DEPARTMENT,
    UnitKind.MINISTRY.value: AgencyLevel.MINISTRY,
}


def list_profiles(rt: Runtime) -> list[AgencyProfile]:
    with rt.db.transaction() as session:
        return agency_repo.profiles(session)


def get(rt: Runtime, code: str) -> AgencyProfile:
    with rt.db.transaction() as session:
        found = agency_repo.profile(session, code)
        known = [p.code for p in agency_repo.profiles(session)]
    if found is None:
        raise NotFound(
            f"Không có hồ sơ cơ quan ban hành '{code}'"
            + (f" (đang có: {', '.join(known)})." if known else "."),
            f"no agency profile {code!r}",
            hint_vi=None if known else HOW_TO,
        )
    return found


def for_document(rt: Runtime, code: str | None, on: date) -> AgencyProfile:
    """The profile a document is made for: the one named, or the only one there is; never a
    default agency."""
    if code:
        profile = get(rt, code)
    else:
        found = list_profiles(rt)
        if not found:
            raise UsageError(
                "Chưa có hồ sơ cơ quan ban hành nên chưa lập được văn bản.",
                "no agency profile",
                hint_vi=HOW_TO,
            )
        if len(found) > 1:
            raise UsageError(
                "Có nhiều hồ sơ cơ quan ban hành; hãy chọn một: "
                + ", ".join(f"{p.code} ({p.short_name})" for p in found)
                + ".",
                "several agency profiles",
                hint_vi="ghi agency: MÃ trong tệp văn bản hoặc --agency MÃ.",
            )
        profile = found[0]
    problem = date_problem(profile, on)
    if problem:
        raise UsageError(
            f"Hồ sơ {profile.code}: {problem}.", "agency level not in force on the date"
        )
    return profile


def save(rt: Runtime, profile: AgencyProfile, source: str | None = None) -> bool:
    """Checked, stored and audited; True when it is new."""
    profile = with_default_leads(profile)
    wrong = problems(profile)
    if wrong:
        raise RejectedInput(
            f"Hồ sơ cơ quan {profile.code} chưa hợp lệ: "
            + "; ".join(f"{k}: {m}" for k, m in wrong)
            + ".",
            f"bad agency profile {profile.code}",
        )
    with rt.db.transaction() as session:
        before = agency_repo.profile(session, profile.code)
        if before == profile:
            return False
        if profile.unit_key is not None and not units_repo.by_keys(session, [profile.unit_key]):
            raise RejectedInput(
                f"Hồ sơ {profile.code}: không có đơn vị mã '{profile.unit_key}'.",
                "agency unit not found",
                hint_vi="xem mã đơn vị bằng `chiso units show TÊN`.",
            )
        agency_repo.save(session, profile, rt.actor)
        audit_repo.record(
            session,
            rt.actor,
            "agency.create" if before is None else "agency.update",
            "agency",
            profile.code,
            None if before is None else _audited(before),
            _audited(profile),
            source,
        )
    return before is None


def _audited(p: AgencyProfile) -> dict[str, object]:
    return agency_repo.columns(p) | agency_repo.details(p)


def as_yaml(profile: AgencyProfile) -> str:
    return agency_file.dump(profile)


def import_file(rt: Runtime, text: str, source: str) -> AgencyProfile:
    profile = agency_file.parse(text, source)
    save(rt, profile, source)
    return profile


def remove(rt: Runtime, code: str) -> None:
    with rt.db.transaction() as session:
        before = agency_repo.profile(session, code)
        if before is None or not agency_repo.remove(session, code):
            raise NotFound(f"Không có hồ sơ cơ quan ban hành '{code}'.", f"no agency {code!r}")
        audit_repo.record(session, rt.actor, "agency.remove", "agency", code, _audited(before))


def from_unit(rt: Runtime, ref: str, code: str | None = None) -> AgencyProfile:
    """A profile for a stored unit: its committee's name, its place, its superior, the lead
    departments its level had over time, and the usual signer (name left for the office)."""
    with rt.db.transaction() as session:
        unit = find_unit(session, ref)
        parent = (
            units_repo.by_ids(session, [unit.parent_id]).get(unit.parent_id)
            if unit.parent_id
            else None
        )
    profile = profile_of(unit, parent, code)
    save(rt, profile, f"unit {unit.key}")
    return profile


def profile_of(unit: Unit, parent: Unit | None, code: str | None = None) -> AgencyProfile:
    level = LEVELS.get(unit.kind)
    if level is None:
        raise UsageError(
            f"{unit.name} ({unit.key}) không phải cơ quan ban hành văn bản (tỉnh, huyện, xã, sở, bộ).",
            "unit kind cannot issue",
        )
    word, place = split_admin(unit.name)
    administrative = level in (AgencyLevel.PROVINCE, AgencyLevel.DISTRICT, AgencyLevel.COMMUNE)
    name = f"Ủy ban nhân dân {word} {place}".replace("  ", " ") if administrative else unit.name
    superior = ""
    if parent is not None and level is not AgencyLevel.PROVINCE:
        p_word, p_place = split_admin(parent.name)
        superior = f"Ủy ban nhân dân {p_word} {p_place}".replace("  ", " ")
    profile = AgencyProfile(
        code=code or _code(level, place if administrative else unit.name),
        level=level,
        name=name,
        place=place if administrative else (split_admin(parent.name)[1] if parent else place),
        symbol="UBND" if administrative else _initials(unit.name),
        office_code=OFFICE.get(level, "VP"),
        superior=superior if level is not AgencyLevel.COMMUNE or parent else "",
        unit_key=unit.key,
        signers=(_usual_signer(level),),
    )
    return with_default_leads(profile)


def _usual_signer(level: AgencyLevel) -> Signer:
    if level is AgencyLevel.DEPARTMENT:
        return Signer("pgd", "", "Phó Giám đốc", ("KT. Giám đốc",))
    if level is AgencyLevel.MINISTRY:
        return Signer("tt", "", "Thứ trưởng", ("KT. Bộ trưởng",))
    return Signer("pct", "", "Phó Chủ tịch", ("KT. Chủ tịch",))


def _code(level: AgencyLevel, place: str) -> str:
    slug = "-".join(fold(place).replace(".", " ").split())
    return f"ubnd-{level.value}-{slug}" if level.value in ("tinh", "huyen", "xa") else slug


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[:1].isalpha()).upper()[:10] or "CQ"


def with_signer(profile: AgencyProfile, signer: Signer) -> AgencyProfile:
    others = tuple(s for s in profile.signers if fold(s.code) != fold(signer.code))
    return replace(profile, signers=(signer, *others))
