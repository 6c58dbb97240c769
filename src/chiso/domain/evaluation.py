"""Evaluating a framework for a set of units: points, share of max and 0–1 index for every node,
ranks inside each ranking group, and the main indices below a threshold.

One missing-data rule: raw values are imputed first (`impute`), then each leaf is scored, then
the framework's `missing` policy decides once, per node and unit, whether the node has a value
and what weight it carries; every score, rank, interval and change reads that one decision. A
unit that supplied no value at all has no total and is listed without rank."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from operator import attrgetter
from statistics import fmean
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chiso.domain.aggregation import TreeModel, aggregate, ranks_in_groups, zero_children
from chiso.domain.columns import ColumnRow, NodeColumns
from chiso.domain.formatting import percent
from chiso.domain.frameworks import (
    AGGREGATION_LABELS,
    IMPUTE_BY_KIND,
    TOTAL,
    Aggregation,
    Framework,
    Imputation,
    MissingPolicy,
    Node,
    Polarity,
    RuleKind,
)
from chiso.domain.imputation import impute
from chiso.domain.scoring import Value, raw_value, rule_of, share
from chiso.domain.text import fold


@dataclass(frozen=True)
class UnitInput:
    code: str
    name: str
    kind: str | None = None
    group: str = "all"
    """Ranking group code."""
    ranked: bool = True
    values: Mapping[str, Value] = field(default_factory=dict)
    groups: tuple[str, ...] = ()
    """Unit groups the unit belongs to ("Có cung cấp dịch vụ công"…), for `impute_by`."""
    sources: Mapping[str, str] = field(default_factory=dict)
    """Where each value came from (node code → "tháng 7, 8, 9/2023"…), shown beside it."""


@dataclass(frozen=True)
class NodeScore:
    points: float
    max_points: float
    index: float | None
    missing: int = 0
    """Leaves below (or this leaf) without a reported value, imputed ones included."""
    supplied: bool = False
    raw: float | None = None
    applicable: bool = True
    imputed: bool = False
    notes: tuple[str, ...] = ()


NOT_APPLICABLE = NodeScore(0.0, 0.0, None, applicable=False)


@dataclass(frozen=True, eq=False)
class ScoreColumns(NodeColumns):
    """Every unit's `NodeScore` of one evaluation as arrays (units × nodes, the framework's
    pre-order): the one form it is computed, ranked, compared and stored in. A unit's scores
    and ranks are mappings over one row (`Scores`, `Ranks`) that build a `NodeScore` only when
    one is asked for, so a stored evaluation is read without a million small objects."""

    points: NDArray[np.float64]
    max_points: NDArray[np.float64]
    index: NDArray[np.float64]
    """NaN: no index."""
    missing: NDArray[np.int64]
    supplied: NDArray[np.bool_]
    raw: NDArray[np.float64]
    has_raw: NDArray[np.bool_]
    applicable: NDArray[np.bool_]
    imputed: NDArray[np.bool_]
    notes: dict[tuple[int, int], tuple[str, ...]]
    """(unit row, node) → notes, only where there are some."""
    ranks: NDArray[np.float64]
    """Rank inside the unit's ranking group; NaN: not ranked."""

    def score(self, u: int, n: int) -> NodeScore:
        index = float(self.index[u, n])
        return NodeScore(
            points=float(self.points[u, n]),
            max_points=float(self.max_points[u, n]),
            index=None if math.isnan(index) else index,
            missing=int(self.missing[u, n]),
            supplied=bool(self.supplied[u, n]),
            raw=float(self.raw[u, n]) if self.has_raw[u, n] else None,
            applicable=bool(self.applicable[u, n]),
            imputed=bool(self.imputed[u, n]),
            notes=self.notes.get((u, n), ()),
        )


def columns_of(
    framework: Framework, results: Sequence[UnitResult]
) -> tuple[ScoreColumns, NDArray[np.intp]]:
    """The columns `results` are rows of, and their row of each: those of the evaluation they
    come from (one ranking group of it…), or built from the results' own mappings."""
    first = results[0].scores if results else None
    if isinstance(first, Scores) and all(
        isinstance(r.scores, Scores)
        and r.scores.columns is first.columns
        and isinstance(r.ranks, Ranks)
        and r.ranks.columns is first.columns
        and r.ranks.row == r.scores.row
        for r in results
    ):
        rows = [r.scores.row for r in results if isinstance(r.scores, Scores)]
        return first.columns, np.array(rows, dtype=np.intp)
    return _columns_from(tuple(n.code for n in framework.nodes()), results), np.arange(
        len(results), dtype=np.intp
    )


