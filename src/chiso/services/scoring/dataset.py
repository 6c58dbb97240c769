"""The figures documents are written from: stored values (database) or plain values and units files,
as the same per-indicator lists of units with their rate, count or yes/no."""

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
from chiso.domain.units import letter_name
from chiso.errors import UsageError
from chiso.io.units_file import read_units_file
from chiso.io.values_file import read_values_file
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.store import units_repo, values_repo

KINDS = {
    InputKind.RATE: "rate",
    InputKind.COUNT: "count",
    InputKind.NUMBER: "count",
    InputKind.YES_NO: "yes_no",
}


@dataclass(frozen=True)
class Source:
    framework: str = "platform-usage"
    values: Path | None = None
    units: Path | None = None


@dataclass(frozen=True)
class UnitInfo:
    key: str
    name: str
    kind: str | None
    groups: tuple[str, ...]


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
        target = target_of(node)
        return Indicator(node.code, node.name, KINDS[node.input or InputKind.NUMBER], target)

    def _leaf(self, code: str) -> Node:
        node = self.framework.node(code)
        if node is None or node.input not in KINDS:
            usable = ", ".join(n.code for n in self.framework.leaves() if n.input in KINDS)
            raise UsageError(
                f"Chỉ số '{code}' không dùng được trong văn bản của bộ {self.framework.id} (dùng: {usable}).",
                f"indicator {code!r} not usable",
            )
        return node

    def figures(self, code: str, period: Period, group_order: list[str]) -> list[UnitFigure]:
        node = self._leaf(code)
        out = []
        for key, value in self.values.get(period, {}).get(code, {}).items():
            info = self.units.get(key, UnitInfo(key, key, None, ()))
            out.append(
                UnitFigure(
                    key,
                    letter_name(info.name, info.kind),
                    self.group_of(info, group_order),
                    raw_value(node, value),
                    value.numerator,
                    value.denominator,
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


def load(rt: Runtime | None, source: Source, periods: list[Period]) -> Dataset:
    """From the files when a values file is given, otherwise from the database."""
    if source.values is not None:
        return _from_files(source)
    if rt is None:
        raise UsageError("Cần tệp số liệu (--values) hoặc cơ sở dữ liệu.", "no data source")
    return _from_database(rt, source.framework, periods)


def _from_files(source: Source) -> Dataset:
    assert source.values is not None
    framework = frameworks.load_local(source.framework)
    rows, problems = read_values_file(source.values, framework)
    units: dict[str, UnitInfo] = {}
    if source.units is not None:
        unit_rows, unit_problems = read_units_file(source.units)
        problems.problems.extend(unit_problems.problems)
        units = {u.code: UnitInfo(u.code, u.name, u.kind.value, u.groups or ()) for u in unit_rows}
    problems.raise_if_any(source.values.name)
    data = Dataset(framework, units)
    for r in rows:
        data.units.setdefault(
            r.unit_code, UnitInfo(r.unit_code, r.unit_name or r.unit_code, None, ())
        )
        data.values.setdefault(r.period, defaultdict(dict))[r.indicator][r.unit_code] = r.value
    return data


def _from_database(rt: Runtime, framework_ref: str, periods: list[Period]) -> Dataset:
    framework = frameworks.resolve(rt, framework_ref)
    data = Dataset(framework, {})
    with rt.db.transaction() as session:
        stored = values_repo.values(
            session, framework_id=framework.id, periods=[str(p) for p in periods]
        )
        units = units_repo.units_by_id(session, sorted({v.unit_id for v in stored}))
        for _uid, u in units.items():
            data.units[u.key] = UnitInfo(u.key, u.name, u.kind, tuple(g.name for g in u.groups))
        for v in stored:
            value = Value(v.number, v.numerator, v.denominator, v.text, v.index_value)
            data.values.setdefault(Period.parse(v.period), defaultdict(dict))[v.indicator][
                units[v.unit_id].key
            ] = value
    return data


def evaluation(data: Dataset, period: Period) -> Evaluation:
    """The framework evaluated on the period's values, units in their ranking groups."""
    per_unit: dict[str, dict[str, Value]] = defaultdict(dict)
    for indicator, by_unit in data.values.get(period, {}).items():
        for key, value in by_unit.items():
            per_unit[key][indicator] = value
    inputs = []
    for key, values in per_unit.items():
        info = data.units.get(key, UnitInfo(key, key, None, ()))
        group, ranked = grouping.assign(data.framework, info.kind, info.groups)
        inputs.append(
            UnitInput(key, letter_name(info.name, info.kind), info.kind, group.code, ranked, values)
        )
    return evaluate(data.framework, inputs, str(period))
