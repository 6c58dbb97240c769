"""Stored indicator values: the only place a row becomes a `StoredValue` (periods parsed once,
here) and a `Value` becomes columns or the JSON the audit log and assessments keep."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from chiso.domain.access import Actor
from chiso.domain.periods import Period
from chiso.domain.scoring import Value
from chiso.domain.values import StoredValue, ValueEvent, finite_or_missing
from chiso.store import audit_repo
from chiso.store.db import Query
from chiso.store.models import IndicatorValue, Unit, utcnow

FIELDS = ("number", "numerator", "denominator", "text", "index_value")
CHUNK = 900
BULK = 5000

Key = tuple[int, Period, str]
"""(unit id, period, indicator)."""


def fields(v: Value) -> dict[str, Any]:
    """A value as columns, and as the JSON of audit entries and assessment items."""
    return {
        "number": v.number,
        "numerator": v.numerator,
        "denominator": v.denominator,
        "text": v.text,
        "index_value": v.index,
    }


def value_of(data: Mapping[str, Any] | None) -> Value | None:
    if data is None:
        return None
    return Value(
        data.get("number"),
        data.get("numerator"),
        data.get("denominator"),
        data.get("text"),
        data.get("index_value"),
    )


def _columns() -> list[Any]:
    return [getattr(IndicatorValue, f) for f in FIELDS]


def existing(
    session: Session, framework_id: str, keys: Iterable[Key]
) -> dict[Key, tuple[int, Value]]:
    """(row id, value) of what is stored at each key; read per period in chunks of units, so
    each stored row is read once (an import compares tens of thousands)."""
    wanted = set(keys)
    units: dict[Period, set[int]] = {}
    indicators: dict[Period, set[str]] = {}
    for unit_id, period, indicator in wanted:
        units.setdefault(period, set()).add(unit_id)
        indicators.setdefault(period, set()).add(indicator)
    out: dict[Key, tuple[int, Value]] = {}
    for period, unit_ids in units.items():
        ordered = sorted(unit_ids)
        for start in range(0, len(ordered), CHUNK):
            query = select(
                IndicatorValue.id, IndicatorValue.unit_id, IndicatorValue.indicator, *_columns()
            ).where(
                IndicatorValue.framework_id == framework_id,
                IndicatorValue.period == str(period),
                IndicatorValue.unit_id.in_(ordered[start : start + CHUNK]),
                IndicatorValue.indicator.in_(sorted(indicators[period])),
            )
            for row in session.execute(query):
                key = (row[1], period, row[2])
                if key in wanted:
                    out[key] = (row[0], Value(*row[3:]))
    return out


def save(
    session: Session,
    framework_id: str,
    actor: Actor,
    stamp: tuple[str, str],
    new: Sequence[tuple[Key, Value]],
    changed: Sequence[tuple[int, Value]],
) -> None:
    """Writes new values and changes to stored ones in bulk; `stamp` is (source, source_ref)."""
    now = utcnow()
    source, ref = stamp
    made = {"source": source, "source_ref": ref, "updated_at": now, "updated_by": actor.name}
    place = {"framework_id": framework_id, "reported_at": now}
    rows = [
        {**fields(v), **made, **place, "unit_id": u, "period": str(p), "indicator": i}
        for (u, p, i), v in new
    ]
    for start in range(0, len(rows), BULK):
        session.execute(insert(IndicatorValue), rows[start : start + BULK])
    if changed:
        session.execute(
            update(IndicatorValue), [{"id": i, **fields(v), **made} for i, v in changed]
        )
    session.flush()


def _query(
    framework_id: str | None,
    periods: Sequence[Period] | None,
    unit_ids: Sequence[int] | None,
    indicators: Sequence[str] | None,
) -> Query:
    query = select(IndicatorValue, Unit.key, Unit.name).join(
        Unit, Unit.id == IndicatorValue.unit_id
    )
    if framework_id:
        query = query.where(IndicatorValue.framework_id == framework_id)
    if periods:
        query = query.where(IndicatorValue.period.in_([str(p) for p in periods]))
    if unit_ids:
        query = query.where(IndicatorValue.unit_id.in_(unit_ids))
    if indicators:
        query = query.where(IndicatorValue.indicator.in_(indicators))
    order = (IndicatorValue.period, IndicatorValue.unit_id, IndicatorValue.indicator)
    return query.order_by(*order)


def values(
    session: Session,
    framework_id: str | None = None,
    periods: Sequence[Period] | None = None,
    unit_ids: Sequence[int] | None = None,
    indicators: Sequence[str] | None = None,
) -> list[StoredValue]:
    rows = session.execute(_query(framework_id, periods, unit_ids, indicators))
    parsed: dict[str, Period] = {}
    return [_stored(v, key, name, parsed) for v, key, name in rows]


def _stored(v: IndicatorValue, key: str, name: str, parsed: dict[str, Period]) -> StoredValue:
    period = parsed.get(v.period) or parsed.setdefault(v.period, Period.parse(v.period))
    value = finite_or_missing(Value(v.number, v.numerator, v.denominator, v.text, v.index_value))
    return StoredValue(
        framework_id=v.framework_id,
        unit_id=v.unit_id,
        unit_key=key,
        unit_name=name,
        period=period,
        indicator=v.indicator,
        value=value,
        source=v.source,
        source_ref=v.source_ref,
        reported_at=v.reported_at,
        updated_at=v.updated_at,
        updated_by=v.updated_by,
    )


def value_key(framework_id: str, unit_key: str, period: Period, indicator: str) -> str:
    """How the audit log names a value."""
    return "/".join((framework_id, unit_key, str(period), indicator))


def history(session: Session, unit_key: str, indicator: str, limit: int = 200) -> list[ValueEvent]:
    """Every change to the unit's value of an indicator (any framework, any period), newest first."""
    pattern = "/".join(("%", unit_key, "%", indicator))
    return [
        ValueEvent(
            e.at,
            e.actor,
            Period.parse((e.entity_key or "").split("/")[2]),
            value_of(e.before),
            value_of(e.after),
            e.source,
        )
        for e in audit_repo.of_entity(session, "value", pattern, limit)
    ]


def periods_with_values(session: Session, framework_id: str) -> list[Period]:
    """The periods with any value, in time order (a quarter after its months)."""
    query = (
        select(IndicatorValue.period).where(IndicatorValue.framework_id == framework_id).distinct()
    )
    found = [Period.parse(p) for p in session.scalars(query)]
    return sorted(found, key=lambda p: (p.start, p.granularity.months))


def reporters(session: Session, framework_id: str, period: Period) -> dict[int, datetime]:
    """Unit id → first time a value of the period was reported (for timeliness)."""
    query = select(IndicatorValue.unit_id, IndicatorValue.reported_at).where(
        IndicatorValue.framework_id == framework_id, IndicatorValue.period == str(period)
    )
    out: dict[int, datetime] = {}
    for unit_id, at in session.execute(query):
        if unit_id not in out or at < out[unit_id]:
            out[unit_id] = at
    return out
