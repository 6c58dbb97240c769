"""The figures documents and pages are written from: stored values (database) or plain values and
units files, as the same per-indicator lists of units with their rate, count or yes/no."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from chiso.domain import grouping
from chiso.domain.evaluation import Evaluation, UnitInput, evaluate
from chiso.domain.findings import Indicator, UnitFigure
from chiso.domain.frameworks import Framework, InputKind, Node
from chiso.domain.periods import Period
from chiso.domain.scoring import Value, raw_value, target_of
from chiso.domain.text import fold
from chiso.domain.units import UnitInfo
from chiso.errors import UsageError
from chiso.io.units_file import read_units_file
from chiso.io.values_file import read_values_file
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.store import units_repo, values_repo

KINDS = {
    InputKind.RATE: InputKind.RATE,
    InputKind.COUNT: InputKind.COUNT,
    InputKind.NUMBER: InputKind.COUNT,
    InputKind.YES_NO: InputKind.YES_NO,
}
"""The inputs a document can speak of, and how it speaks of them (numbers as counts)."""


@dataclass(frozen=True)
class DataSource:
    """Where a document's figures come from: the database, or a values file (and a units file
    to name and group the units)."""

    framework: str = "platform-usage"
    values: Path | None = None
    units: Path | None = None
    others: frozenset[str] = frozenset()
    """Indicators of other frameworks whose rows share the values file."""


@dataclass
class Dataset:
    framework: Framework
    units: dict[str, UnitInfo]
    values: dict[Period, dict[str, dict[str, Value]]] = field(default_factory=dict)
    """period → indicator → unit key → value."""

    def periods(self) -> list[Period]:
        return sorted(self.values, key=lambda p: (p.start, p.granularity.months))

    def indicator(self, code: str) -> Indicator:
        node = self._leaf(code)
        return Indicator(
            node.code, node.name, KINDS[node.input or InputKind.NUMBER], target_of(node)
        )

    def _leaf(self, code: str) -> Node:
        node = self.framework.node(code)
        if node is None or node.input not in KINDS:
            usable = ", ".join(n.code for n in self.framework.leaves() if n.input in KINDS)
            raise UsageError(
                f"Chỉ số '{code}' không dùng được trong văn bản của bộ {self.framework.id} "
                f"(dùng: {usable}).",
                f"indicator {code!r} not usable",
            )
        return node

    def unit(self, key: str) -> UnitInfo:
        return self.units.get(key) or UnitInfo(key=key, name=key)

    def figures(self, code: str, period: Period, group_order: list[str]) -> list[UnitFigure]:
        node = self._leaf(code)
        out = []
        for key, value in self.values.get(period, {}).get(code, {}).items():
            info = self.unit(key)
            out.append(
                UnitFigure(
                    key,
                    info.letter_name,
                    self.group_of(info, group_order),
                    raw_value(node, value),
                    value.numerator,
                    value.denominator,
                    info.kind,
                    info.name,
                    info.parent_key,
                )
            )
        return out

    def group_of(self, info: UnitInfo, order: list[str]) -> str:
        mine = {fold(g) for g in info.groups}
        for name in order:
            if fold(name) in mine:
                return name
        group, _ = grouping.assign(self.framework, info.kind, info.groups)
        return group.name


def load(rt: Runtime, source: DataSource, periods: list[Period]) -> Dataset:
    """From the files when a values file is given, otherwise from the database."""
    if source.values is not None:
        return _from_files(source)
    return _from_database(rt, source.framework, periods)


def _from_files(source: DataSource) -> Dataset:
    assert source.values is not None
    framework = frameworks.load_local(source.framework)
    rows, problems = read_values_file(source.values, framework, others=source.others)
    units: dict[str, UnitInfo] = {}
    if source.units is not None:
        unit_rows, unit_problems = read_units_file(source.units)
        problems.problems.extend(unit_problems.problems)
        units = {
            u.code: UnitInfo(
                key=u.code,
                name=u.name,
                kind=u.kind.value,
                groups=u.groups or (),
                parent_key=u.parent_code,
            )
            for u in unit_rows
        }
    problems.raise_if_any(source.values.name)
    data = Dataset(framework, units)
    for r in rows:
        data.units.setdefault(
            r.unit_code, UnitInfo(key=r.unit_code, name=r.unit_name or r.unit_code)
        )
        data.values.setdefault(r.period, defaultdict(dict))[r.indicator][r.unit_code] = r.value
    return data


def _from_database(rt: Runtime, framework_ref: str, periods: list[Period]) -> Dataset:
    framework = frameworks.get(rt, framework_ref)
    data = Dataset(framework, {})
    with rt.db.transaction() as session:
        stored = values_repo.values(session, framework.id, periods)
        units = units_repo.by_ids(session, sorted({v.unit_id for v in stored}))
    data.units = {u.key: u for u in units.values()}
    for v in stored:
        data.values.setdefault(v.period, defaultdict(dict))[v.indicator][v.unit_key] = v.value
    return data


def evaluation(data: Dataset, period: Period) -> Evaluation:
    """The framework evaluated on the period's values, units in their ranking groups."""
    per_unit: dict[str, dict[str, Value]] = defaultdict(dict)
    for indicator, by_unit in data.values.get(period, {}).items():
        for key, value in by_unit.items():
            per_unit[key][indicator] = value
    inputs = []
    for key, values in per_unit.items():
        info = data.unit(key)
        group, ranked = grouping.assign(data.framework, info.kind, info.groups)
        inputs.append(UnitInput(key, info.letter_name, info.kind, group.code, ranked, values))
    return evaluate(data.framework, inputs, str(period))