def _columns_from(codes: tuple[str, ...], results: Sequence[UnitResult]) -> ScoreColumns:
    shape = (len(results), len(codes))
    grid = [[r.scores[c] for c in codes] for r in results]

    def column(pick: Callable[[NodeScore], object], dtype: type) -> NDArray[Any]:
        return np.array([[pick(x) for x in row] for row in grid], dtype=dtype).reshape(shape)

    def maybe(x: float | None) -> float:
        return np.nan if x is None else x

    ranks = [[maybe(r.ranks.get(c)) for c in codes] for r in results]
    return ScoreColumns(
        codes=codes,
        points=column(lambda x: x.points, np.float64),
        max_points=column(lambda x: x.max_points, np.float64),
        index=column(lambda x: maybe(x.index), np.float64),
        missing=column(lambda x: x.missing, np.int64),
        supplied=column(lambda x: x.supplied, bool),
        raw=column(lambda x: maybe(x.raw), np.float64),
        has_raw=column(lambda x: x.raw is not None, bool),
        applicable=column(lambda x: x.applicable, bool),
        imputed=column(lambda x: x.imputed, bool),
        notes={(u, n): x.notes for u, row in enumerate(grid) for n, x in enumerate(row) if x.notes},
        ranks=np.array(ranks, dtype=np.float64).reshape(shape),
    )


class Scores(ColumnRow[NodeScore]):
    """One unit's scores, node code → `NodeScore`, in the framework's order (a row of
    `ScoreColumns`)."""

    __slots__ = ()
    columns: ScoreColumns

    def item(self, node: int) -> NodeScore:
        return self.columns.score(self.row, node)


class Ranks(Mapping[str, int]):
    """One unit's ranks, node code → rank, only the nodes it is ranked on."""

    __slots__ = ("columns", "row")

    def __init__(self, columns: ScoreColumns, row: int) -> None:
        self.columns = columns
        self.row = row

    def _rank(self, n: int) -> int | None:
        r = float(self.columns.ranks[self.row, n])
        return None if math.isnan(r) else int(r)

    def __getitem__(self, code: str) -> int:
        n = self.columns.position.get(code)
        r = None if n is None else self._rank(n)
        if r is None:
            raise KeyError(code)
        return r

    def __contains__(self, code: object) -> bool:
        n = self.columns.position.get(code) if isinstance(code, str) else None
        return n is not None and self._rank(n) is not None

    def __iter__(self) -> Iterator[str]:
        row = self.columns.ranks[self.row]
        return iter(
            [c for c, r in zip(self.columns.codes, row.tolist(), strict=True) if not math.isnan(r)]
        )

    def __len__(self) -> int:
        return int((~np.isnan(self.columns.ranks[self.row])).sum())

    def __reduce__(self) -> tuple[type[Ranks], tuple[ScoreColumns, int]]:
        return (Ranks, (self.columns, self.row))


@dataclass
class UnitResult:
    unit: UnitInput
    scores: Mapping[str, NodeScore]
    ranks: Mapping[str, int] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    """Codes of the leaves without a reported value ("thiếu số liệu")."""
    imputed: tuple[str, ...] = ()
    """Codes of the leaves whose value was filled in (a subset of `missing`)."""

    @property
    def total(self) -> NodeScore:
        return self.scores[TOTAL]

    def below(self, nodes: Iterable[Node], threshold: float) -> list[Node]:
        """Scored nodes whose index is under `threshold` (seed 004: "5 of 8 below 80%")."""
        out = []
        for node in nodes:
            score = self.scores[node.code]
            if score.max_points > 0 and score.index is not None and score.index < threshold:
                out.append(node)
        return out


@dataclass
class Evaluation:
    framework: Framework
    period: str | None
    results: list[UnitResult]
    model: TreeModel | None = field(default=None, compare=False, repr=False)
    """The arrays the scores were aggregated from; uncertainty re-aggregates them."""

    def by_unit(self) -> dict[str, UnitResult]:
        return {r.unit.code: r for r in self.results}

    def group_sizes(self) -> dict[str, int]:
        sizes: dict[str, int] = defaultdict(int)
        for r in self.results:
            if r.unit.ranked:
                sizes[r.unit.group] += 1
        return dict(sizes)

    def restricted(self, keep: Callable[[UnitResult], bool]) -> Evaluation:
        """Some of the results (one ranking group…), their scores and ranks unchanged."""
        return replace(self, results=[r for r in self.results if keep(r)])


