"""Imports the departments and offices a province defines itself, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from chiso.domain.text import fold, slug
from chiso.errors import ChisoError, ProblemList
from chiso.io.units_file import UnitRow, read_units_file
from chiso.services.runtime import Runtime
from chiso.services.units.catalogue import resolve
from chiso.services.units.seed import search_text
from chiso.store import units_repo as repo
from chiso.store.models import Unit, UnitGroup

EDITABLE = (
    "name",
    "kind",
    "subtype",
    "short_name",
    "valid_from",
    "valid_to",
    "latitude",
    "longitude",
)


@dataclass
class ImportReport:
    source: str
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0
    dry_run: bool = False


def import_units(rt: Runtime, path: Path, dry_run: bool = False) -> ImportReport:
    rows, problems = read_units_file(path)
    report = ImportReport(path.name, dry_run=dry_run)
    with rt.db.transaction(commit=not dry_run) as session:
        existing = repo.units_by_key(session, [r.code for r in rows])
        parents = _resolve_parents(session, rows, problems)
        _check_kinds(rows, existing, problems)
        _check_cycles(rows, parents, existing, problems)
        problems.raise_if_any(path.name)
        groups = _GroupCache(session)
        for row in _parents_first(rows):
            _apply(session, rt.actor, row, existing, parents, groups, report)
    return report


def _resolve_parents(
    session: Session, rows: list[UnitRow], problems: ProblemList
) -> dict[str, str | int | None]:
    """Parent of each row: the code of another row of the file, or the id of a stored unit."""
    in_file = {r.code for r in rows}
    out: dict[str, str | int | None] = {}
    for r in rows:
        if r.parent_code is None:
            out[r.code] = None
        elif r.parent_code in in_file:
            out[r.code] = r.parent_code
        else:
            try:
                out[r.code] = resolve(session, r.parent_code).id
            except ChisoError as exc:
                problems.add(
                    f"{r.where}, cột parent_code",
                    f"đơn vị cấp trên '{r.parent_code}' không tồn tại hoặc không rõ ({exc.message_vi})",
                    f"unknown parent {r.parent_code!r}",
                )
    return out


def _check_kinds(rows: list[UnitRow], existing: dict[str, Unit], problems: ProblemList) -> None:
    for r in rows:
        unit = existing.get(r.code)
        if unit is None and ":" in r.code:
            problems.add(
                f"{r.where}, cột code",
                f"không có đơn vị hành chính {r.code}; mã tự đặt không được chứa dấu ':' "
                "(dành cho mã 2025:… và legacy:…)",
                "':' is reserved for administrative keys",
            )
        if unit is not None and unit.scheme and unit.kind != r.kind.value:
            problems.add(
                f"{r.where}, cột kind",
                f"không đổi được loại của đơn vị hành chính {unit.key} ({unit.kind} → {r.kind.value})",
                "cannot change the kind of an administrative unit",
            )


def _check_cycles(
    rows: list[UnitRow],
    parents: dict[str, str | int | None],
    existing: dict[str, Unit],
    problems: ProblemList,
) -> None:
    ids = {u.id: code for code, u in existing.items()}
    for r in rows:
        seen = {r.code}
        step = parents.get(r.code)
        while step is not None:
            code = step if isinstance(step, str) else ids.get(step)
            if code is None:
                break
            if code in seen:
                problems.add(
                    f"{r.where}, cột parent_code",
                    "quan hệ cấp trên tạo thành vòng lặp",
                    "parent cycle",
                )
                break
            seen.add(code)
            step = parents.get(code)


def _parents_first(rows: list[UnitRow]) -> list[UnitRow]:
    by_code = {r.code: r for r in rows}

    def depth(r: UnitRow) -> int:
        d, p = 0, r.parent_code
        while p in by_code and d < len(rows):
            d, p = d + 1, by_code[p].parent_code
        return d

    return sorted(rows, key=depth)


class _GroupCache:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache: dict[str, UnitGroup] = {}

    def get(self, text: str) -> UnitGroup:
        code = slug(text)
        if code not in self.cache:
            group = repo.find_group(self.session, code, fold(text))
            self.cache[code] = group or repo.ensure_group(self.session, code, text)
        return self.cache[code]


def _apply(
    session: Session,
    actor: str,
    row: UnitRow,
    existing: dict[str, Unit],
    parents: dict[str, str | int | None],
    groups: _GroupCache,
    report: ImportReport,
) -> None:
    parent = parents[row.code]
    parent_id = existing[parent].id if isinstance(parent, str) else parent
    wanted: dict[str, Any] = {f: _value(row, f) for f in EDITABLE} | {"parent_id": parent_id}
    unit = existing.get(row.code)
    if unit is None:
        unit = Unit(key=row.code, code=row.official_code or row.code, **wanted)
        unit.search_text = search_text(row.name, row.short_name, unit.code)
        session.add(unit)
        existing[row.code] = unit
        report.created.append(row.code)
        before: dict[str, Any] = {}
    else:
        before = {f: getattr(unit, f) for f in wanted if getattr(unit, f) != wanted[f]}
        for f in before:
            setattr(unit, f, wanted[f])
        unit.search_text = search_text(unit.name, unit.short_name, unit.code)
    if row.groups is not None:
        new_groups = [groups.get(g) for g in row.groups]
        if {g.code for g in unit.groups} != {g.code for g in new_groups}:
            before["groups"] = [g.name for g in unit.groups]
            unit.groups = new_groups
    session.flush()
    _record(session, actor, row, unit, before, report)


def _value(row: UnitRow, name: str) -> Any:
    value = getattr(row, name)
    return value.value if name == "kind" else value


def _record(
    session: Session,
    actor: str,
    row: UnitRow,
    unit: Unit,
    before: dict[str, Any],
    report: ImportReport,
) -> None:
    source = row.where.split(",")[0]
    if row.code in report.created:
        after: dict[str, Any] = {"name": unit.name, "kind": unit.kind, "parent_id": unit.parent_id}
        repo.audit(session, actor, "unit.create", "unit", unit.key, None, after, source)
    elif before:
        after = {
            f: getattr(unit, f) if f != "groups" else [g.name for g in unit.groups] for f in before
        }
        repo.audit(
            session,
            actor,
            "unit.update",
            "unit",
            unit.key,
            _jsonable(before),
            _jsonable(after),
            source,
        )
        report.updated[unit.key] = sorted(before)
    else:
        report.unchanged += 1


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}
