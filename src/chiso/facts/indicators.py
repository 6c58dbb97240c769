"""Platform-usage indicators from raw records, written once as Ibis expressions.

They run on the configured engine (`facts.engine`: DuckDB by default, Spark for clusters).
Rates are numerator and denominator, summed over the months of a period and up the unit
hierarchy, so they roll up correctly."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chiso.facts import summaries
from chiso.facts.engine import Engine
from chiso.facts.schemas import SHIPPED, Measure, Source

if TYPE_CHECKING:
    import ibis.expr.types as ir

IBIS_TYPES = {"string": "string", "boolean": "boolean", "timestamp": "timestamp", "date": "date",
              "month": "string", "integer": "int64", "number": "float64"}  # fmt: skip


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
        counts = [(c, int(v)) for c, v in row.items() if c != "unit_code"]
        for ancestor in above.get(row["unit_code"], ()):
            bucket = totals.get(ancestor)
            if bucket is None:
                totals[ancestor] = dict(counts)
                continue
            for column, value in counts:
                bucket[column] = bucket.get(column, 0) + value
    return totals


def measure_counts(
    tables: dict[str, ir.Table],
    sources: dict[str, Source],
    measures: Sequence[Measure],
    months: Sequence[str] | None,
    by_month: bool = False,
) -> dict[str, ir.Table]:
    """Per source with measures: one scan giving, per unit over the months (all the table's
    when None), `n<i>` (numerator) and `d<i>` (denominator) of each measure i; with `by_month`
    per unit and month (the counts add up, so months sum to the period's)."""
    out: dict[str, ir.Table] = {}
    for name, table in tables.items():
        mine = [(i, m) for i, m in enumerate(measures) if m.source == name]
        if not mine:
            continue
        src = sources[name]
        t = table if months is None else table.filter(table.month.isin(list(months)))
        metrics: dict[str, ir.Scalar] = {}
        for i, measure in mine:
            num, den = measure.filters(src.kinds)
            metrics[f"n{i}"] = _count_true(num(t))
            if den is not None:
                metrics[f"d{i}"] = _count_true(den(t))
        keys = [t[src.unit].name("unit_code"), *([t.month] if by_month else [])]
        out[name] = t.group_by(keys).aggregate(**metrics)
    return out


def compiled_counts(
    sources: dict[str, Source],
    measures: Sequence[Measure],
    names: Sequence[str],
    cache: Path | None = None,
    by_month: bool = False,
) -> dict[str, str]:
    """The DuckDB SQL of `measure_counts` over tables `facts_<name>` (holding the period's files
    only), compiled by Ibis once per set of declarations and kept in `cache`: a later run with
    the same sources, measures, chiso and Ibis reads it back and never imports Ibis."""
    declared = {
        "chiso": metadata.version("chiso"),
        "ibis": metadata.version("ibis-framework"),
        "sources": {n: [sources[n].unit, sources[n].kinds] for n in sorted(names)},
        "measures": [
            [m.indicator, m.source, m.numerator, m.denominator, m.where] for m in measures
        ],
        **({"by_month": True} if by_month else {}),
    }
    key = hashlib.sha256(json.dumps(declared, sort_keys=True).encode()).hexdigest()[:32]
    path = cache / f"counts-{key}.json" if cache else None
    for kept_at in (path, COMPILED / f"counts-{key}.json"):
        if kept_at is not None and kept_at.exists():
            kept: dict[str, str] = json.loads(kept_at.read_text("utf-8"))
            return kept
    import ibis

    tables = {
        n: ibis.table({**{c: IBIS_TYPES[k] for c, k in sources[n].kinds.items()}, "month": "string"},
                      name=f"facts_{n}")
        for n in names
    }  # fmt: skip
    sql = {
        name: str(ibis.to_sql(expr, dialect="duckdb"))
        for name, expr in measure_counts(tables, sources, measures, None, by_month).items()
    }
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex}")
        tmp.write_text(json.dumps(sql), "utf-8")
        os.replace(tmp, path)
    return sql


COMPILED = SHIPPED / "compiled"
"""The SQL of the shipped sources and measures, compiled ahead (`ship_compiled`) so that a fresh
data folder (`chiso demo`) never imports Ibis; a test keeps it equal to what Ibis compiles."""


def ship_compiled(sources: dict[str, Source], measures: Sequence[Measure]) -> list[Path]:
    """Writes into `COMPILED` the SQL of `measures` over all of `sources`, per unit and per unit
    and month, in place of what it held: `python -c "from chiso.facts.indicators import *;
    from chiso.facts.schemas import catalog; c = catalog(); ship_compiled(c.sources, c.measures)"`
    after a change to the shipped sources or measures, Ibis or chiso's version."""
    for old in COMPILED.glob("counts-*.json"):
        old.unlink()
    for by_month in (False, True):
        compiled_counts(sources, measures, sorted(sources), COMPILED, by_month)
    return sorted(COMPILED.glob("counts-*.json"))


Counts = dict[str, list[dict[str, Any]]]
"""Per source, one row per unit code (and month, `by_month`): `unit_code` and the `n<i>`/`d<i>`
sums of its measures."""