def evaluate(
    framework: Framework,
    units: Iterable[UnitInput],
    period: str | None = None,
    previous: Iterable[UnitInput] | None = None,
) -> Evaluation:
    """Scores every unit; input order does not matter (results are sorted by unit code).

    `previous`: the same units' inputs for the previous period, needed by `impute: previous`."""
    inputs = sorted(units, key=lambda u: u.code)
    reported = [u for u in inputs if _reported(framework, u)]
    filled, imputed = _imputed(framework, reported, previous)
    context = _Context.build(framework, reported, filled)
    codes = {u.code for u in reported}
    states = [
        _Walker(framework, u, filled.get(u.code, {}), imputed, context, u.code in codes).run()
        for u in inputs
    ]
    flat = _flat(framework, states)
    model = _model(framework, inputs, flat)
    shares = aggregate(model, np.ones((len(model.codes), 1)))[:, :, 0]
    nodes = framework.nodes()
    columns = _columns(nodes, model, shares, flat)
    _rank(model, shares, columns)
    leaves = [(n, node.code) for n, node in enumerate(nodes) if node.is_leaf]
    results = [_result(leaves, columns, u, i) for i, u in enumerate(inputs)]
    return Evaluation(framework, period, results, model)


def _reported(framework: Framework, unit: UnitInput) -> bool:
    return any(
        not v.is_empty and (node := framework.node(code)) is not None and node.applies(unit.kind)
        for code, v in unit.values.items()
    )


def _imputed(
    framework: Framework, units: list[UnitInput], previous: Iterable[UnitInput] | None
) -> tuple[dict[str, dict[str, Value]], set[tuple[str, str]]]:
    before = {u.code: u.values for u in previous} if previous is not None else None
    pools = {u.code: _pool(framework, u) for u in units}
    kinds = {u.code: u.kind for u in units}
    filled_in = impute(framework, {u.code: u.values for u in units}, kinds, pools, before)
    filled = {u.code: dict(u.values) for u in units}
    for (unit, code), value in filled_in.items():
        filled[unit][code] = value
    return filled, set(filled_in)


def _pool(framework: Framework, unit: UnitInput) -> str:
    """The group a unit's missing values are imputed from under `group_mean`."""
    if framework.impute is not Imputation.GROUP_MEAN or not framework.impute_by:
        return unit.group
    if framework.impute_by == (IMPUTE_BY_KIND,):
        return unit.kind or ""
    own = {fold(g) for g in unit.groups}
    return next((g for g in framework.impute_by if fold(g) in own), "")


@dataclass
class _Context:
    """What a unit's score depends on beyond its own values: the best value of each
    relative-to-best leaf in its ranking group, the bounds of each min-max leaf over all units,
    and the mean share of each leaf in its group (`missing: group_mean`)."""

    best: dict[tuple[str, str], float]
    bounds: dict[str, tuple[float, float]]
    mean_share: dict[tuple[str, str], float]

    @classmethod
    def build(
        cls, framework: Framework, units: list[UnitInput], filled: dict[str, dict[str, Value]]
    ) -> _Context:
        best: dict[tuple[str, str], float] = {}
        raws: dict[str, list[float]] = defaultdict(list)
        for node in framework.leaves():
            rule = rule_of(node)
            if rule not in (RuleKind.RELATIVE_TO_BEST, RuleKind.MINMAX):
                continue
            for u in units:
                value = filled[u.code].get(node.code)
                if value is None or value.index is not None or not node.applies(u.kind):
                    continue
                raw = raw_value(node, value)
                if raw is None:
                    continue
                raws[node.code].append(raw)
                key = (u.group, node.code)
                pick = min if node.polarity is Polarity.LOWER else max
                best[key] = pick(best.get(key, raw), raw)
        bounds = {code: (min(v), max(v)) for code, v in raws.items()}
        context = cls(best, bounds, {})
        if framework.missing is MissingPolicy.GROUP_MEAN:
            context.mean_share = context._mean_shares(framework, units, filled)
        return context

    def share_of(self, node: Node, group: str, value: Value) -> float | None:
        if value.index is not None:  # a given 0–1 index needs neither the best nor the bounds
            return share(node, value)
        return share(node, value, self.best.get((group, node.code)), self.bounds.get(node.code))

    def _mean_shares(
        self, framework: Framework, units: list[UnitInput], filled: dict[str, dict[str, Value]]
    ) -> dict[tuple[str, str], float]:
        shares: dict[tuple[str, str], list[float]] = defaultdict(list)
        for node in framework.leaves():
            for u in units:
                value = filled[u.code].get(node.code)
                if value and not value.is_empty and node.applies(u.kind):
                    s = self.share_of(node, u.group, value)
                    if s is not None:
                        shares[(u.group, node.code)].append(s)
        return {k: fmean(v) for k, v in shares.items()}


