"""Deterministic, realistic records and values for a province's real units: units improve at
different speeds, a few stay at 0%, a few jump; before 1/7/2025 the legacy communes and
districts report, from then on the new communes. Used by tests, the demo and the benchmarks."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from chiso.domain.periods import Period
from chiso.domain.units import Unit, UnitKind, in_force
from chiso.facts import synthetic
from chiso.facts.schemas import SOURCES
from chiso.facts.store import FactStore
from chiso.facts.synthetic import Population
from chiso.io.tables import CellValue
from chiso.io.writers import write_table
from chiso.services.runtime import Progress, Runtime, no_progress
from chiso.services.units.resolver import find_unit
from chiso.services.values.changes import ImportReport
from chiso.services.values.importer import import_records
from chiso.store import units_repo

VOLUMES = {  # documents, meetings, e-mail accounts, applications per month
    UnitKind.DEPARTMENT.value: (250.0, 6.0, 80, 120.0),
    UnitKind.DISTRICT.value: (180.0, 5.0, 60, 250.0),
    UnitKind.COMMUNE.value: (80.0, 3.0, 20, 140.0),
    UnitKind.OFFICE.value: (60.0, 2.0, 10, 0.0),
}


@dataclass(frozen=True)
class GenerateRequest:
    province: str = "75"
    months: int = 24
    end: str | None = None
    seed: int = 1
    documents: int | None = None
    out: Path | None = None
    values: bool = True
    flags: bool = True
    """Whether the report lists the imported values' quality flags (the demo needs none)."""


@dataclass
class GenerateReport:
    first: Period
    last: Period
    units: int
    records: dict[str, int] = field(default_factory=dict)
    values: ImportReport | None = None
    folder: Path | None = None


@dataclass(frozen=True)
class Profile:
    """A unit's adoption path: level(t) rises from `base` towards `ceiling` at `speed`; `stuck`
    units stay at 0 for signing, `jump` units leap to ~100% at month `jump_at`."""

    base: float
    ceiling: float
    speed: float
    stuck: bool
    jump_at: int | None
    no_paperless: bool

    def level(self, t: int) -> float:
        if self.stuck:
            return 0.0
        if self.jump_at is not None:
            return 0.98 if t >= self.jump_at else min(self.base, 0.1)
        return self.ceiling - (self.ceiling - self.base) * float(np.exp(-self.speed * t))


def profile(key: str, seed: int, months: int) -> Profile:
    rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
    kind = rng.random()
    return Profile(
        base=float(rng.uniform(0.0, 0.6)), ceiling=float(rng.uniform(0.8, 1.0)), speed=float(rng.uniform(0.02, 0.3)),
        stuck=kind < 0.05, jump_at=int(rng.integers(1, max(2, months))) if 0.05 <= kind < 0.09 else None,
        no_paperless=rng.random() < 0.12,
    )  # fmt: skip


def default_end(today: date | None = None) -> Period:
    today = today or date.today()
    return Period.month_of(today.year, today.month).previous()


def generate(rt: Runtime, req: GenerateRequest, progress: Progress = no_progress) -> GenerateReport:
    last = Period.parse(req.end) if req.end else default_end()
    months = [last.shifted(-i) for i in reversed(range(req.months))]
    units = _province_units(rt, req.province)
    scale = _scale(units, months, req.documents)
    root = req.out or rt.settings.effective_facts_location
    written: dict[str, list[Path]] = {}
    report = GenerateReport(months[0], months[-1], len({u.key for u in units}), folder=root)
    value_rows: list[list[object]] = []
    # Each unit's path drawn once (a generator per unit is most of a month's cost otherwise).
    adoption = {u.key: profile(u.key, req.seed, len(months)) for u in units}
    for t, month in enumerate(months):
        active = [u for u in units if in_force(u.valid_from, u.valid_to, month.end)]
        pop = _population(active, t, adoption, scale)
        rng = np.random.default_rng([req.seed, month.year, month.number])
        for source, make in synthetic.GENERATORS.items():
            table = make(month, pop, rng)
            path = synthetic.write_month(root, source, month, table, f"gen-{req.seed}")
            written.setdefault(source, []).append(path)
            report.records[source] = report.records.get(source, 0) + table.num_rows
        value_rows += _manual_values(active, month, t, req.seed, adoption, rng)
        progress("Tạo bản ghi theo tháng", t + 1, len(months))
    from chiso.services.facts import catalog_of, summary_sql

    store = FactStore(root)
    known = catalog_of(rt)
    for source, paths in written.items():
        same = known.sources.get(source) == SOURCES[source]  # not a province's own layout
        store.register(SOURCES[source], paths, summary_sql(rt, known, source) if same else None)
    if req.values:
        values_path = (
            req.out or rt.settings.data_dir / "generated"
        ) / f"values-{months[0]}-{months[-1]}.csv"
        write_table(values_path, VALUE_COLUMNS, value_rows)
        if req.out is None:
            # Imported from the rows in memory, not read back and parsed from the file just
            # written; the audit rows still name that file, as its import would.
            report.values = import_records(
                rt, records_of(VALUE_COLUMNS, value_rows), "platform-usage",
                source="generated", written=values_path, flags=req.flags,
            )  # fmt: skip
    return report


