"""Units, their groups and lineage links. Everything leaves as `chiso.domain.units` read
models. Reads and bulk writes go through the Core tables (`tables`); only the writes of single
new rows use the ORM classes, imported there, so that reading units (`chiso facts compute`)
never builds the mapped classes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from chiso.domain.lineage import LinkKind
from chiso.domain.text import fold, name_key
from chiso.domain.units import Group, LinkView, Unit
from chiso.store.db import Query
from chiso.store.tables import unit_group_members, unit_groups, unit_links, utcnow
from chiso.store.tables import units as units_table

CHUNK = 900
"""SQLite allows a limited number of bound parameters per statement."""

U = units_table.c
_PARENT = units_table.alias("parent")
_COLUMNS = (
    U.id,
    U.key,
    U.code,
    U.name,
    U.kind,
    U.short_name,
    U.subtype,
    U.scheme,
    U.parent_id,
    _PARENT.c.key,
    _PARENT.c.name,
    U.valid_from,
    U.valid_to,
    U.latitude,
    U.longitude,
)


def _select() -> Query:
    return select(*_COLUMNS).outerjoin(_PARENT, U.parent_id == _PARENT.c.id)


def _units(session: Session, query: Query) -> list[Unit]:
    rows = session.execute(query).all()
    groups = _groups_of(session, [r[0] for r in rows])
    return [_unit(r, groups.get(r[0], ())) for r in rows]


def _unit(r: Any, groups: Sequence[tuple[str, str]]) -> Unit:
    return Unit(
        id=r[0],
        key=r[1],
        code=r[2],
        name=r[3],
        kind=r[4],
        short_name=r[5],
        subtype=r[6],
        scheme=r[7],
        parent_id=r[8],
        parent_key=r[9],
        parent_name=r[10],
        valid_from=r[11],
        valid_to=r[12],
        latitude=r[13],
        longitude=r[14],
        groups=tuple(n for _, n in groups),
        group_codes=tuple(c for c, _ in groups),
    )


def _groups_of(session: Session, ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = defaultdict(list)
    query = (
        select(unit_group_members.c.unit_id, unit_groups.c.code, unit_groups.c.name)
        .join(unit_groups, unit_groups.c.id == unit_group_members.c.group_id)
        .order_by(unit_groups.c.code)
    )
    if len(ids) > CHUNK:
        rows = session.execute(query).all()
    else:
        rows = session.execute(query.where(unit_group_members.c.unit_id.in_(ids))).all()
    wanted = set(ids)
    for unit_id, code, name in rows:
        if unit_id in wanted:
            out[unit_id].append((code, name))
    return out


def all_units(session: Session) -> list[Unit]:
    return _units(session, _select())


def candidates(session: Session, texts: Iterable[str], limit: int | None = None) -> list[Unit]:
    """Every unit a key, code or name among `texts` could mean (its name has all their words):
    a small catalogue for resolving a few references without reading every unit (at most
    `limit` of them, for a search box)."""
    conditions = []
    for text in {t.strip() for t in texts if t.strip()}:
        tail = text.partition(":")[2].strip()
        conditions += [U.key == text, U.code.in_([text, tail or text])]
        words = name_key(text).split()
        if words:
            conditions.append(and_(*[_contains(w) for w in words]))
    if not conditions:
        return []
    query = _select().where(or_(*conditions))
    return _units(session, query.limit(limit) if limit else query)


def _contains(word: str) -> Any:
    return U.search_text.contains(word, autoescape=True)


def similar(session: Session, text: str, limit: int = 200) -> list[Unit]:
    """Units whose name starts like the one typed, to suggest when nothing matches."""
    words = [w for w in name_key(text).split() if len(w) > 2]
    if not words:
        return []
    return _units(session, _select().where(_contains(words[0])).limit(limit))


def by_keys(session: Session, keys: Sequence[str]) -> dict[str, Unit]:
    return {u.key: u for u in _in_chunks(session, U.key, keys)}


def by_ids(session: Session, ids: Sequence[int]) -> dict[int, Unit]:
    return {u.id: u for u in _in_chunks(session, U.id, ids)}


def _in_chunks(session: Session, column: Any, wanted: Sequence[Any]) -> list[Unit]:
    out: list[Unit] = []
    for start in range(0, len(wanted), CHUNK):
        out += _units(session, _select().where(column.in_(wanted[start : start + CHUNK])))
    return out


def key_ids(session: Session, keys: Iterable[str] | None = None) -> dict[str, int]:
    query = select(U.key, U.id)
    if keys is None:
        return {k: i for k, i in session.execute(query)}
    wanted = list(keys)
    out: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        out.update({k: i for k, i in session.execute(query.where(U.key.in_(chunk)))})
    return out


@dataclass(frozen=True)
class UnitFilter:
    kind: str | None = None
    parent_id: int | None = None
    group_id: int | None = None
    search: str | None = None
    on: date | None = None
    scheme: str | None = None


def listed(session: Session, f: UnitFilter, limit: int | None = None) -> list[Unit]:
    query = _filtered(_select(), f).order_by(U.kind, U.code, U.key)
    return _units(session, query.limit(limit) if limit else query)


def _filtered(query: Query, f: UnitFilter) -> Query:
    unit = U
    if f.kind:
        query = query.where(unit.kind == f.kind)
    if f.parent_id is not None:
        query = query.where(unit.parent_id == f.parent_id)
    if f.group_id is not None:
        members = select(unit_group_members.c.unit_id).where(
            unit_group_members.c.group_id == f.group_id
        )
        query = query.where(unit.id.in_(members))
    if f.search:
        query = query.where(unit.search_text.contains(f.search, autoescape=True))
    if f.scheme:
        query = query.where(unit.scheme == f.scheme)
    if f.on is not None:
        query = query.where(
            and_(
                or_(unit.valid_from.is_(None), unit.valid_from <= f.on),
                or_(unit.valid_to.is_(None), unit.valid_to >= f.on),
            )
        )
    return query


def children(session: Session, unit_id: int) -> list[Unit]:
    query = _select().where(U.parent_id == unit_id).order_by(U.key)
    return _units(session, query)


def children_count(session: Session, unit_id: int) -> int:
    query = select(func.count()).where(U.parent_id == unit_id)
    return session.scalar(query) or 0


def child_ids(session: Session, unit_id: int) -> list[int]:
    return list(session.scalars(select(U.id).where(U.parent_id == unit_id)))


def lineage_ids(session: Session, unit_id: int) -> list[int]:
    """The unit's id and its ancestors' ids, for scope checks."""
    chain: list[int] = []
    current: int | None = unit_id
    while current is not None and current not in chain:
        chain.append(current)
        current = session.scalar(select(U.parent_id).where(U.id == current))
    return chain


def successors(session: Session, unit_ids: Sequence[int]) -> list[LinkView]:
    """Where the units went: the successor end of their links."""
    return _links(session, unit_links.c.predecessor_id.in_(unit_ids), unit_links.c.successor_id)


def successor_ids(session: Session, unit_ids: Sequence[int]) -> list[tuple[int, int]]:
    """(predecessor id, successor id) of every link leaving the units, in one query, for a
    caller that holds the units already (`facts.compute`'s resolver)."""
    if not unit_ids:
        return []
    query = select(unit_links.c.predecessor_id, unit_links.c.successor_id).where(
        unit_links.c.predecessor_id.in_(unit_ids)
    )
    return [(int(a), int(b)) for a, b in session.execute(query).all()]


def predecessors(session: Session, unit_ids: Sequence[int]) -> list[LinkView]:
    """Where the units came from: the predecessor end of their links."""
    return _links(session, unit_links.c.successor_id.in_(unit_ids), unit_links.c.predecessor_id)


def _links(session: Session, condition: Any, other_end: Any) -> list[LinkView]:
    query = select(other_end, unit_links.c.kind, unit_links.c.is_primary).where(condition)
    rows = session.execute(query).all()
    ends = by_ids(session, sorted({r[0] for r in rows}))
    views = [LinkView(ends[r[0]], LinkKind(r[1]), r[2]) for r in rows]
    return sorted(views, key=lambda v: v.unit.key)


def coordinates(session: Session, keys: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Latitude and longitude of units that have them (departments take their parent's)."""
    out: dict[str, tuple[float, float]] = {}
    units = by_keys(session, keys)
    parents = by_ids(session, sorted({u.parent_id for u in units.values() if u.parent_id}))
    for key, unit in units.items():
        place = unit if unit.latitude is not None else parents.get(unit.parent_id or 0)
        if place is not None and place.latitude is not None and place.longitude is not None:
            out[key] = (place.latitude, place.longitude)
    return out


def insert_units(session: Session, rows: list[dict[str, Any]]) -> None:
    """Many new units at once (a national list); timestamps are added here."""
    from chiso.store import models

    now = utcnow()
    if rows:
        session.execute(
            insert(models.Unit), [r | {"created_at": now, "updated_at": now} for r in rows]
        )


def add_unit(session: Session, fields: dict[str, Any]) -> int:
    """A new unit from its column values; returns its id."""
    from chiso.store import models

    unit = models.Unit(**fields)
    session.add(unit)
    session.flush()
    return unit.id


def update_unit(session: Session, unit_id: int, changes: dict[str, Any]) -> None:
    if changes:
        session.execute(update(units_table).where(U.id == unit_id).values(**changes))


def set_groups(session: Session, unit_id: int, group_ids: Sequence[int]) -> None:
    member = unit_group_members.c
    session.execute(delete(unit_group_members).where(member.unit_id == unit_id))
    if group_ids:
        rows = [{"unit_id": unit_id, "group_id": g} for g in dict.fromkeys(group_ids)]
        session.execute(insert(unit_group_members), rows)


_GROUP = (unit_groups.c.id, unit_groups.c.code, unit_groups.c.name)


def _group(g: Any, members: int = 0) -> Group:
    return Group(g[0], g[1], g[2], members)


def ensure_group(session: Session, code: str, name: str) -> Group:
    found = session.execute(select(*_GROUP).where(unit_groups.c.code == code)).first()
    if found is not None:
        return _group(found)
    made = cast(
        CursorResult[Any], session.execute(insert(unit_groups).values(code=code, name=name))
    )
    key = made.inserted_primary_key
    assert key is not None
    return Group(int(key[0]), code, name, 0)


def find_group(session: Session, code: str, folded_name: str) -> Group | None:
    found = session.execute(select(*_GROUP).where(unit_groups.c.code == code)).first()
    if found is not None:
        return _group(found)
    named = (g for g in session.execute(select(*_GROUP)) if fold(g[2]) == folded_name)
    return next((_group(g) for g in named), None)


def all_groups(session: Session) -> list[Group]:
    query = (
        select(*_GROUP, func.count(unit_group_members.c.unit_id))
        .outerjoin(unit_group_members)
        .group_by(*_GROUP)
        .order_by(unit_groups.c.code)
    )
    return [_group(g, g[3]) for g in session.execute(query)]


def add_memberships(session: Session, pairs: set[tuple[int, int]]) -> int:
    """Adds (unit_id, group_id) pairs not already present; returns how many were new."""
    group_ids = {g for _, g in pairs}
    existing: set[tuple[int, int]] = set()
    if group_ids:
        member = unit_group_members.c
        query = select(member.unit_id, member.group_id).where(member.group_id.in_(group_ids))
        existing = {(u, g) for u, g in session.execute(query)}
    new = sorted(pairs - existing)
    if new:
        rows = [{"unit_id": u, "group_id": g} for u, g in new]
        session.execute(insert(unit_group_members), rows)
    return len(new)


def existing_links(session: Session) -> set[tuple[int, int]]:
    query = select(unit_links.c.predecessor_id, unit_links.c.successor_id)
    return {(p, s) for p, s in session.execute(query)}


def insert_links(session: Session, rows: list[dict[str, Any]]) -> None:
    from chiso.store import models

    if rows:
        session.execute(insert(models.UnitLink), rows)
