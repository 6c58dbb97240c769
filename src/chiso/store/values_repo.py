"""Stored indicator values and registered frameworks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from chiso.store.models import (
    Assessment,
    AssessmentRound,
    AuditEntry,
    IndicatorValue,
    StoredFramework,
    Unit,
)

VALUE_FIELDS = ("number", "numerator", "denominator", "text", "index_value")


def stored_framework(session: Session, framework_id: str) -> StoredFramework | None:
    return session.get(StoredFramework, framework_id)


def stored_frameworks(session: Session) -> list[StoredFramework]:
    return list(session.scalars(select(StoredFramework).order_by(StoredFramework.id)))


def existing_values(
    session: Session, framework_id: str, keys: Iterable[tuple[int, str, str]]
) -> dict[tuple[int, str, str], tuple[int, dict[str, Any]]]:
    """(id, fields) of the stored values for (unit id, period, indicator) keys; plain rows, not
    ORM objects, because an import compares tens of thousands of them. Queried per period in
    chunks of units, so each stored row is read once."""
    wanted = set(keys)
    by_period: dict[str, set[int]] = {}
    indicators: dict[str, set[str]] = {}
    for unit_id, period, indicator in wanted:
        by_period.setdefault(period, set()).add(unit_id)
        indicators.setdefault(period, set()).add(indicator)
    columns = [getattr(IndicatorValue, f) for f in VALUE_FIELDS]
    out: dict[tuple[int, str, str], tuple[int, dict[str, Any]]] = {}
    for period, unit_ids in by_period.items():
        ordered = sorted(unit_ids)
        for start in range(0, len(ordered), 900):
            query = select(
                IndicatorValue.id, IndicatorValue.unit_id, IndicatorValue.indicator, *columns
            ).where(
                IndicatorValue.framework_id == framework_id,
                IndicatorValue.period == period,
                IndicatorValue.unit_id.in_(ordered[start : start + 900]),
                IndicatorValue.indicator.in_(sorted(indicators[period])),
            )
            for row in session.execute(query):
                key = (row[1], period, row[2])
                if key in wanted:
                    out[key] = (row[0], dict(zip(VALUE_FIELDS, row[3:], strict=True)))
    return out


def numbers(
    session: Session, framework_id: str, period: str, indicators: Sequence[str]
) -> list[tuple[Any, ...]]:
    """(unit id, indicator, number, numerator, denominator, text, index) rows of a period."""
    query = select(
        IndicatorValue.unit_id,
        IndicatorValue.indicator,
        *[getattr(IndicatorValue, f) for f in VALUE_FIELDS],
    ).where(
        IndicatorValue.framework_id == framework_id,
        IndicatorValue.period == period,
        IndicatorValue.indicator.in_(indicators),
    )
    return [tuple(r) for r in session.execute(query)]


def values_query(
    framework_id: str | None = None,
    periods: Sequence[str] | None = None,
    unit_ids: Sequence[int] | None = None,
    indicators: Sequence[str] | None = None,
) -> Select[Any]:
    query = select(IndicatorValue).options(selectinload(IndicatorValue.unit))
    if framework_id:
        query = query.where(IndicatorValue.framework_id == framework_id)
    if periods:
        query = query.where(IndicatorValue.period.in_(periods))
    if unit_ids:
        query = query.where(IndicatorValue.unit_id.in_(unit_ids))
    if indicators:
        query = query.where(IndicatorValue.indicator.in_(indicators))
    return query.order_by(IndicatorValue.period, IndicatorValue.unit_id, IndicatorValue.indicator)


def values(session: Session, **filters: Any) -> list[IndicatorValue]:
    return list(session.scalars(values_query(**filters)))


def value_history(
    session: Session, unit_key: str, indicator: str, limit: int = 200
) -> list[AuditEntry]:
    prefix = "/".join(("%", unit_key, "%", indicator))
    query = (
        select(AuditEntry)
        .where(AuditEntry.entity == "value", AuditEntry.entity_key.like(prefix))
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def value_key(framework_id: str, unit_key: str, period: str, indicator: str) -> str:
    return "/".join((framework_id, unit_key, period, indicator))


def periods_with_values(session: Session, framework_id: str) -> list[str]:
    query = (
        select(IndicatorValue.period).where(IndicatorValue.framework_id == framework_id).distinct()
    )
    return sorted(session.scalars(query))


def reporters(session: Session, framework_id: str, period: str) -> dict[int, Any]:
    """Unit id → first time a value of the period was reported (for timeliness)."""
    query = select(IndicatorValue.unit_id, IndicatorValue.reported_at).where(
        IndicatorValue.framework_id == framework_id, IndicatorValue.period == period
    )
    out: dict[int, Any] = {}
    for unit_id, at in session.execute(query):
        if unit_id not in out or at < out[unit_id]:
            out[unit_id] = at
    return out


def unit_ids_with_keys(session: Session, keys: Sequence[str]) -> dict[str, int]:
    query = select(Unit.key, Unit.id).where(Unit.key.in_(keys))
    return {k: i for k, i in session.execute(query)}


def version(session: Session, framework_id: str) -> tuple[int, Any]:
    """Changes whenever a value of the framework is added or changed (for caching pages)."""
    row = session.execute(
        select(func.count(), func.max(IndicatorValue.updated_at)).where(
            IndicatorValue.framework_id == framework_id
        )
    ).one()
    return int(row[0]), row[1]


LOCKED_STATUSES = ("approved", "published")


def locked_units(
    session: Session, framework_id: str, periods: Sequence[str]
) -> dict[tuple[int, str], str]:
    """(unit id, period) → status of assessments approved or published: their values are locked."""
    query = (
        select(Assessment.unit_id, AssessmentRound.period, Assessment.status)
        .join(AssessmentRound, Assessment.round_id == AssessmentRound.id)
        .where(
            AssessmentRound.framework_id == framework_id,
            AssessmentRound.period.in_(list(periods)),
            Assessment.status.in_(LOCKED_STATUSES),
        )
    )
    return {(row[0], row[1]): row[2] for row in session.execute(query)}
