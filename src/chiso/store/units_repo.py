"""Queries and bulk writes on units, groups, lineage links and the audit log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, func, insert, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from chiso.domain.text import fold
from chiso.store.models import AuditEntry, Unit, UnitGroup, UnitLink, unit_group_members


def key_ids(session: Session, keys: Iterable[str] | None = None) -> dict[str, int]:
    query = select(Unit.key, Unit.id)
    if keys is not None:
        wanted = list(keys)
        out: dict[str, int] = {}
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            out.update({k: i for k, i in session.execute(query.where(Unit.key.in_(chunk)))})
        return out
    return {k: i for k, i in session.execute(query)}


def units_by_key(session: Session, keys: Sequence[str]) -> dict[str, Unit]:
    out: dict[str, Unit] = {}
    for start in range(0, len(keys), 900):
        chunk = keys[start : start + 900]
        query = select(Unit).where(Unit.key.in_(chunk)).options(selectinload(Unit.groups))
        out.update({u.key: u for u in session.scalars(query)})
    return out


def insert_units(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(Unit), rows)


def ensure_group(session: Session, code: str, name: str) -> UnitGroup:
    group = session.scalar(select(UnitGroup).where(UnitGroup.code == code))
    if group is None:
        group = UnitGroup(code=code, name=name)
        session.add(group)
        session.flush()
    return group


def find_group(session: Session, code: str, folded_name: str) -> UnitGroup | None:
    group = session.scalar(select(UnitGroup).where(UnitGroup.code == code))
    if group is not None:
        return group
    return next(
        (g for g in session.scalars(select(UnitGroup)) if fold(g.name) == folded_name), None
    )


def all_groups(session: Session) -> list[tuple[UnitGroup, int]]:
    query = (
        select(UnitGroup, func.count(unit_group_members.c.unit_id))
        .outerjoin(unit_group_members)
        .group_by(UnitGroup.id)
        .order_by(UnitGroup.code)
    )
    return [(g, n) for g, n in session.execute(query)]


def add_memberships(session: Session, pairs: set[tuple[int, int]]) -> int:
    """Adds (unit_id, group_id) pairs not already present; returns how many were new."""
    group_ids = {g for _, g in pairs}
    existing: set[tuple[int, int]] = set()
    if group_ids:
        query = select(unit_group_members.c.unit_id, unit_group_members.c.group_id).where(
            unit_group_members.c.group_id.in_(group_ids)
        )
        existing = {(u, g) for u, g in session.execute(query)}
    new = sorted(pairs - existing)
    if new:
        session.execute(insert(unit_group_members), [{"unit_id": u, "group_id": g} for u, g in new])
    return len(new)


def existing_links(session: Session) -> set[tuple[int, int]]:
    query = select(UnitLink.predecessor_id, UnitLink.successor_id)
    return {(p, s) for p, s in session.execute(query)}


def insert_links(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(UnitLink), rows)


@dataclass(frozen=True)
class UnitFilter:
    kind: str | None = None
    parent_id: int | None = None
    group_id: int | None = None
    search: str | None = None
    on: date | None = None
    scheme: str | None = None


def query_units(session: Session, f: UnitFilter, limit: int | None = None) -> list[Unit]:
    query = _filtered(select(Unit), f).options(selectinload(Unit.groups), selectinload(Unit.parent))
    query = query.order_by(Unit.kind, Unit.code, Unit.key)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def _filtered(query: Select[Any], f: UnitFilter) -> Select[Any]:
    if f.kind:
        query = query.where(Unit.kind == f.kind)
    if f.parent_id is not None:
        query = query.where(Unit.parent_id == f.parent_id)
    if f.group_id is not None:
        member = select(unit_group_members.c.unit_id).where(
            unit_group_members.c.group_id == f.group_id
        )
        query = query.where(Unit.id.in_(member))
    if f.search:
        query = query.where(Unit.search_text.contains(f.search, autoescape=True))
    if f.scheme:
        query = query.where(Unit.scheme == f.scheme)
    if f.on is not None:
        query = query.where(
            and_(
                or_(Unit.valid_from.is_(None), Unit.valid_from <= f.on),
                or_(Unit.valid_to.is_(None), Unit.valid_to >= f.on),
            )
        )
    return query


def by_key(session: Session, key: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.key == key))


def by_code(session: Session, code: str) -> list[Unit]:
    return list(session.scalars(select(Unit).where(Unit.code == code).order_by(Unit.key)))


def by_search(session: Session, folded: str, limit: int = 200) -> list[Unit]:
    query = select(Unit).where(Unit.search_text.contains(folded, autoescape=True)).limit(limit)
    return list(session.scalars(query))


def children_count(session: Session, unit_id: int) -> int:
    return session.scalar(select(func.count()).where(Unit.parent_id == unit_id)) or 0


def child_ids(session: Session, unit_id: int) -> list[int]:
    return list(session.scalars(select(Unit.id).where(Unit.parent_id == unit_id)))


def links_from(session: Session, unit_ids: Sequence[int]) -> list[UnitLink]:
    """Links whose predecessor is one of the units (where they went)."""
    return _links(session, UnitLink.predecessor_id.in_(unit_ids))


def links_to(session: Session, unit_ids: Sequence[int]) -> list[UnitLink]:
    """Links whose successor is one of the units (where they came from)."""
    return _links(session, UnitLink.successor_id.in_(unit_ids))


def _links(session: Session, condition: Any) -> list[UnitLink]:
    pred, succ = aliased(Unit), aliased(Unit)
    query = (
        select(UnitLink)
        .join(pred, UnitLink.predecessor)
        .join(succ, UnitLink.successor)
        .where(condition)
        .options(selectinload(UnitLink.predecessor), selectinload(UnitLink.successor))
        .order_by(pred.key, succ.key)
    )
    return list(session.scalars(query))


def audit(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_key: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    source: str | None = None,
) -> None:
    session.add(
        AuditEntry(
            actor=actor, action=action, entity=entity, entity_key=entity_key,
            before=before, after=after, source=source,
        )
    )  # fmt: skip


def audit_entries(
    session: Session, entity: str | None = None, limit: int = 100
) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    return list(session.scalars(query))


def count_units(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Unit)) or 0


def units_by_id(session: Session, ids: Sequence[int]) -> dict[int, Unit]:
    out: dict[int, Unit] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        query = (
            select(Unit)
            .where(Unit.id.in_(chunk))
            .options(selectinload(Unit.groups), selectinload(Unit.parent))
        )
        out.update({u.id: u for u in session.scalars(query)})
    return out


def all_units(session: Session) -> list[Unit]:
    return list(session.scalars(select(Unit).options(selectinload(Unit.groups))))


def lineage_ids(session: Session, unit_id: int) -> list[int]:
    """The unit's id and its ancestors' ids, for scope checks."""
    chain: list[int] = []
    current: int | None = unit_id
    while current is not None and current not in chain:
        chain.append(current)
        unit = session.get(Unit, current)
        current = unit.parent_id if unit else None
    return chain
