"""Loads the real administrative units and their 2025 lineage; running it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chiso.domain.access import Actor
from chiso.domain.lineage import classify
from chiso.domain.text import fold
from chiso.domain.units import REFORM_DATE, Scheme, Unit, UnitKind
from chiso.errors import UsageError
from chiso.io import admin_data
from chiso.io.admin_data import AdminUnit
from chiso.services.runtime import Progress, Runtime, no_progress
from chiso.store import audit_repo, units_repo
from chiso.store.db import Session

GROUPS = {
    (Scheme.CURRENT, UnitKind.PROVINCE): ("ubnd-cap-tinh", "UBND cấp tỉnh"),
    (Scheme.LEGACY, UnitKind.PROVINCE): ("ubnd-cap-tinh", "UBND cấp tỉnh"),
    (Scheme.LEGACY, UnitKind.DISTRICT): ("ubnd-cap-huyen", "UBND cấp huyện"),
    (Scheme.CURRENT, UnitKind.COMMUNE): ("ubnd-cap-xa", "UBND cấp xã"),
    (Scheme.LEGACY, UnitKind.COMMUNE): ("ubnd-cap-xa", "UBND cấp xã"),
}
FIELDS = ("code", "scheme", "kind", "subtype", "name", "short_name", "latitude", "longitude")
SCHEMES = ("2025", "legacy", "all")


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: int = 0
    unchanged: int = 0
    memberships: int = 0
    links: int = 0

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or self.updated or self.memberships or self.links)


def search_text(name: str, short_name: str | None, code: str | None) -> str:
    return " | ".join(p for p in (fold(name), fold(short_name or ""), code or "") if p)


def select_units(scheme: str, province: str | None) -> list[AdminUnit]:
    """The units a seed call covers; with "all" and a province, its legacy predecessors too."""
    if scheme not in SCHEMES:
        raise UsageError(
            f"Danh mục '{scheme}' không hợp lệ.",
            f"unknown scheme {scheme!r}",
            hint_vi="dùng --scheme 2025, legacy hoặc all.",
        )
    if province is None:
        picked: list[AdminUnit] = []
        for s in (Scheme.CURRENT, Scheme.LEGACY):
            if scheme in (s.value, "all"):
                picked += admin_data.units_of(s)
        return picked
    if scheme == "legacy":
        return _province_tree(
            Scheme.LEGACY, {admin_data.find_province(Scheme.LEGACY, province).key}
        )
    root = admin_data.find_province(Scheme.CURRENT, province)
    picked = _province_tree(Scheme.CURRENT, {root.key})
    if scheme == "all":
        olds = {t.old for t in admin_data.transfers() if t.new == root.key}
        picked += _province_tree(Scheme.LEGACY, olds)
    return picked


def _province_tree(scheme: Scheme, province_keys: set[str]) -> list[AdminUnit]:
    keep = set(province_keys)
    out = []
    for unit in admin_data.units_of(scheme):
        if unit.key in keep or unit.parent_key in keep:
            keep.add(unit.key)
            out.append(unit)
    return out


def seed(
    rt: Runtime, scheme: str, province: str | None = None, progress: Progress = no_progress
) -> SeedReport:
    units = select_units(scheme, province)
    report = SeedReport()
    with rt.db.transaction() as session:
        ids = _upsert_units(session, units, report, rt.actor, progress)
        report.memberships = _memberships(session, units, ids)
        progress("Liên kết kế thừa", 0, 1)
        report.links = _links(session)
        progress("Liên kết kế thừa", 1, 1)
        if report.changed:
            after = {"created": report.created, "updated": report.updated, "links": report.links}
            audit_repo.record(
                session, rt.actor, "units.seed", "unit", None, None, after, f"scheme={scheme}"
            )
    return report


def _upsert_units(
    session: Session, units: list[AdminUnit], report: SeedReport, actor: Actor, progress: Progress
) -> dict[str, int]:
    existing = units_repo.by_keys(session, [u.key for u in units])
    ids = units_repo.key_ids(session, {u.parent_key for u in units if u.parent_key})
    ids.update({k: u.id for k, u in existing.items()})
    total = len(units)
    done = 0
    for kind in (UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE):
        batch = [u for u in units if u.kind is kind]
        new_rows = [_row(u, ids) for u in batch if u.key not in existing]
        units_repo.insert_units(session, new_rows)
        for u in batch:
            if u.key in existing:
                _update(session, existing[u.key], u, ids, report, actor)
        if new_rows:
            report.created[kind.value] = len(new_rows)
            ids.update(units_repo.key_ids(session, [r["key"] for r in new_rows]))
        done += len(batch)
        progress("Đơn vị hành chính", done, total)
    return ids


def _row(u: AdminUnit, ids: dict[str, int]) -> dict[str, Any]:
    values = {f: getattr(u, f) for f in FIELDS}
    return values | {
        "key": u.key,
        "search_text": search_text(u.name, u.short_name, u.code),
        "parent_id": ids.get(u.parent_key) if u.parent_key else None,
        "valid_from": u.valid_from,
        "valid_to": u.valid_to,
    }


def _update(
    session: Session,
    unit: Unit,
    u: AdminUnit,
    ids: dict[str, int],
    report: SeedReport,
    actor: Actor,
) -> None:
    wanted = {f: getattr(u, f) for f in FIELDS}
    wanted["parent_id"] = ids.get(u.parent_key) if u.parent_key else None
    before = {f: getattr(unit, f) for f in wanted if getattr(unit, f) != wanted[f]}
    if not before:
        report.unchanged += 1
        return
    after = {f: wanted[f] for f in before}
    changes = after | {"search_text": search_text(u.name, u.short_name, u.code)}
    units_repo.update_unit(session, unit.id, changes)
    audit_repo.record(session, actor, "unit.update", "unit", u.key, before, after)
    report.updated += 1


def _memberships(session: Session, units: list[AdminUnit], ids: dict[str, int]) -> int:
    pairs: set[tuple[int, int]] = set()
    group_ids: dict[str, int] = {}
    for u in units:
        code, name = GROUPS[(u.scheme, u.kind)]
        if code not in group_ids:
            group_ids[code] = units_repo.ensure_group(session, code, name).id
        pairs.add((ids[u.key], group_ids[code]))
    return units_repo.add_memberships(session, pairs)


def _links(session: Session) -> int:
    """Links whose two ends are both in the database now (seeding order does not matter)."""
    all_ids = units_repo.key_ids(session)
    present = units_repo.existing_links(session)
    rows = []
    for link in classify(admin_data.transfers()):
        old, new = all_ids.get(link.old), all_ids.get(link.new)
        if old is None or new is None or (old, new) in present:
            continue
        rows.append(
            {
                "predecessor_id": old,
                "successor_id": new,
                "kind": link.kind.value,
                "effective_on": REFORM_DATE,
                "is_primary": link.primary,
            }
        )
        present.add((old, new))
    units_repo.insert_links(session, rows)
    return len(rows)
