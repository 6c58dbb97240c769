"""Turning one value into a share of a node's maximum (0–1), rule by rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chiso.domain.frameworks import DEFAULT_RULES, InputKind, Node, Polarity, RuleKind


@dataclass(frozen=True)
class Value:
    """A value as supplied for one node of one unit.

    `number` is in the input's own unit: a percentage for rates (31.14 means 31,14%), a count, a
    number, 1/0 for yes/no, points for points, 0–1 for an index. A rate may instead come as
    numerator and denominator. `index` (0–1) may be given for any node, leaf or not.
    """

    number: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    text: str | None = None
    index: float | None = None

    @property
    def is_empty(self) -> bool:
        return (
            self.number is None
            and self.index is None
            and self.text is None
            and (self.numerator is None or self.denominator is None)
        )


class ValueProblem(ValueError):
    """A value that cannot be scored under its node's rule (unknown category…)."""


def raw_value(node: Node, value: Value) -> float | None:
    """The measured quantity: rates as fractions (0–1), everything else as given."""
    if value.numerator is not None and value.denominator is not None:
        return None if value.denominator == 0 else value.numerator / value.denominator
    if value.number is None:
        return None
    if node.input is InputKind.RATE:
        return value.number / 100.0
    return value.number


def rule_of(node: Node) -> RuleKind:
    if node.rule is not None:
        return node.rule
    return DEFAULT_RULES[node.input or InputKind.INDEX]


def target_of(node: Node) -> float | None:
    """Targets of rates are written in percent; compare them with fractions."""
    if node.target is None:
        return None
    return node.target / 100.0 if node.input is InputKind.RATE else node.target


def goalposts_of(node: Node) -> tuple[float, float] | None:
    """Goalposts of rates are written in percent, like targets."""
    if node.goalposts is None:
        return None
    lo, hi = node.goalposts
    return (lo / 100.0, hi / 100.0) if node.input is InputKind.RATE else (lo, hi)


def share(
    node: Node,
    value: Value,
    best: float | None = None,
    bounds: tuple[float, float] | None = None,
) -> float | None:
    """Share of the node's maximum earned by `value`; None when there is nothing to score.

    `best` is the highest (or, for lower-is-better, lowest) value among the units compared,
    needed only by the relative-to-best rule; `bounds` the lowest and highest raw values of
    all units evaluated, needed only by min-max without goalposts.
    """
    if value.index is not None:
        return _clamp(value.index)
    rule = rule_of(node)
    if rule is RuleKind.CATEGORICAL:
        return _categorical(node, value)
    raw = raw_value(node, value)
    if raw is None:
        return None
    if rule is RuleKind.MINMAX:
        return _minmax(raw, goalposts_of(node) or bounds or (raw, raw), node.polarity)
    return _RULES[rule](node, raw, best, node.polarity is Polarity.LOWER)


def _minmax(raw: float, bounds: tuple[float, float], polarity: Polarity) -> float:
    """(x − min)/(max − min), or (max − x)/(max − min) for lower-is-better; equal bounds give
    every unit the full share, as nothing tells them apart."""
    lo, hi = bounds
    if hi <= lo:
        return 1.0
    distance = hi - raw if polarity is Polarity.LOWER else raw - lo
    return _clamp(distance / (hi - lo))


def _clamp(x: float) -> float:
    return min(1.0, max(0.0, x))


def _categorical(node: Node, value: Value) -> float | None:
    if value.text is None:
        if value.number is None:
            return None
        return _clamp(value.number)
    category = node.category(value.text)
    if category is None:
        known = ", ".join(c.label for c in node.categories)
        raise ValueProblem(f"'{value.text}' không thuộc các lựa chọn: {known}")
    return category.share


def _proportional(_node: Node, raw: float, _best: float | None, lower: bool) -> float:
    return _clamp(1.0 - raw if lower else raw)


def _yes_no(_node: Node, raw: float, _best: float | None, _lower: bool) -> float:
    return 1.0 if raw >= 0.5 else 0.0


def _direct_points(node: Node, raw: float, _best: float | None, _lower: bool) -> float:
    return _clamp(raw / node.max_points) if node.max_points else 0.0


def _target_capped(node: Node, raw: float, _best: float | None, lower: bool) -> float:
    target = target_of(node)
    if not target:
        return _clamp(raw)
    if lower:
        return 1.0 if raw <= target else _clamp(target / raw)
    return _clamp(raw / target)


def _steps(node: Node, raw: float, _best: float | None, lower: bool) -> float:
    reached = [
        s.points for s in node.steps if (raw <= s.threshold if lower else raw >= s.threshold)
    ]
    points = max(reached, default=0.0)
    return _clamp(points / node.max_points) if node.max_points else 0.0


def _relative(_node: Node, raw: float, best: float | None, lower: bool) -> float:
    if best is None:
        return 0.0
    if lower:
        return 1.0 if raw <= best else _clamp(best / raw)
    return _clamp(raw / best) if best > 0 else 0.0


_RULES: dict[RuleKind, Callable[[Node, float, float | None, bool], float]] = {
    RuleKind.PROPORTIONAL: _proportional,
    RuleKind.INDEX: _proportional,
    RuleKind.YES_NO: _yes_no,
    RuleKind.DIRECT_POINTS: _direct_points,
    RuleKind.TARGET_CAPPED: _target_capped,
    RuleKind.STEPS: _steps,
    RuleKind.RELATIVE_TO_BEST: _relative,
}
