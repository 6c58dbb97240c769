"""Platform-usage indicators from raw records, written once as Ibis expressions.

They run on the configured engine (`facts.engine`: DuckDB by default, Spark for clusters).
Rates are numerator and denominator, summed over the months of a period and up the unit
hierarchy, so they roll up correctly."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir

from chiso.facts.engine import Engine
from chiso.facts.schemas import Measure, Source


@dataclass(frozen=True)
class LegacyMeasure:
    """The hard-coded measures, kept until the YAML ones are shown to give the same values."""

    indicator: str
    source: str
    numerator: str
    denominator: str | None


LEGACY_MEASURES = (
    LegacyMeasure("signed_docs_rate", "documents", "signed", "docs"),
    LegacyMeasure("online_docs_rate", "documents", "online", "docs"),
    LegacyMeasure("paperless_meetings", "meetings", "paperless", None),
    LegacyMeasure("paperless_meetings_rate", "meetings", "paperless", "meetings"),
    LegacyMeasure("official_email_rate", "email", "active", "accounts"),
    LegacyMeasure("online_applications_rate", "applications", "online", "applications"),
    LegacyMeasure("digitised_results_rate", "applications", "digitised", "applications"),
    LegacyMeasure("on_time_rate", "applications", "on_time", "applications"),
)


def legacy_per_unit(
    tables: dict[str, ir.Table], months: Sequence[str], closed_loop: bool = True
) -> dict[str, ir.Table]:
    """Per source: counts per unit over the given months. Classified documents are left out; a
    document is signed only with both a personal and an organisation signature unless
    `closed_loop` is False (then either is enough)."""
    out: dict[str, ir.Table] = {}
    wanted = list(months)
    if "documents" in tables:
        d = tables["documents"]
        d = d.filter(d.month.isin(wanted) & ~d.classified)
        signed = (
            (d.signed_personal & d.signed_org)
            if closed_loop
            else (d.signed_personal | d.signed_org)
        )
        out["documents"] = d.group_by("unit_code").aggregate(
            docs=d.count(), signed=_count_true(signed), online=_count_true(d.sent_online)
        )
    if "meetings" in tables:
        m = tables["meetings"]
        m = m.filter(m.month.isin(wanted))
        out["meetings"] = m.group_by("unit_code").aggregate(
            meetings=m.count(), paperless=_count_true(m.paperless)
        )
    if "email" in tables:
        e = tables["email"]
        e = e.filter(e.month.isin(wanted))
        out["email"] = e.group_by("unit_code").aggregate(
            accounts=e.count(), active=_count_true(e.active)
        )
    if "applications" in tables:
        a = tables["applications"]
        a = a.filter(a.month.isin(wanted))
        out["applications"] = a.group_by("unit_code").aggregate(
            applications=a.count(), online=_count_true(a.online),
            digitised=_count_true(a.result_digitised), on_time=_count_true(a.on_time),
        )  # fmt: skip
    return out


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


def legacy_indicator_rows(engine: Engine, tables: dict[str, ir.Table], months: Sequence[str], ancestors: Ancestors,
                   closed_loop: bool = True) -> list[tuple[str, str, float, float | None]]:  # fmt: skip
    """(unit_code, indicator, numerator or count, denominator) for every unit with records and
    every unit above it. One scan per source; `ancestors(codes)` gives the hierarchy of the
    unit codes found."""
    counts = {
        source: engine.fetch(expr).to_pylist()
        for source, expr in legacy_per_unit(tables, months, closed_loop).items()
    }
    pairs = ancestors(sorted({row["unit_code"] for rows in counts.values() for row in rows}))
    out: list[tuple[str, str, float, float | None]] = []
    for source, rows in counts.items():
        totals = rolled_up(rows, pairs)
        for measure in (m for m in LEGACY_MEASURES if m.source == source):
            for unit, sums in totals.items():
                denominator = sums[measure.denominator] if measure.denominator else None
                if measure.denominator and not denominator:
                    continue
                out.append((unit, measure.indicator, float(sums[measure.numerator]),
                            float(denominator) if denominator is not None else None))  # fmt: skip
    return sorted(out)


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
