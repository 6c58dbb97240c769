"""The figures documents and pages are written from: the evaluation service's `Inputs` (stored
values or plain values and units files) as per-indicator lists of units with their rate, count
or yes/no — never a roll-up parent of the units evaluated, never a unit that did not exist on
the period or belongs to the other scheme (units of kinds the framework does not rank stay
citable: a district's communes in its own result letter)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from chiso.domain import grouping
from chiso.domain.findings import Indicator, UnitFigure
from chiso.domain.frameworks import Framework, InputKind, Node
from chiso.domain.periods import Period
from chiso.domain.scoring import Value, raw_value, target_of
from chiso.domain.text import fold
from chiso.domain.units import UnitInfo
from chiso.errors import ProblemList, UsageError
from chiso.services.runtime import Runtime
from chiso.services.scoring import evaluations
from chiso.services.scoring.evaluations import DataSource, EvaluationReport, Inputs, Options

__all__ = ["KINDS", "DataSource", "Dataset", "load"]

KINDS = {
    InputKind.RATE: InputKind.RATE,
    InputKind.COUNT: InputKind.COUNT,
    InputKind.NUMBER: InputKind.COUNT,
    InputKind.YES_NO: InputKind.YES_NO,
}
"""The inputs a document can speak of, and how it speaks of them (numbers as counts)."""


@dataclass
class Dataset:
    inputs: Inputs
    values: dict[Period, dict[str, dict[str, Value]]] = field(default_factory=dict)
    """period → indicator → unit key → value, of the units citable on that period: stored for
    the period or rolled up from shorter periods (`evaluations.period_values`)."""
    rolled: dict[Period, dict[str, set[str]]] = field(default_factory=dict)
    """period → indicator → units whose value was added up from shorter periods."""
    excluded: dict[Period, dict[str, str]] = field(default_factory=dict)
    """period → units with values there that the framework does not evaluate, and why."""
    problems: dict[Period, tuple[set[str], ProblemList]] = field(default_factory=dict)
    """period → indicators whose values could not be rolled up (a rate without numerator and
    denominator…), and the problems naming unit and indicator."""
    stored_in: Runtime | None = None
    """The application whose database the values were read from (None: from files)."""

    @classmethod
    def of(cls, inputs: Inputs, periods: Iterable[Period] = ()) -> Dataset:
        """The periods stored in `inputs` and `periods` (a quarter of a province that collects
        months: its values rolled up as every evaluation rolls them)."""
        data = cls(inputs)
        wanted = {p for by_period in inputs.stored.values() for p in by_period} | set(periods)
        for period in wanted:
            kept, reasons = evaluations.in_scope(inputs, period, by_kind=False)
            found = evaluations.period_values(inputs.framework, inputs.stored, kept, period)
            data.excluded[period] = reasons
            if found.problems:
                data.problems[period] = (found.failed, found.problems)
            if found.values:
                by_code: dict[str, dict[str, Value]] = defaultdict(dict)
                for unit, values in found.values.items():
                    for code, value in values.items():
                        by_code[code][unit] = value
                data.values[period] = by_code
            for unit, code in found.rolled:
                data.rolled.setdefault(period, defaultdict(set))[code].add(unit)
        return data

    def has(self, period: Period) -> bool:
        """Whether `period` has values that can all be used (nothing failed to roll up)."""
        return period in self.values and period not in self.problems

    @property
    def framework(self) -> Framework:
        return self.inputs.framework

    @property
    def units(self) -> dict[str, UnitInfo]:
        return self.inputs.units

    def periods(self) -> list[Period]:
        return sorted(self.values, key=lambda p: (p.start, p.granularity.months))

    def evaluation(self, period: Period, options: Options | None = None) -> EvaluationReport:
        """The one evaluation of the period on these inputs: the stored one of the database
        (`evaluations.evaluation_for`), else computed from the files."""
        if self.stored_in is not None:
            return evaluations.evaluation_for(self.stored_in, self.framework.id, period, options)
        return evaluations.evaluate_inputs(self.inputs, period, options or Options())

    def measured(self, period: Period) -> list[str]:
        """The indicators a document names when its spec names none: every leaf with a value in
        `period`, in the framework's order."""
        held = self.values.get(period, {})
        return [n.code for n in self.framework.leaves() if n.code in held and n.input in KINDS]

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
        failed, trouble = self.problems.get(period, (set(), ProblemList()))
        if code in failed:
            trouble.raise_if_any(f"kỳ {period}")
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


def load(
    rt: Runtime,
    source: DataSource,
    periods: list[Period],
    indicators: list[str] | None = None,
    windowed: bool = True,
) -> Dataset:
    """From the files when a values file is given, otherwise from the database (only
    `periods` and their parts unless `windowed`, only `indicators` when given)."""
    data = Dataset.of(evaluations.load_inputs(rt, source, periods, indicators, windowed), periods)
    if source.values is None:
        data.stored_in = rt
    return data