PeriodAncestors = Callable[[str, list[str]], list[tuple[str, str]]]


def period_rows(
    engine: Engine,
    stored: dict[str, tuple[str, list[str]]],
    sources: dict[str, Source],
    measures: Sequence[Measure],
    periods: Mapping[str, Sequence[str]],
    ancestors: PeriodAncestors,
    cache: Path | None = None,
) -> dict[str, list[tuple[str, str, float, float | None]]]:
    """Per period (name → its months): (unit_code, indicator, numerator or count, denominator)
    for every unit with records and every unit above it; a rate whose denominator is 0 is left
    out. Counted per unit and month and summed over each period's months (24 months at once
    instead of 24 scans): on DuckDB from the months' summaries where they are fresh and one
    scan of the other months' files (`stored`: source → its folder and the committed files of
    the months); on Spark by one scan per source (per unit only, for a single period).
    `ancestors(period, codes)` gives the hierarchy in force in that period."""

    def of(name: str) -> Ancestors:
        return lambda codes: ancestors(name, codes)

    if engine.name == "duckdb":
        counts = period_counts(engine, stored, sources, measures, periods, cache)
        return {name: rows_of(counts[name], measures, of(name)) for name in periods}
    if len(periods) == 1:
        ((name, months),) = periods.items()
        alone = source_counts(engine, stored, sources, measures, months, cache)
        return {name: rows_of(alone, measures, of(name))}
    every = sorted({m for ms in periods.values() for m in ms})
    counts_by_month = source_counts(engine, stored, sources, measures, every, cache, by_month=True)
    return {
        name: rows_of(part, measures, of(name))
        for name, part in per_period(counts_by_month, periods).items()
    }


def period_counts(
    engine: Engine,
    stored: dict[str, tuple[str, list[str]]],
    sources: dict[str, Source],
    measures: Sequence[Measure],
    periods: Mapping[str, Sequence[str]],
    cache: Path | None = None,
) -> dict[str, Counts]:
    """DuckDB: per period, the counts per unit over its months. A month with a fresh summary
    (`facts.summaries`) is read from it; the other months' files are scanned once, by month;
    DuckDB sums the months of each period."""
    sql = compiled_counts(sources, measures, list(stored), cache, by_month=True)
    views: dict[str, list[str]] = {}
    kept: dict[str, list[str]] = {}
    for n in sql:
        root, files = stored[n]
        kept[n], files = summaries.lookup(Path(root), files, sql[n])
        if files:
            views[n] = [f"{root.rstrip('/')}/{f}" for f in files]
    return engine.run_periods(views, sql, kept, periods)


def summary_queries(
    sources: dict[str, Source],
    measures: Sequence[Measure],
    names: Sequence[str],
    cache: Path | None = None,
) -> dict[str, str]:
    """Per source with measures, the by-month query whose rows a monthly summary keeps."""
    return compiled_counts(sources, measures, names, cache, by_month=True)


def per_period(counts: Counts, periods: Mapping[str, Sequence[str]]) -> dict[str, Counts]:
    """Counts per unit and month (`by_month`) summed over each period's months: per period,
    the counts per unit that a scan of its months alone gives."""
    out: dict[str, Counts] = {}
    for name, wanted in periods.items():
        inside = set(wanted)
        out[name] = {}
        for source, rows in counts.items():
            per_unit: dict[str, dict[str, Any]] = {}
            for row in rows:
                if row["month"] not in inside:
                    continue
                bucket = per_unit.setdefault(row["unit_code"], {"unit_code": row["unit_code"]})
                for column, value in row.items():
                    if column not in ("unit_code", "month"):
                        bucket[column] = bucket.get(column, 0) + int(value)
            out[name][source] = list(per_unit.values())
    return out


def source_counts(
    engine: Engine,
    stored: dict[str, tuple[str, list[str]]],
    sources: dict[str, Source],
    measures: Sequence[Measure],
    months: Sequence[str],
    cache: Path | None = None,
    by_month: bool = False,
) -> Counts:
    """One scan per source over `stored` (source → its folder and the committed files of the
    months). On DuckDB the compiled SQL runs as it is (`compiled_counts`; `period_counts` reads
    the monthly summaries instead); on Spark the Ibis expressions run on the session."""
    if engine.name == "duckdb":
        sql = compiled_counts(sources, measures, list(stored), cache, by_month)
        views = {
            n: [f"{root.rstrip('/')}/{f}" for f in files] for n, (root, files) in stored.items()
        }
        return engine.run_sql({n: views[n] for n in sql}, sql)
    tables = {n: engine.open(n, root, files) for n, (root, files) in stored.items()}
    return {
        source: engine.fetch(expr).to_pylist()
        for source, expr in measure_counts(tables, sources, measures, months, by_month).items()
    }


def rows_of(
    counts: Counts, measures: Sequence[Measure], ancestors: Ancestors
) -> list[tuple[str, str, float, float | None]]:
    """The rows `period_rows` gives from the counts of a scan; `ancestors(codes)` is asked once
    for all the unit codes found."""
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
