"""Registries the directives ask units to keep: the steering committee for digital
transformation (who chairs it) and the community digital-technology teams of each village. Each
file replaces the roster of the units it names; both feed indicators (seed 003: committee chaired
by the chairman, teams in every village)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from chiso.domain.frameworks import InputKind, Node
from chiso.domain.scoring import Value
from chiso.domain.text import fold
from chiso.errors import ProblemList, UsageError
from chiso.io.tables import first_nonempty, read_table, reject
from chiso.services.periods import parse_period
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.services.units.resolver import look_up_unit, resolver_for
from chiso.services.values.changes import ImportReport, Matched, apply_values
from chiso.services.values.reporting import covered_units
from chiso.store import audit_repo, registries_repo, units_repo
from chiso.store.db import Session
from chiso.store.registries_repo import Member, Teams

ALIASES = {
    "don_vi": "unit",
    "xa": "unit",
    "xa_phuong": "unit",
    "ten_don_vi": "unit",
    "ho_ten": "person",
    "ho_va_ten": "person",
    "thanh_vien": "person",
    "chuc_vu": "position",
    "vai_tro": "role",
    "chuc_danh_trong_ban": "role",
    "vai_tro_trong_ban": "role",
    "thon": "village",
    "thon_ap": "village",
    "thon_to_dan_pho": "village",
    "ap": "village",
}


@dataclass
class RegistryReport:
    source: str
    units: int = 0
    rows: int = 0
    changed: int = 0


Rows = list[tuple[str, dict[str, str]]]


def _sheet(path: Path, required: tuple[str, ...], hint: str) -> Rows:
    sheet = first_nonempty(read_table(path, ALIASES))
    missing = [c for c in required if c not in sheet.header]
    if missing:
        raise reject(path, f"thiếu cột {', '.join(missing)}.", f"missing columns {missing}", hint)
    return [(sheet.where(r.number), {c: r.text(c) for c in sheet.header}) for r in sheet.rows]


def _match_units(session: Session, rows: Rows, problems: ProblemList) -> dict[str, int]:
    resolver = resolver_for(session, [row["unit"] for _, row in rows if row["unit"]])
    ids: dict[str, int] = {}
    for where, row in rows:
        name = row["unit"]
        if not name:
            problems.add(where, "thiếu tên đơn vị", "unit missing")
            continue
        if name not in ids:
            found, reason = resolver.match(name, date.today())
            if found is None:
                problems.add(where, reason or f"không thấy '{name}'", "unknown unit")
                continue
            ids[name] = found.id
    return ids


def import_committee(rt: Runtime, path: Path) -> RegistryReport:
    columns = ("unit", "person", "position", "role")
    rows = _sheet(path, columns, "dòng tiêu đề cần: Đơn vị, Họ tên, Chức vụ, Vai trò trong Ban")
    report = RegistryReport(path.name, rows=len(rows))
    problems = ProblemList()
    for where, row in rows:
        if row.get("unit") and (not row["person"] or not row["role"]):
            problems.add(where, "thiếu họ tên hoặc vai trò trong Ban", "person or role missing")
    with rt.db.transaction() as session:
        ids = _match_units(session, rows, problems)
        problems.raise_if_any(path.name)
        by_unit: dict[int, list[Member]] = defaultdict(list)
        for _, row in rows:
            by_unit[ids[row["unit"]]].append((row["person"], row["position"], row["role"]))
        for unit_id, members in by_unit.items():
            report.changed += _replace_committee(session, rt, unit_id, members, path.name)
        report.units = len(by_unit)
    return report


def _replace_committee(
    session: Session, rt: Runtime, unit_id: int, members: list[Member], source: str
) -> int:
    current = registries_repo.committee_of(session, unit_id)
    if current == members:
        return 0
    registries_repo.replace_committee(session, unit_id, members)
    key = units_repo.by_ids(session, [unit_id])[unit_id].key
    before, after = {"members": [list(m) for m in current]}, {"members": [list(m) for m in members]}
    audit_repo.record(
        session, rt.actor, "registry.committee", "committee", key, before, after, source
    )
    return 1


def import_teams(rt: Runtime, path: Path) -> RegistryReport:
    """One row per member; a village listed without a member has no team yet."""
    rows = _sheet(path, ("unit", "village"), "dòng tiêu đề cần: Xã, Thôn, Họ tên, Vai trò")
    report = RegistryReport(path.name, rows=len(rows))
    problems = ProblemList()
    for where, row in rows:
        if row.get("unit") and not row["village"]:
            problems.add(where, "thiếu tên thôn, ấp, tổ dân phố", "village missing")
    with rt.db.transaction() as session:
        ids = _match_units(session, rows, problems)
        problems.raise_if_any(path.name)
        wanted: dict[int, Teams] = defaultdict(lambda: defaultdict(list))
        for _, row in rows:
            village = wanted[ids[row["unit"]]][row["village"]]
            if row.get("person"):
                village.append((row["person"], row.get("role") or "Thành viên"))
        for unit_id, villages in wanted.items():
            report.changed += _replace_teams(session, rt, unit_id, dict(villages), path.name)
        report.units = len(wanted)
    return report


def _replace_teams(
    session: Session, rt: Runtime, unit_id: int, villages: Teams, source: str
) -> int:
    current = registries_repo.teams_of(session, unit_id)
    if current == villages:
        return 0
    registries_repo.replace_teams(session, unit_id, villages)
    key = units_repo.by_ids(session, [unit_id])[unit_id].key
    after = {"villages": len(villages), "with_team": sum(1 for m in villages.values() if m)}
    before = {"villages": len(current)}
    audit_repo.record(session, rt.actor, "registry.teams", "teams", key, before, after, source)
    return 1


CHAIR_LABELS = {
    "chu-tich": "Chủ tịch làm Trưởng Ban",
    "pho-chu-tich": "Phó Chủ tịch làm Trưởng Ban",
    "khac": "Trưởng Ban không phải lãnh đạo UBND",
    "chua-co": "Chưa có Ban Chỉ đạo",
}


@dataclass(frozen=True)
class Registry:
    unit_name: str
    committee: list[Member]
    teams: Teams

    @property
    def chair(self) -> str:
        return CHAIR_LABELS[chair_category(self.committee)]

    @property
    def villages_with_team(self) -> int:
        return sum(1 for members in self.teams.values() if members)


def registry(rt: Runtime, unit: str) -> Registry:
    target = look_up_unit(rt, unit)
    with rt.db.transaction() as session:
        committee = registries_repo.committee_of(session, target.id)
        return Registry(target.name, committee, registries_repo.teams_of(session, target.id))


def chair_category(committee: list[Member]) -> str:
    """chu-tich when the head of the committee is the chairman, pho-chu-tich for a vice
    chairman, khac for anyone else, chua-co without a committee."""
    if not committee:
        return "chua-co"
    heads = [position for _, position, role in committee if fold(role).startswith("truong ban")]
    if not heads:
        return "khac"
    position = fold(heads[0])
    if position.startswith("pho chu tich"):
        return "pho-chu-tich"
    return "chu-tich" if position.startswith("chu tich") else "khac"


def store_values(
    rt: Runtime,
    framework: str,
    period: str,
    chair_indicator: str | None,
    teams_indicator: str | None,
) -> ImportReport:
    """The registry-based indicators of every unit the framework covers, stored as computed
    values (a unit with no villages listed gets no team rate)."""
    chosen, when = frameworks.get(rt, framework), parse_period(period)
    nodes = {
        code: _node(chosen.node(code), code, chosen.id)
        for code in (chair_indicator, teams_indicator)
        if code
    }
    report = ImportReport(f"sổ đăng ký {when}", chosen.id)
    with rt.db.transaction(write=True) as session:
        matched = []
        for unit, _ in covered_units(session, chosen, when):
            if chair_indicator:
                members = registries_repo.committee_of(session, unit.id)
                value = _chair_value(nodes[chair_indicator], chair_category(members))
                if value is not None:
                    matched.append(
                        Matched(unit.id, unit.key, unit.name, when, chair_indicator, value)
                    )
            teams = registries_repo.teams_of(session, unit.id) if teams_indicator else {}
            if teams_indicator and teams:
                covered = sum(1 for m in teams.values() if m)
                value = Value(numerator=float(covered), denominator=float(len(teams)))
                matched.append(Matched(unit.id, unit.key, unit.name, when, teams_indicator, value))
        report.rows = len(matched)
        apply_values(
            session, rt.actor, chosen, matched, f"sổ đăng ký chiso, {when}", "registry", report
        )
    return report


def _node(node: Node | None, code: str, framework: str) -> Node:
    if node is None or not node.is_leaf:
        raise UsageError(f"Bộ chỉ số {framework} không có chỉ số lá {code}.", f"no leaf {code}")
    return node


def _chair_value(node: Node, category: str) -> Value | None:
    if node.input is InputKind.YES_NO:
        return Value(number=1.0 if category == "chu-tich" else 0.0)
    if node.input is InputKind.CATEGORY:
        found = node.category(category)
        return Value(text=found.code) if found else None
    raise UsageError(
        f"Chỉ số {node.code} phải là có/không hoặc lựa chọn để nhận kết quả Ban Chỉ đạo.",
        "chair indicator must be yes/no or category",
    )
