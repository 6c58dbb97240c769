"""Raw platform records in, platform-usage indicators out (stored like any other values)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from chiso.domain.periods import Period
from chiso.domain.scoring import Value
from chiso.domain.units import Unit, UnitKind, in_force
from chiso.errors import UsageError
from chiso.facts import indicators
from chiso.facts.engine import Engine, EngineConfig, connect
from chiso.facts.schemas import Catalog, Measure, catalog
from chiso.facts.store import CompactReport, FactStore, IngestReport
from chiso.services.periods import parse_period
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.services.units.resolver import UnitResolver, full_resolver
from chiso.services.values.changes import ImportReport, Matched, apply_values
from chiso.services.values.quality import flags_for
from chiso.store import units_repo
from chiso.store.db import Session

DEFAULT_FRAMEWORK = "platform-usage"
__all__ = [
    "CompactReport", "IngestReport", "compact", "compute", "compute_many", "compute_months",
    "ingest", "ingest_export",
]  # fmt: skip


def catalog_of(rt: Runtime) -> Catalog:
    """The shipped sources and measures with the province's own (CHISO_DATA_DIR/facts/…)."""
    return catalog(rt.settings.data_dir / "facts")


def source_labels(rt: Runtime) -> dict[str, str]:
    return {name: src.label_vi for name, src in catalog_of(rt).sources.items()}


def store_of(rt: Runtime) -> FactStore:
    return FactStore(rt.settings.effective_facts_location)


def engine_of(rt: Runtime) -> Engine:
    """The analytics engine the settings name (CHISO_FACTS_ENGINE and the Spark settings)."""
    s = rt.settings
    return connect(EngineConfig(s.facts_engine, s.facts_spark_remote, s.facts_spark_master))


def summary_sql(rt: Runtime, known: Catalog, source_name: str) -> str | None:
    """The by-month query of the source's measures (as declared, closed-loop signatures) that
    its monthly summaries keep; None for a source without measures. Compiled for all the
    known sources at once (a source's query does not depend on the others'): the shipped
    sources then find it precompiled (`indicators.COMPILED`) and a fresh folder imports no
    Ibis, where one source alone was a set of declarations of its own, compiled by Ibis."""
    cache = rt.settings.data_dir / "tmp" / "facts-sql"
    names = sorted(known.sources)
    queries = indicators.summary_queries(known.sources, known.measures, names, cache)
    return queries.get(source_name)


def compact(rt: Runtime, source_names: Sequence[str] = ()) -> list[CompactReport]:
    """Merges each month's small files into one per source (all sources by default)."""
    store = store_of(rt)
    known = catalog_of(rt)
    wanted = [known.source(n) for n in source_names] or list(known.sources.values())
    return [
        store.compact(src, summary_sql(rt, known, src.name)) for src in wanted if store.has(src)
    ]


def ingest(rt: Runtime, source_name: str, files: Sequence[Path]) -> IngestReport:
    known = catalog_of(rt)
    src = known.source(source_name)
    return store_of(rt).ingest(
        src, files, _known_units(rt), rt.settings.data_dir / "tmp", summary_sql(rt, known, src.name)
    )


def profile_names(rt: Runtime) -> dict[str, str]:
    from chiso.facts import profiles

    known = catalog_of(rt)
    return {
        n: p.label_vi
        for n, p in profiles.profiles(known.sources, rt.settings.data_dir / "facts").items()
    }


