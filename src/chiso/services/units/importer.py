"""Imports the departments and offices a province defines itself, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from chiso.domain.access import Actor
from chiso.domain.text import fold, slug
from chiso.domain.units import Group, Unit
from chiso.errors import ProblemList
from chiso.io.bounded import run as run_bounded
from chiso.io.units_file import UnitRow, read_units_file
from chiso.io.values import parse_mark
from chiso.services.runtime import Runtime
from chiso.services.units.resolver import resolver_for
from chiso.services.units.seed import search_text
from chiso.store import audit_repo, units_repo
from chiso.store.db import Session

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
class UnitImportReport:
    source: str
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0
    dry_run: bool = False


Parent = str | int | None
"""The code of another row of the file, the id of a stored unit, or no parent."""


def import_units(
    rt: Runtime,
    path: Path,
    dry_run: bool = False,
    decimal: str | None = None,
    bounded: bool = False,
) -> UnitImportReport:
    """`decimal` is the file's decimal mark (coordinates) when the person importing says it.
    With `bounded` (an upload to the web server) the file is read in a child process within
    CHISO_WORK_SECONDS and CHISO_WORK_MEMORY_MB, as a values upload is."""
    mark = parse_mark(decimal)
    if bounded:
        limits = rt.settings.work_seconds, rt.settings.work_memory_mb
        read = partial(read_units_file, path, mark)
        rows, problems = run_bounded(read, f"Tệp {path.name}", *limits)
    else:
        rows, problems = read_units_file(path, mark)
    report = UnitImportReport(path.name, dry_run=dry_run)
    with rt.db.transaction(commit=not dry_run) as session:
        existing = units_repo.by_keys(session, [r.code for r in rows])
        parents = _parents(session, rows, problems)
        _check_kinds(rows, existing, problems)
        _check_cycles(rows, parents, existing, problems)
        problems.raise_if_any(path.name)
        writer = _Writer(session, rt.actor, existing, parents, report)
        for row in _parents_first(rows):
            writer.apply(row)
    return report


def _parents(session: Session, rows: list[UnitRow], problems: ProblemList) -> dict[str, Parent]:
    in_file = {r.code for r in rows}
    stored = [r.parent_code for r in rows if r.parent_code and r.parent_code not in in_file]
    resolver = resolver_for(session, stored)
    out: dict[str, Parent] = {}
    for r in rows:
        if r.parent_code is None or r.parent_code in in_file:
            out[r.code] = r.parent_code
            continue
        found, reason = resolver.match(r.parent_code, date.today())
        if found is None:
            problems.add(
                f"{r.where}, cột parent_code",
                f"đơn vị cấp trên '{r.parent_code}' không tồn tại hoặc không rõ ({reason})",
                f"unknown parent {r.parent_code!r}",
            )
        out[r.code] = found.id if found else None
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
    parents: dict[str, Parent],
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


class _Writer:
    """Stores the checked rows, parents first, auditing each change."""

    def __init__(
        self,
        session: Session,
        actor: Actor,
        existing: dict[str, Unit],
        parents: dict[str, Parent],
        report: UnitImportReport,
    ) -> None:
        self.session, self.actor, self.existing = session, actor, existing
        self.parents, self.report = parents, report
        self.ids = {code: u.id for code, u in existing.items()}
        self.groups: dict[str, Group] = {}

    def apply(self, row: UnitRow) -> None:
        parent = self.parents[row.code]
        parent_id = self.ids[parent] if isinstance(parent, str) else parent
        wanted = {f: _value(row, f) for f in EDITABLE} | {"parent_id": parent_id}
        groups = [self._group(g) for g in row.groups] if row.groups is not None else None
        unit = self.existing.get(row.code)
        if unit is None:
            self._create(row, wanted, groups)
        else:
            self._update(row, unit, wanted, groups)

    def _group(self, text: str) -> Group:
        code = slug(text)
        if code not in self.groups:
            found = units_repo.find_group(self.session, code, fold(text))
            self.groups[code] = found or units_repo.ensure_group(self.session, code, text)
        return self.groups[code]

    def _create(self, row: UnitRow, wanted: dict[str, Any], groups: list[Group] | None) -> None:
        code = row.official_code or row.code
        fields = wanted | {"key": row.code, "code": code}
        fields["search_text"] = search_text(row.name, row.short_name, code)
        unit_id = units_repo.add_unit(self.session, fields)
        self.ids[row.code] = unit_id
        if groups is not None:
            units_repo.set_groups(self.session, unit_id, [g.id for g in groups])
        after = {"name": row.name, "kind": wanted["kind"], "parent_id": wanted["parent_id"]}
        audit_repo.record(
            self.session, self.actor, "unit.create", "unit", row.code, None, after, _source(row)
        )
        self.report.created.append(row.code)

    def _update(
        self, row: UnitRow, unit: Unit, wanted: dict[str, Any], groups: list[Group] | None
    ) -> None:
        before = {f: getattr(unit, f) for f in wanted if getattr(unit, f) != wanted[f]}
        after = {f: wanted[f] for f in before}
        if before:
            name = after.get("name", unit.name)
            short = after.get("short_name", unit.short_name)
            changes = after | {"search_text": search_text(name, short, unit.code)}
            units_repo.update_unit(self.session, unit.id, changes)
        if groups is not None and set(unit.group_codes) != {g.code for g in groups}:
            before["groups"], after["groups"] = list(unit.groups), [g.name for g in groups]
            units_repo.set_groups(self.session, unit.id, [g.id for g in groups])
        if not before:
            self.report.unchanged += 1
            return
        audit_repo.record(
            self.session,
            self.actor,
            "unit.update",
            "unit",
            unit.key,
            _jsonable(before),
            _jsonable(after),
            _source(row),
        )
        self.report.updated[unit.key] = sorted(before)


def _value(row: UnitRow, name: str) -> Any:
    value = getattr(row, name)
    return value.value if name == "kind" else value


def _source(row: UnitRow) -> str:
    return row.where.split(",")[0]


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}
