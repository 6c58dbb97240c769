"""Finding, listing, showing and exporting units, and following their lineage."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from chiso.domain.lineage import LinkKind
from chiso.domain.text import fold, name_key, slug
from chiso.domain.units import SUBTYPE_LABELS, UnitKind, UnitRef, in_force, parse_kind
from chiso.errors import Ambiguous, NotFound, UsageError
from chiso.io.writers import write_table
from chiso.services.runtime import Runtime
from chiso.store import units_repo as repo
from chiso.store.models import Unit, UnitGroup, UnitLink

EXPORT_COLUMNS = (
    "code", "name", "kind", "parent_code", "groups", "subtype", "short_name",
    "official_code", "valid_from", "valid_to", "latitude", "longitude",
)  # fmt: skip


@dataclass(frozen=True)
class UnitView:
    key: str
    code: str | None
    name: str
    short_name: str | None
    kind: str
    subtype: str | None
    parent_key: str | None
    parent_name: str | None
    groups: tuple[str, ...]
    valid_from: date | None
    valid_to: date | None
    latitude: float | None
    longitude: float | None

    @classmethod
    def of(cls, u: Unit) -> UnitView:
        parent = u.parent
        return cls(
            u.key, u.code, u.name, u.short_name, u.kind, u.subtype,
            parent.key if parent else None, parent.name if parent else None,
            tuple(g.name for g in u.groups), u.valid_from, u.valid_to, u.latitude, u.longitude,
        )  # fmt: skip

    @property
    def kind_label(self) -> str:
        if self.subtype:
            return SUBTYPE_LABELS.get(self.subtype, self.subtype)
        return UnitKind(self.kind).label_vi


@dataclass(frozen=True)
class LinkView:
    unit: UnitView
    kind: LinkKind
    is_primary: bool
    derived: bool = False


@dataclass(frozen=True)
class UnitDetail:
    unit: UnitView
    children: int
    predecessors: list[LinkView]
    successors: list[LinkView]


def resolve(session: Session, text: str, on: date | None = None) -> Unit:
    """A unit from a key ("legacy:75"), an official or local code ("75"), or a name.

    A code or name shared by a legacy and a current unit is settled by the date: the unit in
    force on `on` (today by default) wins, so "75" in a 2023 file is the old Đồng Nai.
    """
    ref = UnitRef.parse(text)
    unit = repo.by_key(session, ref.text) or (
        repo.by_key(session, f"{ref.scheme.value}:{ref.code}") if ref.scheme else None
    )
    if unit is not None:
        return unit
    if ref.scheme is None:
        candidates = repo.by_code(session, ref.code) or _by_name(session, ref.code)
        if candidates:
            return _pick(candidates, text, on or date.today())
    raise NotFound(
        f"Không tìm thấy đơn vị '{text}'.{_suggest(session, text)}",
        f"no unit matches {text!r}",
        hint_vi="ghi mã (ví dụ 75, legacy:75) hoặc tên đơn vị; tìm bằng `chiso units list --search`.",
    )


def _by_name(session: Session, text: str) -> list[Unit]:
    """Exact full names first ("Huyện Lý Sơn" is not "Đặc khu Lý Sơn"), then the bare name."""
    core = name_key(text)
    if not core:
        return []
    found = repo.by_search(session, core)
    exact = [u for u in found if fold(u.name) == fold(text)]
    return exact or [u for u in found if core in (name_key(u.name), name_key(u.short_name or ""))]


def _pick(candidates: list[Unit], text: str, on: date) -> Unit:
    if len(candidates) == 1:
        return candidates[0]
    current = [u for u in candidates if in_force(u.valid_from, u.valid_to, on)]
    if len(current) == 1:
        return current[0]
    listed = "; ".join(f"{u.key} ({u.name})" for u in candidates[:8])
    raise Ambiguous(
        f"'{text}' ứng với nhiều đơn vị: {listed}.",
        f"{text!r} is ambiguous",
        hint_vi="ghi mã đầy đủ, ví dụ legacy:75 hoặc 2025:75.",
    )


def _suggest(session: Session, text: str) -> str:
    core = name_key(text)
    if len(core) < 3:
        return ""
    pool = {
        name_key(u.name): u.name for u in repo.by_search(session, core[: max(3, len(core) // 2)])
    }
    close = difflib.get_close_matches(core, list(pool), n=3, cutoff=0.75)
    return f" Có phải: {', '.join(pool[c] for c in close)}?" if close else ""


def resolve_group(session: Session, text: str) -> UnitGroup:
    group = repo.find_group(session, slug(text), fold(text))
    if group is None:
        names = ", ".join(g.name for g, _ in repo.all_groups(session)) or "chưa có nhóm nào"
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


def list_units(rt: Runtime, q: ListQuery) -> list[UnitView]:
    with rt.db.transaction() as session:
        return [UnitView.of(u) for u in repo.query_units(session, to_filter(session, q))]


def to_filter(session: Session, q: ListQuery) -> repo.UnitFilter:
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
    return repo.UnitFilter(
        kind=kind,
        parent_id=resolve(session, q.parent, on).id if q.parent else None,
        group_id=resolve_group(session, q.group).id if q.group else None,
        search=fold(q.search) if q.search else None,
        on=on,
    )


def show_unit(rt: Runtime, text: str, on: date | None = None) -> UnitDetail:
    with rt.db.transaction() as session:
        unit = resolve(session, text, on)
        return UnitDetail(
            UnitView.of(unit),
            repo.children_count(session, unit.id),
            _views(repo.links_to(session, [unit.id]), "predecessor"),
            successors(session, unit),
        )


def successors(session: Session, unit: Unit) -> list[LinkView]:
    """Where a unit lives on; a district with no link of its own, through its communes."""
    direct = _views(repo.links_from(session, [unit.id]), "successor")
    if direct or unit.kind != UnitKind.DISTRICT.value:
        return direct
    via_children = _views(repo.links_from(session, repo.child_ids(session, unit.id)), "successor")
    unique = {v.unit.key: v for v in via_children}
    return [LinkView(v.unit, v.kind, v.is_primary, derived=True) for v in unique.values()]


def _views(links: list[UnitLink], side: str) -> list[LinkView]:
    return [
        LinkView(UnitView.of(getattr(link, side)), LinkKind(link.kind), link.is_primary)
        for link in links
    ]


def export_units(rt: Runtime, path: Path, q: ListQuery) -> int:
    rows = [
        [
            u.key, u.name, u.kind, u.parent_key or "", "; ".join(u.groups), u.subtype or "",
            u.short_name or "", u.code or "", u.valid_from or "", u.valid_to or "", u.latitude, u.longitude,
        ]
        for u in list_units(rt, q)
    ]  # fmt: skip
    return write_table(path, EXPORT_COLUMNS, rows, sheet="Đơn vị")


def list_groups(rt: Runtime) -> list[tuple[str, str, int]]:
    with rt.db.transaction() as session:
        return [(g.code, g.name, n) for g, n in repo.all_groups(session)]