def ingest_export(
    rt: Runtime, profile_name: str, files: Sequence[Path], period: str | None = None
) -> IngestReport | ImportReport:
    """An office's export read through a column-mapping profile: records of a source (stored as
    `ingest` stores them) or statistics aggregated per unit (stored as values). Every file is
    read and checked before anything is stored."""
    from chiso.facts import profiles  # only here: `compute` and `ingest` do not read exports
    from chiso.io.tables import first_nonempty, read_table
    from chiso.io.writers import write_table
    from chiso.services.values.importer import import_values

    known = catalog_of(rt)
    found = profiles.profiles(known.sources, rt.settings.data_dir / "facts")
    if profile_name not in found:
        raise UsageError(
            f"Hồ sơ ánh xạ '{profile_name}' không có.", f"unknown profile {profile_name!r}",
            hint_vi="dùng: " + ", ".join(found) + " (hoặc thêm tệp YAML vào $CHISO_DATA_DIR/facts/profiles).",
        )  # fmt: skip
    profile = found[profile_name]
    work = rt.settings.data_dir / "tmp"
    work.mkdir(parents=True, exist_ok=True)
    converted = profiles.Converted()
    with rt.db.transaction() as session:
        matcher = full_resolver(session)

        def resolve(text: str, on: date) -> tuple[str | None, str | None]:
            unit, reason = matcher.match(text, on)
            return (unit.key, None) if unit else (None, reason)

        for path in files:
            sheet = first_nonempty(read_table(path, profile.aliases(), is_header=profile.is_header))
            if profile.kind == "aggregate":
                part = profiles.to_values(profile, sheet, period)
            else:
                part = profiles.to_records(
                    profile, known.source(str(profile.source)), sheet, resolve
                )
            converted.records += part.records
            for what, places in part.problems.items():
                converted.problems.setdefault(what, []).extend(places)
    label = ", ".join(p.name for p in files)
    if converted.problems:
        raise converted.refusal(label)
    out = work / f"export-{uuid.uuid4().hex}"
    try:
        if profile.kind == "aggregate":
            out = out.with_suffix(".csv")
            write_table(out, ("unit_code", "period", "indicator", "numerator", "denominator", "value"),
                        [list(r.values()) for r in converted.records])  # fmt: skip
            return import_values(rt, out, profile.framework or DEFAULT_FRAMEWORK, period)
        out = out.with_suffix(".jsonl")
        out.write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in converted.records), "utf-8"
        )
        src = known.source(str(profile.source))
        sql = summary_sql(rt, known, src.name)
        report = store_of(rt).ingest(src, [out], _known_units(rt), work, sql)
        report.files = [p.name for p in files]
        return report
    finally:
        out.unlink(missing_ok=True)


def _known_units(rt: Runtime) -> Callable[[list[str]], set[str]]:
    def known(codes: list[str]) -> set[str]:
        with rt.db.transaction() as session:
            matcher = full_resolver(session)
            return {c for c in codes if matcher.known(c)}

    return known


def compute(
    rt: Runtime,
    period_text: str,
    framework_ref: str = DEFAULT_FRAMEWORK,
    closed_loop: bool = True,
    engine: Engine | None = None,
    replace: bool = False,
) -> ImportReport:
    """Indicators of every unit with records (and every unit above it) for the period, stored as
    computed values; running it again on the same records changes nothing. A value a unit
    reported stays unless `replace` (the computed one is then counted as skipped). Runs on
    `engine`, else on the engine the settings name."""
    period = parse_period(period_text)
    return compute_many(rt, [period], framework_ref, closed_loop, engine, replace)[0]


def compute_months(
    rt: Runtime,
    period_text: str,
    framework_ref: str = DEFAULT_FRAMEWORK,
    closed_loop: bool = True,
    replace: bool = False,
) -> list[ImportReport]:
    """Each month of the period computed and stored as its own period (`compute_many`)."""
    months = parse_period(period_text).months()
    return compute_many(rt, months, framework_ref, closed_loop, replace=replace)


def compute_many(
    rt: Runtime,
    periods: Sequence[Period],
    framework_ref: str = DEFAULT_FRAMEWORK,
    closed_loop: bool = True,
    engine: Engine | None = None,
    replace: bool = False,
    flags: bool = True,
) -> list[ImportReport]:
    """`compute` of several periods (the 24 months of the demo, the months of a year) with one
    scan per source counted per unit and month, and all periods stored in one write
    transaction: what `compute` of each period would store and audit, without a scan, an
    engine and a transaction per period. One report per period; without `flags` the reports
    list no values to look at again (the demo, whose generated values nobody reviews)."""
    framework = frameworks.get(rt, framework_ref)
    store = store_of(rt)
    known = catalog_of(rt)
    stored = {name: store.files(src) for name, src in known.sources.items() if store.has(src)}
    if not stored:
        raise UsageError(
            "Chưa có bản ghi nào của các nền tảng.", "no raw records stored",
            hint_vi="nạp bằng `chiso facts ingest --source documents TỆP…` hoặc tạo thử bằng `chiso generate`.",
        )  # fmt: skip
    measures = [m if closed_loop else m.variant("either_signature") for m in known.measures]
    backend = engine or engine_of(rt)
    try:
        matched = _matched(rt, backend, store, known, stored, list(periods), framework, measures)
    finally:
        if engine is None:
            backend.close()
    signing = "khép kín" if closed_loop else "một chữ ký"

    def work(session: Session) -> list[ImportReport]:
        reports = []
        for period, found in zip(periods, matched, strict=True):
            ref = f"facts {', '.join(sorted(stored))} — {period} ({signing})"
            report = ImportReport(f"bản ghi {period}", framework.id, len(found))
            apply_values(session, rt.actor, framework, found, ref, "computed", report, replace)
            if flags and (report.created or report.updated):
                report.flags = flags_for(session, framework, found)
            reports.append(report)
        return reports

    return rt.db.run_write(work)