VALUE_COLUMNS = ("unit_code", "period", "indicator", "numerator", "denominator", "value")


def records_of(
    header: Sequence[str], rows: Sequence[Sequence[object]]
) -> list[dict[str, CellValue]]:
    """Rows as the records `import_records` reads: an empty cell left out, as a file's is."""
    return [
        {c: v for c, v in zip(header, row, strict=True) if v is not None and v != ""}  # type: ignore[misc]
        for row in rows
    ]


def _province_units(rt: Runtime, province: str) -> list[Unit]:
    """The new province's communes and departments, and the legacy districts and communes of
    the provinces merged into it."""
    with rt.db.transaction() as session:
        root = find_unit(session, province)
        everyone = units_repo.all_units(session)
        predecessors = {link.unit.id for link in units_repo.predecessors(session, [root.id])}
    by_parent: dict[int | None, list[Unit]] = {}
    for u in everyone:
        by_parent.setdefault(u.parent_id, []).append(u)
    out: list[Unit] = []
    stack = [root.id, *predecessors]
    while stack:
        for child in by_parent.get(stack.pop(), []):
            if child.kind in VOLUMES:
                out.append(child)
            stack.append(child.id)
    return sorted(out, key=lambda u: u.key)


def _expected_documents(units: list[Unit], month: Period) -> float:
    return sum(VOLUMES[u.kind][0] for u in units if in_force(u.valid_from, u.valid_to, month.end))


def _scale(units: list[Unit], months: list[Period], documents: int | None) -> float:
    if documents is None:
        return 1.0
    expected = sum(_expected_documents(units, m) for m in months)
    return documents / expected if expected else 1.0


def _population(
    units: list[Unit], t: int, adoption: dict[str, Profile], scale: float
) -> Population:
    profiles = [adoption[u.key] for u in units]
    levels = np.array([p.level(t) for p in profiles])
    vol = np.array([VOLUMES[u.kind] for u in units], dtype=float).reshape(len(units), 4)
    services = np.array(
        [
            1.0 if "co-cung-cap-dich-vu-cong" in u.group_codes or u.kind != "department" else 0.0
            for u in units
        ]
    )
    paperless = np.array(
        [
            0.0 if p.no_paperless else 0.25 + 0.75 * lv
            for p, lv in zip(profiles, levels, strict=True)
        ]
    )
    return Population(
        codes=[u.key for u in units],
        documents=vol[:, 0] * scale, meetings=vol[:, 1], accounts=vol[:, 2].astype(np.int64),
        applications=vol[:, 3] * services,
        signed=levels, online_docs=np.minimum(1.0, levels + 0.1), paperless=paperless,
        email=0.35 + 0.6 * levels, online_apps=0.5 + 0.5 * levels, digitised=0.3 + 0.7 * levels,
    )  # fmt: skip


def _manual_values(
    units: list[Unit],
    month: Period,
    t: int,
    seed: int,
    adoption: dict[str, Profile],
    rng: np.random.Generator,
) -> list[list[object]]:
    """What units type in themselves: reports filed on the reporting system, the yearly DX plan."""
    rows: list[list[object]] = []
    for u in units:
        level = adoption[u.key].level(t)
        due = 3
        filed = int(rng.binomial(due, min(1.0, 0.4 + 0.6 * level)))
        rows.append([u.key, str(month), "reports_on_system_rate", filed, due, None])
        plan = zlib.crc32(f"{seed}{u.key}{month.year}".encode()) % 10 != 0
        rows.append([u.key, str(month), "dx_plan_issued", None, None, "có" if plan else "không"])
    return rows
