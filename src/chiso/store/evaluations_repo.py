"""Stored evaluations: one row per framework, period, options and data version (the body is
what `services/scoring/evaluations` serialised; this module only keeps it)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from chiso.store.models import EvaluationRun, StoredEvaluation
from chiso.store.tables import utcnow

_FIND_BINARY = (
    "SELECT body FROM evaluations WHERE framework_id = %s AND period = %s AND options = %s "
    "AND version = %s LIMIT 1"
)


def find(
    session: Session, framework_id: str, period: str, options: str, version: str
) -> bytes | None:
    """The stored body, if any. On PostgreSQL it is fetched in binary: in text a `bytea` comes as
    hex twice its size, decoded by the driver at every view."""
    if session.get_bind().dialect.name == "postgresql":
        driver = session.connection().connection.driver_connection
        assert driver is not None
        with driver.cursor(binary=True) as cursor:
            cursor.execute(_FIND_BINARY, (framework_id, period, options, version))
            row = cursor.fetchone()
        return None if row is None else bytes(row[0])
    query = select(StoredEvaluation.body).where(
        StoredEvaluation.framework_id == framework_id,
        StoredEvaluation.period == period,
        StoredEvaluation.options == options,
        StoredEvaluation.version == version,
    )
    return session.scalars(query).first()


def put(
    session: Session,
    framework_id: str,
    period: str,
    options: str,
    version: str,
    body: bytes,
    replace: bool = False,
) -> bool:
    """Stores the evaluation and drops those of other versions of the same key (`replace`: of
    this version too, a row that could not be read); when another worker stored the same key
    first, keeps theirs (one row, no error). Whether it was added."""
    row = {
        "framework_id": framework_id,
        "period": period,
        "options": options,
        "version": version,
        "body": body,
        "computed_at": utcnow(),
    }
    if replace:
        _drop(session, framework_id, period, options, version)
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(StoredEvaluation).values(row).on_conflict_do_nothing().returning(StoredEvaluation.id)
    )
    added = session.execute(statement).scalar() is not None
    session.execute(
        delete(StoredEvaluation).where(
            StoredEvaluation.framework_id == framework_id,
            StoredEvaluation.period == period,
            StoredEvaluation.options == options,
            StoredEvaluation.version != version,
        )
    )
    return added


def _drop(session: Session, framework_id: str, period: str, options: str, version: str) -> None:
    session.execute(
        delete(StoredEvaluation).where(
            StoredEvaluation.framework_id == framework_id,
            StoredEvaluation.period == period,
            StoredEvaluation.options == options,
            StoredEvaluation.version == version,
        )
    )


def count(session: Session, framework_id: str | None = None) -> int:
    query = select(func.count()).select_from(StoredEvaluation)
    if framework_id is not None:
        query = query.where(StoredEvaluation.framework_id == framework_id)
    return int(session.scalar(query) or 0)


def claim_run(session: Session, version: str, worker: str, lease: timedelta) -> str:
    """Claims the precomputation of `version` for `worker`: "mine" (inserted, or taken over from
    a claim older than `lease` that never finished), "busy" (another worker is on it) or "done".
    One row per version: the unique key decides between two workers claiming at once."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    row = {"version": version, "worker": worker, "claimed_at": now, "finished_at": None}
    statement = insert(EvaluationRun).values(row).on_conflict_do_nothing()
    if session.execute(statement.returning(EvaluationRun.version)).scalar() is not None:
        session.execute(delete(EvaluationRun).where(EvaluationRun.version != version))
        return "mine"
    found = session.execute(
        select(EvaluationRun.finished_at, EvaluationRun.claimed_at).where(
            EvaluationRun.version == version
        )
    ).one_or_none()
    if found is None or found.finished_at is not None:
        return "done"
    taken = session.execute(
        update(EvaluationRun)
        .where(
            EvaluationRun.version == version,
            EvaluationRun.finished_at.is_(None),
            EvaluationRun.claimed_at == found.claimed_at,
            EvaluationRun.claimed_at < now - lease,
        )
        .values(worker=worker, claimed_at=now)
        .returning(EvaluationRun.version)
    ).scalar()
    return "mine" if taken is not None else "busy"


def finish_run(session: Session, version: str, worker: str, done: bool = True) -> None:
    """Marks the run finished (`done`), or gives the claim up so another worker may take it
    (a worker stopping midway)."""
    mine = (EvaluationRun.version == version) & (EvaluationRun.worker == worker)
    if done:
        session.execute(update(EvaluationRun).where(mine).values(finished_at=utcnow()))
    else:
        session.execute(delete(EvaluationRun).where(mine, EvaluationRun.finished_at.is_(None)))


def exists(session: Session, framework_id: str, period: str, options: str, version: str) -> bool:
    query = select(StoredEvaluation.id).where(
        StoredEvaluation.framework_id == framework_id,
        StoredEvaluation.period == period,
        StoredEvaluation.options == options,
        StoredEvaluation.version == version,
    )
    return session.scalars(query.limit(1)).first() is not None