def _matched(
    rt: Runtime,
    backend: Engine,
    store: FactStore,
    known: Catalog,
    stored: dict[str, list[str]],
    periods: list[Period],
    framework: Any,
    measures: list[Measure],
) -> list[list[Matched]]:
    """The computed values of the framework's leaves, per period and unit reached, every period
    counted in one scan per source (`indicators.period_rows`)."""

    months = {str(p): [str(m) for m in p.months()] for p in periods}
    wanted = {f"month={m}" for ms in months.values() for m in ms}
    in_period = {
        name: (str(store.folder(known.sources[name])), chosen)
        for name, files in stored.items()
        if (chosen := [f for f in files if f.split("/", 1)[0] in wanted])
    }
    by_name = {str(p): p for p in periods}
    units: dict[str, dict[str, tuple[int, str]]] = {str(p): {} for p in periods}
    cache = rt.settings.data_dir / "tmp" / "facts-sql"
    with rt.db.transaction() as session:
        matcher = full_resolver(session)

        def ancestors(name: str, codes: list[str]) -> list[tuple[str, str]]:
            found, pairs = _ancestors(session, matcher, codes, by_name[name])
            units[name].update(found)
            return pairs

        rows = indicators.period_rows(
            backend, in_period, known.sources, measures, months, ancestors, cache=cache
        )
    leaves = {n.code for n in framework.leaves()}
    return [
        [
            Matched(reached[key][0], key, reached[key][1], period, indicator,
                    Value(numerator=num, denominator=den) if den is not None else Value(number=num))
            for key, indicator, num, den in rows[str(period)]
            if indicator in leaves and key in (reached := units[str(period)])
        ]
        for period in periods
    ]  # fmt: skip


def _ancestors(
    session: Session, matcher: UnitResolver, codes: list[str], period: Period
) -> tuple[dict[str, tuple[int, str]], list[tuple[str, str]]]:
    """Unit key → (id, name) for every unit reached, and (record code, unit key) pairs for the
    unit of each code and all units above it. Before a merger of provinces (1/7/2025) the
    records of a former province's units also count for the one province it merged into,
    which its departments already roll up to: otherwise the new province's months before the
    merger hold its departments alone and its counts jump when the communes join it."""
    chains = {}
    for code in codes:
        found, _ = matcher.match(code, period.end)
        if found:
            chains[code] = matcher.lineage_up(found)
    merged_into = _later_province(session, matcher, [u for c in chains.values() for u in c], period)
    units: dict[str, tuple[int, str]] = {}
    pairs: list[tuple[str, str]] = []
    for code, chain in chains.items():
        reached = {u.key: u for u in chain}
        for unit in chain:
            later = merged_into.get(unit.id)
            if later is not None and later.key not in reached:
                reached |= {u.key: u for u in matcher.lineage_up(later)}
        for unit in reached.values():
            units[unit.key] = (unit.id, unit.name)
            pairs.append((code, unit.key))
    return units, pairs


def _later_province(
    session: Session, matcher: UnitResolver, reached: list[Unit], period: Period
) -> dict[int, Unit]:
    """Former province id → the one province it merged into, when that one is not yet in force
    at the end of `period` (a period before the merger). The links of all the provinces are
    read in one query; their other ends are among the units `matcher` holds."""
    provinces = sorted({u.id for u in reached if u.kind == UnitKind.PROVINCE.value})
    later: dict[int, list[Unit]] = {pid: [] for pid in provinces}
    for pid, successor in units_repo.successor_ids(session, provinces):
        unit = matcher.by_id.get(successor)
        if unit is not None and unit.kind == UnitKind.PROVINCE.value:
            later[pid].append(unit)
    return {
        pid: found[0]
        for pid, found in later.items()
        if len(found) == 1 and not in_force(found[0].valid_from, found[0].valid_to, period.end)
    }
