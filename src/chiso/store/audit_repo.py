"""The audit log: every change to units, values, frameworks, accounts, assessments and tasks is
written here, in the transaction that makes it.

Each entity also has a counter (`audit_stamps`) that every transaction auditing it bumps when it
commits: the data versions caches are keyed on (`newest`). The audit ids cannot be: on PostgreSQL
they are taken from a sequence at insert, so a transaction holding a smaller id can commit after
one holding a larger id, and a reader that saw the larger id as the maximum would never see the
maximum move again."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, TextClause, event, func, or_, select, text
from sqlalchemy.orm import Session, SessionTransaction

from chiso.domain.access import Actor
from chiso.domain.audit import AuditRecord
from chiso.store.db import insert_rows
from chiso.store.tables import audit_log, audit_stamps, utcnow

CHUNK = 5000
AUDIT = audit_log
STEP_COLUMNS = ("entity_key", "before", "after", "source")
"""The columns of a `Step`."""
_RECORD = tuple(
    AUDIT.c[name]
    for name in ("id", "at", "actor", "action", "entity", "entity_key", "source", "before", "after")
)
"""The columns of an `AuditRecord`, in its order."""


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
    # One ORM object added, not a statement run: the session inserts a request's entries
    # together at its flush. Imported here, so a command that only audits in bulk
    # (`record_many`) never builds the mapped classes.
    from chiso.store.models import AuditEntry

    _audited(session).add(entity)
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
    if not steps:
        return
    _audited(session).add(entity)
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
    query = select(*_RECORD).order_by(AUDIT.c.id.desc()).limit(limit)
    if entity:
        query = query.where(AUDIT.c.entity == entity)
    return [AuditRecord(*e) for e in session.execute(query)]


def of_entity(
    session: Session, entity: str, key_pattern: str, limit: int = 200
) -> list[AuditRecord]:
    """Entries whose key matches a LIKE pattern ("%/75.SYT/%/signed_docs_rate"), newest first."""
    query = (
        select(*_RECORD)
        .where(AUDIT.c.entity == entity, AUDIT.c.entity_key.like(key_pattern))
        .order_by(AUDIT.c.id.desc())
        .limit(limit)
    )
    return [AuditRecord(*e) for e in session.execute(query)]


STAMPS = audit_stamps
_AUDITED = "chiso_audited"
"""The session's `info` key of the entities its transaction audited."""
_BUMP = text(
    "INSERT INTO audit_stamps (entity, counter) VALUES (:entity, 1) "
    "ON CONFLICT (entity) DO UPDATE SET counter = audit_stamps.counter + 1"
)


def audited_in_sql(session: Session, entity: str) -> None:
    """The transaction wrote audit rows about `entity` with its own statement (not `record`):
    its data version must move at commit all the same."""
    _audited(session).add(entity)


def _audited(session: Session) -> set[str]:
    found: set[str] = session.info.setdefault(_AUDITED, set())
    return found


@event.listens_for(Session, "before_commit")
def _bump_stamps(session: Session) -> None:
    """Every entity the transaction audited gets its counter bumped, in the transaction, so the
    new stamp becomes visible with the changes and never before them. The pending writes go
    first and the counters last, in sorted order: their row locks are the last ones taken and
    are held only for the commit itself, and two writers take them in the same order (no
    deadlock)."""
    audited = session.info.pop(_AUDITED, None)
    if not audited:
        return
    session.flush()
    connection = session.connection()
    for entity in sorted(audited):
        connection.execute(_BUMP, {"entity": entity})


@event.listens_for(Session, "after_transaction_end")
def _forget_audited(session: Session, transaction: SessionTransaction) -> None:
    """A rolled-back transaction's entities are not bumped by the session's next one."""
    if transaction.parent is None:
        session.info.pop(_AUDITED, None)


def keys_after(session: Session, entity: str, after_id: int, limit: int = 1000) -> list[str]:
    """The keys of the entries about an entity newer than `after_id` (at most `limit`, newest
    first): what changed since a data stamp was read."""
    query = (
        select(AUDIT.c.entity_key)
        .where(AUDIT.c.entity == entity, AUDIT.c.id > after_id)
        .order_by(AUDIT.c.id.desc())
        .limit(limit)
    )
    return [k or "" for k in session.scalars(query)]


def newest_id(session: Session, entity: str) -> int:
    """The newest entry's id about an entity, for `keys_after`: a hint of what changed, not a
    data version (an entry with a smaller id may still commit later; `newest` is exact)."""
    found = session.scalar(select(func.max(AUDIT.c.id)).where(AUDIT.c.entity == entity))
    return int(found or 0)


def newest(session: Session, entities: Sequence[str]) -> tuple[int, ...]:
    """The data version of each entity: the number of committed transactions that audited it,
    so it moves with every committed change to them (what the page cache is stamped with), and
    is read by primary key however long the history."""
    rows = session.execute(
        select(STAMPS.c.entity, STAMPS.c.counter).where(STAMPS.c.entity.in_(entities))
    )
    return _in_order(entities, rows)


def _in_order(entities: Sequence[str], rows: Iterable[Any]) -> tuple[int, ...]:
    found = {entity: int(counter) for entity, counter in rows}
    return tuple(found.get(e, 0) for e in entities)


@cache
def _newest_statement(entities: tuple[str, ...]) -> TextClause:
    """One row of one primary-key look-up per entity: SQLite hands the interpreter's lock back
    at each row it steps to, and under 32 users each hand-back waited for another thread (the
    seven rows of `entity IN (…)` cost a view eight waits; one row costs two)."""
    looked_up = ", ".join(
        f"(SELECT counter FROM audit_stamps WHERE entity = :e{i})" for i in range(len(entities))
    )
    return text(f"SELECT {looked_up}").bindparams(**{f"e{i}": e for i, e in enumerate(entities)})


def newest_on(connection: Connection, entities: tuple[str, ...]) -> tuple[int, ...]:
    """`newest` on a bare connection, for what every page view asks first (a seventh of the
    cost of an ORM session's transaction)."""
    row = connection.execute(_newest_statement(entities)).one()
    return tuple(int(counter or 0) for counter in row)


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
        where.append(AUDIT.c.entity == entity)
    if key_patterns:
        where.append(or_(*(AUDIT.c.entity_key.like(p) for p in key_patterns)))
    if actor:
        where.append(AUDIT.c.actor == actor)
    if since is not None:
        where.append(AUDIT.c.at >= since)
    if until is not None:
        where.append(AUDIT.c.at < until)
    total = session.scalar(select(func.count(AUDIT.c.id)).where(*where)) or 0
    query = select(*_RECORD).where(*where).order_by(AUDIT.c.id.desc()).offset(offset).limit(limit)
    return [AuditRecord(*e) for e in session.execute(query)], int(total)


def actors(session: Session) -> list[str]:
    """Everyone who changed something, by name."""
    return sorted(session.scalars(select(AUDIT.c.actor).distinct()))
