"""Stored indicator values: the only place a row becomes a `StoredValue` (periods parsed once,
here) and a `Value` becomes columns or the JSON the audit log and assessments keep."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import count
from typing import Any, cast

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from chiso.domain.access import Actor
from chiso.domain.periods import Period
from chiso.domain.scoring import Value
from chiso.domain.values import StoredValue, ValueEvent, finite_or_missing
from chiso.store import audit_repo
from chiso.store.db import (
    Query,
    copy_rows,
    driver_executemany,
    driver_rows,
    is_write,
    param_mark,
    serialises_writes,
)
from chiso.store.tables import indicator_values, units, utcnow

FIELDS = ("number", "numerator", "denominator", "text", "index_value")
INSERTED = ("unit_id", "period", "indicator")
CHUNK = 900
VALUES = indicator_values
BULK = 5000

Key = tuple[int, str, str]
"""(unit id, period as stored — "2024-07" —, indicator): what hundreds of thousands of values
of an import are compared by (strings hash once, in C; a `Period` hashes in Python)."""


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
    return [VALUES.c[f] for f in FIELDS]


def _table_columns() -> list[Any]:
    table = VALUES
    return [table.c[f] for f in FIELDS]


Columns = tuple[float | None, float | None, float | None, str | None, float | None]
"""A value as its columns (number, numerator, denominator, text, index): what a comparison of
hundreds of thousands of stored values needs, without making a `Value` of each."""

Current = tuple[int, Columns, str]
"""What is stored at a key: (row id, columns, source)."""


def columns_of(v: Value) -> Columns:
    return (v.number, v.numerator, v.denominator, v.text, v.index)


def from_columns(c: Columns) -> Value:
    return Value(c[0], c[1], c[2], c[3], c[4])


def existing(
    session: Session, framework_id: str, keys: Iterable[Key], lock: bool = False
) -> dict[Key, Current]:
    """What is stored at each key, read in one statement per period and chunk of units (an
    import compares hundreds of thousands). `lock=True` also locks the rows found until the
    transaction ends (PostgreSQL `FOR UPDATE`, in row order so two writers never deadlock on
    them); a SQLite write transaction already holds the whole database."""
    wanted = keys if isinstance(keys, set | dict) else set(keys)
    units: dict[str, set[int]] = {}
    indicators: dict[str, set[str]] = {}
    for unit_id, period, indicator in wanted:
        units.setdefault(period, set()).add(unit_id)
        indicators.setdefault(period, set()).add(indicator)
    table = VALUES
    out: dict[Key, Current] = {}
    for period, unit_ids in sorted(units.items()):
        ordered = sorted(unit_ids)
        # Many units: the period's rows of these indicators in one statement (one pass over
        # its index), the others dropped here; a few: by unit, in chunks.
        whole = len(ordered) > CHUNK
        for start in range(0, len(ordered), CHUNK) if not whole else [0]:
            query = select(
                table.c.id, table.c.unit_id, table.c.indicator, *_table_columns(), table.c.source
            ).where(
                table.c.framework_id == framework_id,
                table.c.period == period,
                table.c.indicator.in_(sorted(indicators[period])),
            )
            if not whole:
                query = query.where(table.c.unit_id.in_(ordered[start : start + CHUNK]))
            if lock and not serialises_writes(session):
                query = query.order_by(table.c.id).with_for_update()
            rows = session.execute(query).all()
            for row_id, unit_id, indicator, n, a, b, t, i, source in rows:  # type: ignore[misc]
                key = (unit_id, period, indicator)
                if key in wanted:
                    out[key] = (row_id, (n, a, b, t, i), source)
    return out


_KEY_MATCH = (
    "v.framework_id = :framework AND v.unit_id = s.unit_id AND v.period = s.period "
    "AND v.indicator = s.indicator"
)


def stage(
    session: Session,
    columns: tuple[Sequence[int], Sequence[str], Sequence[str], Sequence[int]],
    distinct: Sequence[tuple[Columns, dict[str, Any]]],
) -> None:
    """The values offered staged in two temporary tables, for `staged_differences` and
    `insert_staged`: the distinct values (their columns and audit document, a file holds a
    few hundred) and, per position, the key (unit ids, periods, indicators) and which of them
    it is offered (`columns`, four lists) — taken by the driver as they are, one
    `executemany` on SQLite, `COPY` on PostgreSQL, with no row of Python made for it."""
    _require_write(session)
    names = ("ordinal", "unit_id", "period", "indicator", "value")
    rows = zip(count(), *columns)
    dumps = json.dumps
    values = [(i, *c, dumps(d)) for i, (c, d) in enumerate(distinct)]
    value_names = ("id", *FIELDS, "document")
    unstage(session)
    if serialises_writes(session):
        connection = session.connection()
        connection.exec_driver_sql(
            "CREATE TEMP TABLE chiso_staged (ordinal INTEGER PRIMARY KEY, unit_id INTEGER, "
            "period TEXT, indicator TEXT, value INTEGER, missing INTEGER DEFAULT 0)"
        )
        connection.exec_driver_sql(
            "CREATE TEMP TABLE chiso_offered (id INTEGER PRIMARY KEY, number REAL, "
            "numerator REAL, denominator REAL, text TEXT, index_value REAL, document TEXT)"
        )
        sql = f"INSERT INTO temp.chiso_staged ({', '.join(names)}) VALUES (?, ?, ?, ?, ?)"
        driver_executemany(session, sql, rows)
        if values:  # (an empty list would be taken as one row without parameters)
            connection.exec_driver_sql(
                f"INSERT INTO temp.chiso_offered ({', '.join(value_names)}) VALUES "
                "(?, ?, ?, ?, ?, ?, ?)",
                values,
            )
        return
    session.execute(
        text(
            "CREATE TEMP TABLE chiso_staged (ordinal integer PRIMARY KEY, unit_id integer, "
            "period varchar(16), indicator varchar(80), value integer, "
            "missing integer DEFAULT 0) ON COMMIT DROP"
        )
    )
    session.execute(
        text(
            "CREATE TEMP TABLE chiso_offered (id integer PRIMARY KEY, number double precision, "
            "numerator double precision, denominator double precision, text varchar(255), "
            "index_value double precision, document json) ON COMMIT DROP"
        )
    )
    copy_rows(session, "chiso_staged", names, rows, plain=True)
    copy_rows(session, "chiso_offered", value_names, values)
    session.execute(text("ANALYZE chiso_staged"))
    session.execute(text("ANALYZE chiso_offered"))


def unstage(session: Session) -> None:
    schema = "temp" if serialises_writes(session) else "pg_temp"
    for table in ("chiso_staged", "chiso_offered"):
        session.execute(text(f"DROP TABLE IF EXISTS {schema}.{table}"))


def staged_differences(session: Session, framework_id: str) -> tuple[dict[int, Current], list[int]]:
    """What is stored where it differs from the staged values, by position, and the positions
    where nothing is stored (marked for `insert_staged`): one join in the database, so an
    import of a file already stored brings back no row at all — no Python object per stored
    value. Equal columns (NULL equal to NULL) are left out."""
    op = "IS" if serialises_writes(session) else "IS NOT DISTINCT FROM"
    same = " AND ".join(f"v.{f} {op} d.{f}" for f in FIELDS)
    fields = ", ".join(f"v.{f}" for f in FIELDS)
    compare = text(
        f"SELECT s.ordinal, v.id, {fields}, v.source FROM chiso_staged s "
        "JOIN chiso_offered d ON d.id = s.value "
        f"LEFT JOIN indicator_values v ON {_KEY_MATCH} "
        f"WHERE v.id IS NULL OR NOT ({same}) ORDER BY s.ordinal"
    )
    bound = {"framework": framework_id}
    out: dict[int, Current] = {}
    missing: list[int] = []
    for r in session.execute(compare, bound).all():
        if r[1] is None:
            missing.append(r[0])
        else:
            out[r[0]] = (r[1], (r[2], r[3], r[4], r[5], r[6]), r[7])
    if missing and serialises_writes(session):
        # The write transaction holds the database: what was missing still is.
        session.execute(
            text(
                "UPDATE chiso_staged SET missing = 1 WHERE NOT EXISTS (SELECT 1 FROM "
                "indicator_values v WHERE v.framework_id = :framework "
                "AND v.unit_id = chiso_staged.unit_id AND v.period = chiso_staged.period "
                "AND v.indicator = chiso_staged.indicator)"
            ),
            bound,
        )
    elif missing:
        # Marked by what the comparison saw: another writer may have committed since, and its
        # rows are then skipped by the insert and treated as stored (`insert_staged`).
        _mark(session, missing, 1)
    return out, missing


MANY = 10_000
"""Values inserted at once past which PostgreSQL's statistics of the table are refreshed."""


