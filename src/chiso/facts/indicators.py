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


@dataclass(frozen=True)
class Measure:
    """An indicator computed from one source: numerator over denominator, or a count."""

    indicator: str
    source: str
    numerator: str
    denominator: str | None


MEASURES = (
    Measure("signed_docs_rate", "documents", "signed", "docs"),
    Measure("online_docs_rate", "documents", "online", "docs"),
    Measure("paperless_meetings", "meetings", "paperless", None),
    Measure("paperless_meetings_rate", "meetings", "paperless", "meetings"),
    Measure("official_email_rate", "email", "active", "accounts"),
    Measure("online_applications_rate", "applications", "online", "applications"),
    Measure("digitised_results_rate", "applications", "digitised", "applications"),
    Measure("on_time_rate", "applications", "on_time", "applications"),
)


def per_unit(
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


def indicator_rows(engine: Engine, tables: dict[str, ir.Table], months: Sequence[str], ancestors: Ancestors,
                   closed_loop: bool = True) -> list[tuple[str, str, float, float | None]]:  # fmt: skip
    """(unit_code, indicator, numerator or count, denominator) for every unit with records and
    every unit above it. One scan per source; `ancestors(codes)` gives the hierarchy of the
    unit codes found."""
    counts = {
        source: engine.fetch(expr).to_pylist()
        for source, expr in per_unit(tables, months, closed_loop).items()
    }
    pairs = ancestors(sorted({row["unit_code"] for rows in counts.values() for row in rows}))
    out: list[tuple[str, str, float, float | None]] = []
    for source, rows in counts.items():
        totals = rolled_up(rows, pairs)
        for measure in (m for m in MEASURES if m.source == source):
            for unit, sums in totals.items():
                denominator = sums[measure.denominator] if measure.denominator else None
                if measure.denominator and not denominator:
                    continue
                out.append((unit, measure.indicator, float(sums[measure.numerator]),
                            float(denominator) if denominator is not None else None))  # fmt: skip
    return sorted(out)
