"""The audit log: every change to units, values, frameworks, accounts, assessments and tasks is
written here, in the transaction that makes it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Connection, Table, TextClause, func, or_, select, text
from sqlalchemy.orm import Session

from chiso.domain.access import Actor
from chiso.domain.audit import AuditRecord
from chiso.store.db import insert_rows
from chiso.store.models import AuditEntry, utcnow

CHUNK = 5000
AUDIT = cast(Table, AuditEntry.__table__)
STEP_COLUMNS = ("entity_key", "before", "after", "source")
"""The columns of a `Step`."""


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_key: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    source: str | None = None,
) -> None:
    session.add(
        AuditEntry(
            actor=actor.name,
            action=action,
            entity=entity,
            entity_key=entity_key,
            before=before,
            after=after,
            source=source,
        )
    )


Step = tuple[str, dict[str, Any] | None, dict[str, Any] | None, str | None]
"""One change among many: (entity key, before, after, source)."""


def record_many(
    session: Session, actor: Actor, action: str, entity: str, steps: Sequence[Step]
) -> None:
    """Many changes of one kind at once (a whole file of values), written in bulk."""
    shared = {"at": utcnow(), "actor": actor.name, "action": action, "entity": entity}
    insert_rows(session, AUDIT, STEP_COLUMNS, steps, shared)


def steps(
    session: Session, entity: str
) -> Iterator[tuple[int, str, dict[str, Any] | None, dict[str, Any] | None]]:
    """(id, entity key, before, after) of every entry about an entity, oldest first, streamed."""
    table = AUDIT
    query = (
        select(table.c.id, table.c.entity_key, table.c.before, table.c.after)
        .where(table.c.entity == entity)
        .order_by(table.c.id)
        .execution_options(yield_per=CHUNK)
    )
    for row in session.execute(query):
        yield row[0], row[1] or "", row[2], row[3]


def entries(session: Session, entity: str | None = None, limit: int = 100) -> list[AuditRecord]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    return [_record(e) for e in session.scalars(query)]


def of_entity(
    session: Session, entity: str, key_pattern: str, limit: int = 200
) -> list[AuditRecord]:
    """Entries whose key matches a LIKE pattern ("%/75.SYT/%/signed_docs_rate"), newest first."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_key.like(key_pattern))
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return [_record(e) for e in session.scalars(query)]


def keys_after(session: Session, entity: str, after_id: int, limit: int = 1000) -> list[str]:
    """The keys of the entries about an entity newer than `after_id` (at most `limit`, newest
    first): what changed since a data stamp was read."""
    query = (
        select(AuditEntry.entity_key)
        .where(AuditEntry.entity == entity, AuditEntry.id > after_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return [k or "" for k in session.scalars(query)]


def newest(session: Session, entities: Sequence[str]) -> tuple[int, ...]:
    """The newest entry about each entity: every change is audited, so this moves with every
    change to them (what the page cache is stamped with)."""
    latest = [
        select(func.max(AuditEntry.id)).where(AuditEntry.entity == e).scalar_subquery()
        for e in entities
    ]
    row = session.execute(select(*latest)).one()
    return tuple(int(x or 0) for x in row)


@cache
def _newest_statement(entities: tuple[str, ...]) -> TextClause:
    parts = ", ".join(
        f"(SELECT max(id) FROM audit_log WHERE entity = :e{i})" for i in range(len(entities))
    )
    return text(f"SELECT {parts}").bindparams(**{f"e{i}": e for i, e in enumerate(entities)})


def newest_on(connection: Connection, entities: tuple[str, ...]) -> tuple[int, ...]:
    """`newest` on a bare connection, for what every page view asks first (a seventh of the
    cost of an ORM session's transaction)."""
    row = connection.execute(_newest_statement(entities)).one()
    return tuple(int(x or 0) for x in row)


def _record(e: AuditEntry) -> AuditRecord:
    return AuditRecord(
        e.id, e.at, e.actor, e.action, e.entity, e.entity_key, e.source, e.before, e.after
    )


def search(
    session: Session,
    *,
    entity: str | None = None,
    key_patterns: Sequence[str] = (),
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[AuditRecord], int]:
    """One page of entries, newest first, and how many match: of one entity, whose key matches
    one of the LIKE patterns, by one actor, at or after `since` and before `until`."""
    where = []
    if entity:
        where.append(AuditEntry.entity == entity)
    if key_patterns:
        where.append(or_(*(AuditEntry.entity_key.like(p) for p in key_patterns)))
    if actor:
        where.append(AuditEntry.actor == actor)
    if since is not None:
        where.append(AuditEntry.at >= since)
    if until is not None:
        where.append(AuditEntry.at < until)
    total = session.scalar(select(func.count(AuditEntry.id)).where(*where)) or 0
    query = (
        select(AuditEntry).where(*where).order_by(AuditEntry.id.desc()).offset(offset).limit(limit)
    )
    return [_record(e) for e in session.scalars(query)], int(total)


def actors(session: Session) -> list[str]:
    """Everyone who changed something, by name."""
    return sorted(session.scalars(select(AuditEntry.actor).distinct()))
