"""A unit's value for a quarter, half-year or year from the values stored for shorter periods
inside it, by each leaf's declared `rollup`. A value stored for the period itself wins over its
parts, at every level: a stored quarter is used as it is inside a year built from months."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chiso.domain.frameworks import DEFAULT_ROLLUPS, ROLLUP_LABELS, InputKind, Node, Rollup
from chiso.domain.periods import Granularity, Period
from chiso.domain.scoring import Value, raw_value

_FINER = {
    Granularity.YEAR: Granularity.HALF,
    Granularity.HALF: Granularity.QUARTER,
    Granularity.QUARTER: Granularity.MONTH,
}


class RollupProblem(ValueError):
    """Values that cannot be added up under the leaf's rule; the message is Vietnamese."""


@dataclass(frozen=True)
class Rolled:
    value: Value
    period: Period
    parts: tuple[Period, ...]
    """The stored periods the value comes from; `(period,)` when stored for the period itself."""
    months: int
    """Months of `period` covered by the parts."""

    @property
    def stored(self) -> bool:
        return self.parts == (self.period,)

    def label_vi(self, rule: Rollup | None = None) -> str:
        if self.stored:
            return stored_label(self.period)
        how = ROLLUP_LABELS[rule].lower() if rule is not None else "tổng hợp"
        listed = ", ".join(str(p) for p in self.parts)
        return f"{how} {self.months}/{self.period.granularity.months} tháng ({listed})"


def stored_label(period: Period) -> str:
    """The source of a value entered for the period itself."""
    return f"giá trị nhập cho {period.label_vi}"


def rollup_of(node: Node) -> Rollup | None:
    """The declared rule, else the input kind's default; None for numbers, which must say."""
    if node.rollup is not None:
        return node.rollup
    return DEFAULT_ROLLUPS.get(node.input or InputKind.INDEX)


def sub_periods(period: Period) -> list[Period]:
    finer = _FINER.get(period.granularity)
    if finer is None:
        return []
    count = period.granularity.months // finer.months
    first = (period.first_month - 1) // finer.months + 1
    return [Period(period.year, first + i, finer) for i in range(count)]


def roll_up(node: Node, stored: Mapping[Period, Value], period: Period) -> Rolled | None:
    """`period`'s value from `stored` (one unit, one leaf); None when nothing inside it is
    stored. Raises RollupProblem when the parts cannot be combined."""
    own = stored.get(period)
    if own is not None and not own.is_empty:
        return Rolled(own, period, (period,), period.granularity.months)
    parts = [r for p in sub_periods(period) if (r := roll_up(node, stored, p)) is not None]
    if not parts:
        return None
    return _combined(node, parts, period)


def _combined(node: Node, parts: Sequence[Rolled], period: Period) -> Rolled:
    rule = rollup_of(node)
    if rule is None:
        raise RollupProblem(
            f"chỉ số {node.code} (kiểu số) chưa khai báo cách cộng dồn theo thời gian "
            "(rollup: sum, mean hoặc last) nên không tính được cho " + period.label_vi
        )
    months = sum(p.months for p in parts)
    used = tuple(q for p in parts for q in p.parts)
    if rule is Rollup.LAST:
        return Rolled(parts[-1].value, period, used, months)
    if rule is Rollup.SUM and node.input is InputKind.RATE:
        return Rolled(_fractions(node, parts), period, used, months)
    numbers = [(_quantity(node, p), p.months) for p in parts]
    if rule is Rollup.SUM:
        return Rolled(_as_value(node, sum(q for q, _ in numbers)), period, used, months)
    mean = sum(q * m for q, m in numbers) / months
    return Rolled(_as_value(node, mean), period, used, months)


def _fractions(node: Node, parts: Sequence[Rolled]) -> Value:
    bad = [p for p in parts if p.value.numerator is None or p.value.denominator is None]
    if bad:
        listed = ", ".join(q.label_vi for p in bad for q in p.parts)
        raise RollupProblem(
            f"tỷ lệ {node.code} của {listed} không có tử số và mẫu số nên không cộng dồn được "
            "(nhập tử số và mẫu số, hoặc khai báo rollup: mean)"
        )
    numerator = sum(p.value.numerator or 0.0 for p in parts)
    denominator = sum(p.value.denominator or 0.0 for p in parts)
    return Value(numerator=numerator, denominator=denominator)


def _quantity(node: Node, value_of: Rolled) -> float:
    value = value_of.value
    indexed = node.input is InputKind.INDEX and value.index is not None
    quantity = value.index if indexed else raw_value(node, value)
    if quantity is None:
        raise RollupProblem(
            f"giá trị {node.code} của {value_of.period.label_vi} không phải là số "
            "nên không cộng dồn được"
        )
    return quantity


def _as_value(node: Node, quantity: float) -> Value:
    if node.input is InputKind.INDEX:
        return Value(index=quantity)
    if node.input is InputKind.RATE:
        return Value(number=quantity * 100.0)
    return Value(number=quantity)