@dataclass(slots=True)
class _State:
    """One node of one unit before weights are applied (see `TreeModel`)."""

    present: bool = False
    weight: float = 0.0
    cap: float = 0.0
    """Maximum points of the parts that apply to the unit."""
    terminal: bool = False
    share: float | None = None
    missing: int = 0
    supplied: bool = False
    imputed: bool = False
    applicable: bool = True
    raw: float | None = None
    notes: tuple[str, ...] = ()


_COVERED = _State(applicable=False)


class _Walker:
    """Decides `_State` for every node of one unit, leaves first."""

    def __init__(
        self,
        framework: Framework,
        unit: UnitInput,
        values: Mapping[str, Value],
        imputed: set[tuple[str, str]],
        context: _Context,
        reported: bool,
    ) -> None:
        self.framework = framework
        self.unit = unit
        self.values = values
        self.imputed = imputed
        self.context = context
        self.policy = framework.missing if reported else MissingPolicy.SKIP
        self.states: dict[str, _State] = {}

    def run(self) -> dict[str, _State]:
        self._visit(self.framework.root)
        return self.states

    def _visit(self, node: Node) -> _State:
        if not node.applies(self.unit.kind):
            state = _COVERED
        else:
            state = self._given(node) or (
                self._missing_leaf(node) if node.is_leaf else self._combined(node)
            )
        self.states[node.code] = state
        if (state.terminal and not node.is_leaf) or not state.applicable:
            for child, depth in node.walk():
                if depth:
                    self.states.setdefault(child.code, _COVERED)
        return state

    def _given(self, node: Node) -> _State | None:
        value = self.values.get(node.code)
        if value is None or value.is_empty:
            return None
        s = self.context.share_of(node, self.unit.group, value)
        if s is None:
            return None
        imputed = bool(self.imputed) and (self.unit.code, node.code) in self.imputed
        return _State(
            present=True,
            weight=node.max_points,
            cap=node.max_points,
            terminal=True,
            share=s,
            missing=int(imputed),
            supplied=not imputed,
            imputed=imputed,
            raw=raw_value(node, value) if node.is_leaf else value.index,
        )

    def _missing_leaf(self, node: Node) -> _State:
        m = node.max_points
        if m == 0:
            return _State()
        if self.policy is MissingPolicy.EXCLUDE:
            return _State(cap=m, missing=1)
        if self.policy is MissingPolicy.SKIP:
            return _State(weight=m, cap=m, missing=1)
        mean = None
        if self.policy is MissingPolicy.GROUP_MEAN:
            mean = self.context.mean_share.get((self.unit.group, node.code))
        return _State(
            present=True,
            weight=m,
            cap=m,
            terminal=True,
            share=mean if mean is not None else 0.0,
            missing=1,
            imputed=mean is not None,
        )

    def _combined(self, node: Node) -> _State:
        kids = [self._visit(c) for c in node.children]
        cap = sum(k.cap for k in kids)
        carrying = [k for k in kids if k.present and k.weight > 0]
        exclude = self.policy is MissingPolicy.EXCLUDE
        weight = sum(k.weight for k in carrying) if exclude else cap
        missing = sum(k.missing for k in kids)
        coverage = self._coverage(carrying, weight, cap)
        threshold = self.framework.min_coverage
        if coverage is not None and threshold is not None and coverage < threshold - 1e-9:
            note = (
                f"có số liệu cho {percent(coverage)} điểm tối đa, dưới mức tối thiểu "
                f"{percent(threshold)}: không tính"
            )
            return _State(weight=0.0 if exclude else cap, cap=cap, missing=missing, notes=(note,))
        if not carrying:
            return _State(weight=0.0 if exclude else cap, cap=cap, missing=missing)
        return _State(present=True, weight=weight, cap=cap, missing=missing)

    def _coverage(self, carrying: Sequence[_State], weight: float, cap: float) -> float | None:
        if self.framework.min_coverage is None or cap <= 0:
            return None
        if self.policy is MissingPolicy.EXCLUDE:
            return weight / cap
        return sum(k.cap for k in carrying) / cap


def _flat(framework: Framework, states: list[dict[str, _State]]) -> list[_State]:
    """Every unit's states, unit after unit, each in the framework's node order."""
    codes = [n.code for n in framework.nodes()]
    return [s[c] for s in states for c in codes]


