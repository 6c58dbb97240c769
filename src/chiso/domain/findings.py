"""What a letter says about an indicator: units below the line, units not using a platform at all,
units that did not do a yes/no task, improvements since an earlier period, and the best."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from chiso.domain.formatting import number, percent
from chiso.domain.frameworks import InputKind
from chiso.domain.text import fold


@dataclass(frozen=True)
class UnitFigure:
    key: str
    name: str
    group: str
    value: float | None
    """Rates as fractions (0–1), counts as counts, yes/no as 1/0."""
    numerator: float | None = None
    denominator: float | None = None


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    kind: InputKind
    """RATE, COUNT (numbers are counted alike) or YES_NO."""
    target: float | None = None
    """Fraction for rates."""


@dataclass
class Findings:
    indicator: Indicator
    threshold: float | None
    below: list[UnitFigure] = field(default_factory=list)
    not_using: list[UnitFigure] = field(default_factory=list)
    not_done: list[UnitFigure] = field(default_factory=list)
    improved: list[tuple[UnitFigure, UnitFigure]] = field(default_factory=list)
    best: list[UnitFigure] = field(default_factory=list)
    reported: int = 0
    overall: float | None = None


def in_figures(indicator: Indicator, shown: float) -> float:
    """A line written as people write it (percent for rates: 50) as figures hold it (0,5)."""
    return shown / 100 if indicator.kind is InputKind.RATE else shown


def show(indicator: Indicator, value: float | None) -> str:
    """31,14% for rates, 1.234 for counts: at most two decimals, no trailing zeros."""
    if value is None:
        return "—"
    return percent(value) if indicator.kind is InputKind.RATE else number(value)


def analyse(
    indicator: Indicator,
    current: Sequence[UnitFigure],
    earlier: Sequence[UnitFigure] = (),
    threshold: float | None = None,
    group_order: Sequence[str] = (),
    sort: str = "value",
    min_gain: float = 0.02,
) -> Findings:
    """`threshold` (fraction for rates) defaults to the target; units are grouped in `group_order`
    (others after, by name) and sorted inside each group by `sort`: "value" (lowest first),
    "value_desc" or "name"."""
    line = threshold if threshold is not None else indicator.target
    found = Findings(indicator, line)
    known = [u for u in current if u.value is not None]
    found.reported = len(known)
    found.overall = _overall(indicator, known)
    if indicator.kind is InputKind.YES_NO:
        found.not_done = order([u for u in known if (u.value or 0) < 0.5], group_order, "name")
        return found
    if indicator.kind is InputKind.COUNT:
        found.not_using = order([u for u in known if u.value == 0], group_order, "name")
    if line is not None:
        found.below = order([u for u in known if (u.value or 0) < line], group_order, sort)
    if indicator.kind is InputKind.RATE:
        found.best = order([u for u in known if (u.value or 0) >= 1 - 1e-9], group_order, "name")
    before = {u.key: u for u in earlier if u.value is not None}
    gains = [
        (before[u.key], u)
        for u in known
        if u.key in before and (u.value or 0) - (before[u.key].value or 0) >= min_gain
    ]
    found.improved = sorted(gains, key=lambda p: -((p[1].value or 0) - (p[0].value or 0)))
    return found


def _overall(indicator: Indicator, units: Sequence[UnitFigure]) -> float | None:
    if indicator.kind is not InputKind.RATE:
        return sum(u.value or 0 for u in units) if indicator.kind is InputKind.COUNT else None
    if units and all(u.denominator for u in units):
        den = sum(u.denominator or 0 for u in units)
        return sum(u.numerator or 0 for u in units) / den if den else None
    return sum(u.value or 0 for u in units) / len(units) if units else None


def order(units: list[UnitFigure], group_order: Sequence[str], sort: str) -> list[UnitFigure]:
    rank = {fold(g): i for i, g in enumerate(group_order)}

    def key(u: UnitFigure) -> tuple[int, str, float, str]:
        position = rank.get(fold(u.group), len(rank))
        value = {"value": u.value or 0, "value_desc": -(u.value or 0)}.get(sort, 0.0)
        return (position, u.group if position == len(rank) else "", value, fold(u.name))

    return sorted(units, key=key)


def by_group(units: Sequence[UnitFigure]) -> list[tuple[str, list[UnitFigure]]]:
    """Consecutive runs of the same group, in the order given."""
    out: list[tuple[str, list[UnitFigure]]] = []
    for u in units:
        if out and out[-1][0] == u.group:
            out[-1][1].append(u)
        else:
            out.append((u.group, [u]))
    return out