def refresh_statistics(session: Session) -> None:
    """PostgreSQL plans the next import's comparison from the table's statistics, which
    autovacuum refreshes only some time after a bulk load: planned for an empty table, the
    re-import of 200.700 values ran for more than 20 minutes, and 7 s once analysed. ANALYZE
    samples at most 30.000 rows (0,2 s at 200.700 values) and sees this transaction's rows."""
    if not serialises_writes(session):
        session.execute(text("ANALYZE indicator_values"))


def _mark(session: Session, ordinals: Sequence[int], missing: int) -> None:
    """PostgreSQL: joined with the list unnested, not `ordinal = ANY(:list)`, which a bound
    array makes a linear search per row (200.700 × 200.700 comparisons at 10.035 units)."""
    session.execute(
        text(
            "UPDATE chiso_staged s SET missing = :missing "
            "FROM unnest(CAST(:ordinals AS integer[])) AS m(o) WHERE s.ordinal = m.o"
        ),
        {"missing": missing, "ordinals": list(ordinals)},
    )


def insert_staged(
    session: Session, framework_id: str, actor: Actor, stamp: tuple[str, str]
) -> set[int]:
    """Inserts the staged values nothing was stored at (`staged_differences`), and their audit
    rows, each in one INSERT … SELECT; returns the positions another writer inserted meanwhile
    (PostgreSQL `ON CONFLICT DO NOTHING`: the statement waits for that writer's commit and leaves
    its row alone), which are neither inserted nor audited here: the caller treats them as
    stored values."""
    _require_write(session)
    source, ref = stamp
    moment = bindparam("now", utcnow(), type_=VALUES.c.updated_at.type)
    columns = ", ".join(FIELDS)
    offered = ", ".join(f"d.{f}" for f in FIELDS)
    insert = (
        f"INSERT INTO indicator_values (framework_id, unit_id, period, indicator, {columns}, "
        "source, source_ref, reported_at, updated_at, updated_by) "
        f"SELECT :framework, s.unit_id, s.period, s.indicator, {offered}, :source, :ref, :now, "
        ":now, :actor FROM chiso_staged s JOIN chiso_offered d ON d.id = s.value "
        "WHERE s.missing = 1 ORDER BY s.unit_id, s.period, s.indicator"
    )
    bound = {"framework": framework_id, "source": source, "ref": ref, "actor": actor.name}
    raced: set[int] = set()
    if serialises_writes(session):
        session.execute(text(insert).bindparams(moment), bound)
    else:
        # Keys another writer inserted meanwhile are skipped (the statement waits for it).
        done = session.execute(
            text(
                insert + " ON CONFLICT (framework_id, unit_id, period, indicator) DO NOTHING "
                "RETURNING unit_id, period, indicator"
            ).bindparams(moment),
            bound,
        ).all()
        inserted = {(r[0], r[1], r[2]) for r in done}
        wanted = session.execute(
            text("SELECT ordinal, unit_id, period, indicator FROM chiso_staged WHERE missing = 1")
        ).all()
        raced = {r[0] for r in wanted if (r[1], r[2], r[3]) not in inserted}
        if raced:
            _mark(session, sorted(raced), 0)
    # One audit row per value just inserted, its key made as `value_key` makes it, its
    # document serialised once per distinct value (as the JSON column would).
    key = "'/' || u.key || '/' || s.period || '/' || s.indicator"
    audited = session.execute(
        text(
            "INSERT INTO audit_log (at, actor, action, entity, entity_key, source, before, after) "
            f"SELECT :now, :actor, 'value.set', 'value', :framework || {key}, :ref, NULL, "
            "d.document FROM chiso_staged s JOIN units u ON u.id = s.unit_id "
            "JOIN chiso_offered d ON d.id = s.value WHERE s.missing = 1 ORDER BY s.ordinal"
        ).bindparams(bindparam("now", utcnow(), type_=audit_repo.AUDIT.c.at.type)),
        {"framework": framework_id, "actor": actor.name, "ref": ref},
    )
    if cast(CursorResult[Any], audited).rowcount:
        audit_repo.audited_in_sql(session, "value")
    return raced


