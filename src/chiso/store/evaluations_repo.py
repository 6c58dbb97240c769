"""Stored evaluations: one row per framework, period, options and data version (the body is
what `services/scoring/evaluations` serialised; this module only keeps it)."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from chiso.store.models import StoredEvaluation, utcnow


def find(
    session: Session, framework_id: str, period: str, options: str, version: str
) -> bytes | None:
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