def _field(flat: list[_State], name: str, dtype: type, shape: tuple[int, int]) -> NDArray[Any]:
    """One `_State` field of every unit and node (units × nodes)."""
    return np.fromiter(map(attrgetter(name), flat), dtype=dtype, count=len(flat)).reshape(shape)


def _model(framework: Framework, units: list[UnitInput], flat: list[_State]) -> TreeModel:
    nodes = framework.nodes()
    position = {n.code: i for i, n in enumerate(nodes)}
    shape = (len(units), len(nodes))

    def column(name: str, dtype: type) -> NDArray[Any]:
        return _field(flat, name, dtype, shape).T.copy()

    shares = [np.nan if x.share is None else x.share for x in flat]
    return TreeModel(
        codes=tuple(n.code for n in nodes),
        children=tuple(tuple(position[c.code] for c in n.children) for n in nodes),
        methods=tuple(framework.aggregation_of(n) for n in nodes),
        units=tuple(u.code for u in units),
        groups=tuple(u.group for u in units),
        ranked=np.array([u.ranked for u in units], dtype=bool),
        present=column("present", bool),
        weight=column("weight", np.float64),
        terminal=column("terminal", bool),
        share=np.array(shares, dtype=np.float64).reshape(shape).T.copy(),
        precision=framework.precision,
    )


def _columns(
    nodes: list[Node],
    model: TreeModel,
    shares: NDArray[np.float64],
    flat: list[_State],
) -> ScoreColumns:
    """Every unit's `NodeScore` fields as arrays (units × nodes), from the aggregated `shares`
    (nodes × units, NaN: none) and the walk's decisions (`flat`: unit after unit)."""
    width = len(nodes)
    shape = (len(flat) // width if width else 0, width)

    def column(name: str, dtype: type) -> NDArray[Any]:
        return _field(flat, name, dtype, shape)

    weight = model.weight.T.copy()
    share_ = shares.T
    with np.errstate(invalid="ignore"):
        index = np.where(model.present.T & ~np.isnan(share_), share_, np.nan)
        points = np.where(np.isnan(index), 0.0, index * weight)
    raws = [x.raw for x in flat]
    notes = {divmod(i, width): x.notes for i, x in enumerate(flat) if x.notes}
    for n in range(len(nodes)):
        if model.methods[n] is Aggregation.ARITHMETIC:
            continue
        for u in np.flatnonzero(index[:, n] == 0.0).tolist():
            extra = _zero_note(nodes, model, shares[:, u].tolist(), n, u)
            if extra:
                notes[(u, n)] = notes.get((u, n), ()) + extra
    return ScoreColumns(
        codes=tuple(n.code for n in nodes),
        points=points,
        max_points=weight,
        index=index,
        missing=column("missing", np.int64),
        supplied=column("supplied", bool),
        raw=np.array([np.nan if r is None else r for r in raws], dtype=np.float64).reshape(shape),
        has_raw=np.array([r is not None for r in raws], dtype=bool).reshape(shape),
        applicable=column("applicable", bool),
        imputed=column("imputed", bool),
        notes=notes,
        ranks=np.full(shape, np.nan),
    )


def _result(
    leaves: list[tuple[int, str]], columns: ScoreColumns, unit: UnitInput, u: int
) -> UnitResult:
    counted = columns.applicable[u] & (columns.missing[u] != 0)
    filled = (counted & columns.imputed[u]).tolist()
    counted_ = counted.tolist()
    missing = tuple(code for n, code in leaves if counted_[n])
    imputed = tuple(code for n, code in leaves if filled[n])
    return UnitResult(unit, Scores(columns, u), Ranks(columns, u), missing, imputed)


def _zero_note(
    nodes: list[Node], model: TreeModel, shares: list[float], n: int, u: int
) -> tuple[str, ...]:
    zeros = zero_children(model, shares, n, u)
    if not zeros:
        return ()
    names = ", ".join(f"«{nodes[c].name}»" for c in zeros)
    method = AGGREGATION_LABELS[model.methods[n]].lower()
    return (f"{method} bằng 0 vì {names} bằng 0",)


def _rank(model: TreeModel, shares: NDArray[np.float64], columns: ScoreColumns) -> None:
    """Competition ranks of every node inside each ranking group, by the same vectorised
    ranking the Monte Carlo draws use (nodes play the part of draws)."""
    columns.ranks[:] = ranks_in_groups(model, shares.T)