def lock(session: Session, framework_id: str, ids: Iterable[int]) -> dict[int, Current] | None:
    """Locks stored rows by id (in id order) and reads them again as they are now, after any
    writer that held them committed; None on SQLite, where a write transaction holds the whole
    database from its start, so what it read is still what is stored."""
    _require_write(session)
    if serialises_writes(session):
        return None
    table = VALUES
    ordered = sorted(set(ids))
    out: dict[int, Current] = {}
    for start in range(0, len(ordered), CHUNK):
        query = (
            select(table.c.id, *_table_columns(), table.c.source)
            .where(
                table.c.framework_id == framework_id,
                table.c.id.in_(ordered[start : start + CHUNK]),
            )
            .order_by(table.c.id)
            .with_for_update()
        )
        for row in session.execute(query):
            out[row[0]] = (row[0], (row[1], row[2], row[3], row[4], row[5]), row[6])
    return out


def _require_write(session: Session) -> None:
    if not is_write(session):
        raise RuntimeError(
            "values are written only in a write transaction (rt.db.transaction(write=True) "
            "or rt.db.run_write), which serialises writers"
        )


def update_values(
    session: Session, actor: Actor, stamp: tuple[str, str], changed: Sequence[tuple[int, Value]]
) -> None:
    """New values for stored rows (by id, locked by `lock` on PostgreSQL), in bulk."""
    _require_write(session)
    if not changed:
        return
    source, ref = stamp
    table = VALUES
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(
            {
                **{f: bindparam(f) for f in FIELDS},
                "source": bindparam("source"),
                "source_ref": bindparam("source_ref"),
                "updated_at": bindparam("updated_at"),
                "updated_by": bindparam("updated_by"),
            }
        )
    )
    made = {"source": source, "source_ref": ref, "updated_at": utcnow(), "updated_by": actor.name}
    rows = [{"row_id": i, **fields(v), **made} for i, v in sorted(changed, key=lambda c: c[0])]
    for start in range(0, len(rows), BULK):
        session.execute(statement, rows[start : start + BULK])


