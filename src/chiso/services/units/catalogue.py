"""Listing, showing and exporting units, their groups, and following their lineage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from chiso.domain.text import fold, slug
from chiso.domain.units import Group, LinkView, Unit, UnitKind, parse_kind
from chiso.errors import NotFound, UsageError
from chiso.io.units_file import groups_cell
from chiso.io.writers import write_table
from chiso.services.accounts.actors import reached_ids
from chiso.services.runtime import Runtime
from chiso.services.units.resolver import find_unit, ranked
from chiso.store import units_repo
from chiso.store.db import Session

EXPORT_COLUMNS = (
    "code",
    "name",
    "kind",
    "parent_code",
    "groups",
    "subtype",
    "short_name",
    "official_code",
    "valid_from",
    "valid_to",
    "latitude",
    "longitude",
)


@dataclass(frozen=True)
class UnitDetail:
    unit: Unit
    children: int
    predecessors: list[LinkView]
    successors: list[LinkView]


def find_group(session: Session, text: str) -> Group:
    group = units_repo.find_group(session, slug(text), fold(text))
    if group is None:
        names = ", ".join(g.name for g in units_repo.all_groups(session)) or "chưa có nhóm nào"
        raise NotFound(
            f"Không có nhóm đơn vị '{text}'. Các nhóm hiện có: {names}.",
            f"no unit group {text!r}",
        )
    return group


@dataclass(frozen=True)
class ListQuery:
    kind: str | None = None
    parent: str | None = None
    group: str | None = None
    search: str | None = None
    on: date | None = None
    all_dates: bool = False


def list_units(rt: Runtime, q: ListQuery) -> list[Unit]:
    with rt.db.transaction() as session:
        return listed(session, q)


def listed(session: Session, q: ListQuery) -> list[Unit]:
    on = None if q.all_dates else (q.on or date.today())
    kind = None
    if q.kind:
        parsed = parse_kind(q.kind)
        if parsed is None:
            raise UsageError(
                f"Loại đơn vị '{q.kind}' không hợp lệ.",
                f"bad kind {q.kind!r}",
                hint_vi="dùng: " + ", ".join(k.value for k in UnitKind),
            )
        kind = parsed.value
    found = units_repo.UnitFilter(
        kind=kind,
        parent_id=find_unit(session, q.parent, on).id if q.parent else None,
        group_id=find_group(session, q.group).id if q.group else None,
        search=fold(q.search) if q.search else None,
        on=on,
    )
    return units_repo.listed(session, found)


def show_unit(rt: Runtime, text: str, on: date | None = None) -> UnitDetail:
    with rt.db.transaction() as session:
        unit = find_unit(session, text, on)
        return UnitDetail(
            unit,
            units_repo.children_count(session, unit.id),
            units_repo.predecessors(session, [unit.id]),
            successors(session, unit),
        )


def successors(session: Session, unit: Unit) -> list[LinkView]:
    """Where a unit lives on; a district with no link of its own, through its communes."""
    direct = units_repo.successors(session, [unit.id])
    if direct or unit.kind != UnitKind.DISTRICT.value:
        return direct
    through = units_repo.successors(session, units_repo.child_ids(session, unit.id))
    unique = {v.unit.key: v for v in through}
    return [LinkView(v.unit, v.kind, v.is_primary, derived=True) for v in unique.values()]


SEARCH_POOL = 2000
"""A search reads at most this many units whose names hold the typed words, then ranks them."""
SEARCH_SHOWN = 30


@dataclass(frozen=True)
class SearchResult:
    text: str
    """What was searched for; empty when too short to search."""
    units: list[Unit]
    """Best first (`resolver.ranked`), only units the person reaches."""
    more: bool
    """More units matched than are shown: the person should type more of the name."""
    today: date


def search_units(rt: Runtime, text: str, shown: int = SEARCH_SHOWN) -> SearchResult:
    """The units a search box finds ("son ha" finds Xã Sơn Hà and Xã Sơn Hạ, the one typed
    with its diacritics first), old-scheme units included; a reporter finds only the units of
    their scope."""
    today = date.today()
    text = text.strip()[:200]
    if len(fold(text)) < 2:
        return SearchResult("", [], False, today)
    with rt.db.transaction() as session:
        pool = units_repo.candidates(session, [text], SEARCH_POOL)
        scope = reached_ids(session, rt.actor)
        found: list[Unit] = []
        for unit in ranked(text, pool, today):
            if scope is None or unit.id in scope:
                found.append(unit)
                if len(found) > shown:
                    break
    return SearchResult(text, found[:shown], len(found) > shown, today)


def export_units(rt: Runtime, path: Path, q: ListQuery) -> int:
    rows = [
        [
            u.key,
            u.name,
            u.kind,
            u.parent_key or "",
            groups_cell(u.groups),
            u.subtype or "",
            u.short_name or "",
            u.code or "",
            u.valid_from or "",
            u.valid_to or "",
            u.latitude,
            u.longitude,
        ]
        for u in list_units(rt, q)
    ]
    return write_table(path, EXPORT_COLUMNS, rows, sheet="Đơn vị")


def list_groups(rt: Runtime) -> list[Group]:
    with rt.db.transaction() as session:
        return units_repo.all_groups(session)


def coordinates(rt: Runtime, keys: list[str]) -> dict[str, tuple[float, float]]:
    """Latitude and longitude of units that have them (departments take their province's)."""
    with rt.db.transaction() as session:
        return units_repo.coordinates(session, keys)


def lineage_ids(rt: Runtime, unit_id: int) -> list[int]:
    """The unit's id and its ancestors' ids, for scope checks."""
    with rt.db.transaction() as session:
        return units_repo.lineage_ids(session, unit_id)
