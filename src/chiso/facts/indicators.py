"""Platform-usage indicators from raw records, written once as Ibis expressions.

They run on the configured engine (`facts.engine`: DuckDB by default, Spark for clusters).
Rates are numerator and denominator, summed over the months of a period and up the unit
hierarchy, so they roll up correctly."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ibis.expr.types as ir

from chiso.facts.engine import Engine
from chiso.facts.schemas import Measure, Source


def _count_true(flag: ir.BooleanValue) -> ir.IntegerScalar:
    return flag.ifelse(1, 0).sum().cast("int64")


Ancestors = Callable[[list[str]], list[tuple[str, str]]]


def rolled_up(
    rows: list[dict[str, Any]], pairs: list[tuple[str, str]]
) -> dict[str, dict[str, int]]:
    """Sums each unit's counts into itself and every unit above it; `pairs` maps a unit code to
    each of its ancestors, itself included. The rows are per unit (hundreds), so plain Python."""
    above: dict[str, list[str]] = {}
    for code, ancestor in pairs:
        above.setdefault(code, []).append(ancestor)
    totals: dict[str, dict[str, int]] = {}
    for row in rows:
        for ancestor in above.get(row["unit_code"], []):
            bucket = totals.setdefault(ancestor, {})
            for column, value in row.items():
                if column != "unit_code":
                    bucket[column] = bucket.get(column, 0) + int(value)
    return totals


def measure_counts(
    tables: dict[str, ir.Table],
    sources: dict[str, Source],
    measures: Sequence[Measure],
    months: Sequence[str],
) -> dict[str, ir.Table]:
    """Per source with measures: one scan giving, per unit over the months, `n<i>` (numerator)
    and `d<i>` (denominator) of each measure i."""
    out: dict[str, ir.Table] = {}
    for name, table in tables.items():
        mine = [(i, m) for i, m in enumerate(measures) if m.source == name]
        if not mine:
            continue
        src = sources[name]
        t = table.filter(table.month.isin(list(months)))
        metrics: dict[str, ir.Scalar] = {}
        for i, measure in mine:
            num, den = measure.filters(src.kinds)
            metrics[f"n{i}"] = _count_true(num(t))
            if den is not None:
                metrics[f"d{i}"] = _count_true(den(t))
        out[name] = t.group_by(t[src.unit].name("unit_code")).aggregate(**metrics)
    return out


def indicator_rows(
    engine: Engine,
    tables: dict[str, ir.Table],
    sources: dict[str, Source],
    measures: Sequence[Measure],
    months: Sequence[str],
    ancestors: Ancestors,
) -> list[tuple[str, str, float, float | None]]:
    """(unit_code, indicator, numerator or count, denominator) for every unit with records and
    every unit above it; a rate whose denominator is 0 is left out. One scan per source;
    `ancestors(codes)` gives the hierarchy of the unit codes found."""
    counts = {
        source: engine.fetch(expr).to_pylist()
        for source, expr in measure_counts(tables, sources, measures, months).items()
    }
    pairs = ancestors(sorted({row["unit_code"] for rows in counts.values() for row in rows}))
    out: list[tuple[str, str, float, float | None]] = []
    for source, rows in counts.items():
        totals = rolled_up(rows, pairs)
        for i, measure in enumerate(measures):
            if measure.source != source:
                continue
            for unit, sums in totals.items():
                if measure.denominator is None:
                    out.append((unit, measure.indicator, float(sums[f"n{i}"]), None))
                elif sums[f"d{i}"]:
                    out.append(
                        (unit, measure.indicator, float(sums[f"n{i}"]), float(sums[f"d{i}"]))
                    )
    return sorted(out)