def current_state(
    session: Session, framework_id: str | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(audit key, fields) of every stored value, as the audit log names and records them."""
    table = VALUES
    query = select(
        table.c.framework_id, units.c.key, table.c.period, table.c.indicator, *_table_columns()
    ).join(units, units.c.id == table.c.unit_id)
    if framework_id:
        query = query.where(table.c.framework_id == framework_id)
    for row in session.execute(query.execution_options(yield_per=BULK)):
        yield "/".join(row[:4]), dict(zip(FIELDS, row[4:], strict=True))


def measured(
    session: Session, framework_id: str, period: Period, indicators: Sequence[str] | None = None
) -> list[tuple[int, str, Columns]]:
    """(unit id, indicator, columns) of a period, read as plain rows through the driver's
    cursor (quality checks compare every value of a period after an import: 200.700 rows made
    into SQLAlchemy rows first cost more than the query)."""
    mark = param_mark(session)
    sql = (
        f"SELECT unit_id, indicator, {', '.join(FIELDS)} FROM indicator_values "
        f"WHERE framework_id = {mark} AND period = {mark}"
    )
    params = [framework_id, str(period)]
    if indicators:
        sql += f" AND indicator IN ({', '.join([mark] * len(indicators))})"
        params += indicators
    rows = driver_rows(session, sql, params)
    return [(r[0], r[1], r[2:]) for r in rows]


def _query(
    framework_id: str | None,
    periods: Sequence[Period] | None,
    unit_ids: Sequence[int] | None,
    indicators: Sequence[str] | None,
) -> Query:
    query = select(*(VALUES.c[c] for c in _COLUMNS), units.c.key, units.c.name).join(
        units, units.c.id == VALUES.c.unit_id
    )
    if framework_id:
        query = query.where(VALUES.c.framework_id == framework_id)
    if periods:
        query = query.where(VALUES.c.period.in_([str(p) for p in periods]))
    if unit_ids:
        query = query.where(VALUES.c.unit_id.in_(unit_ids))
    if indicators:
        query = query.where(VALUES.c.indicator.in_(indicators))
    order = (VALUES.c.period, VALUES.c.unit_id, VALUES.c.indicator)
    return query.order_by(*order)


def values(
    session: Session,
    framework_id: str | None = None,
    periods: Sequence[Period] | None = None,
    unit_ids: Sequence[int] | None = None,
    indicators: Sequence[str] | None = None,
) -> list[StoredValue]:
    rows = session.execute(_query(framework_id, periods, unit_ids, indicators)).all()
    parsed: dict[str, Period] = {}
    return [_stored(row, parsed) for row in rows]


_COLUMNS = (
    "framework_id",
    "unit_id",
    "period",
    "indicator",
    "number",
    "numerator",
    "denominator",
    "text",
    "index_value",
    "source",
    "source_ref",
    "reported_at",
    "updated_at",
    "updated_by",
)
"""The columns `values` reads as plain rows: tens of thousands of ORM objects for a page that only
reads them cost seconds."""


def _stored(row: Any, parsed: dict[str, Period]) -> StoredValue:
    (framework, unit_id, text, indicator, number, numerator, denominator, label, index) = row[:9]
    source, source_ref, reported_at, updated_at, updated_by, key, name = row[9:]
    period = parsed.get(text) or parsed.setdefault(text, Period.parse(text))
    value = finite_or_missing(Value(number, numerator, denominator, label, index))
    return StoredValue(
        framework_id=framework,
        unit_id=unit_id,
        unit_key=key,
        unit_name=name,
        period=period,
        indicator=indicator,
        value=value,
        source=source,
        source_ref=source_ref,
        reported_at=reported_at,
        updated_at=updated_at,
        updated_by=updated_by,
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
    query = select(VALUES.c.period).where(VALUES.c.framework_id == framework_id).distinct()
    found = [Period.parse(p) for p in session.scalars(query)]
    return sorted(found, key=lambda p: (p.start, p.granularity.months))


def frameworks_with_values(session: Session) -> list[str]:
    """The frameworks with any stored value (what the server evaluates ahead of page views)."""
    query = select(VALUES.c.framework_id).distinct()
    return sorted(session.scalars(query))


def reporters(session: Session, framework_id: str, period: Period) -> dict[int, datetime]:
    """Unit id → first time a value of the period was reported (for timeliness)."""
    query = select(VALUES.c.unit_id, VALUES.c.reported_at).where(
        VALUES.c.framework_id == framework_id, VALUES.c.period == str(period)
    )
    out: dict[int, datetime] = {}
    for unit_id, at in session.execute(query):
        if unit_id not in out or at < out[unit_id]:
            out[unit_id] = at
    return out
