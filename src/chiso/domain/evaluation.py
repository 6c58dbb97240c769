"""Evaluating a framework for a set of units: points, share of max and 0–1 index for every node,
ranks inside each ranking group, and the main indices below a threshold."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import fmean

from chiso.domain.frameworks import TOTAL, Framework, MissingPolicy, Node, Polarity, RuleKind
from chiso.domain.ranking import competition_ranks
from chiso.domain.scoring import Value, raw_value, rule_of, share


@dataclass(frozen=True)
class UnitInput:
    code: str
    name: str
    kind: str | None = None
    group: str = "all"
    ranked: bool = True
    values: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class NodeScore:
    points: float
    max_points: float
    index: float | None
    missing: int = 0
    supplied: bool = False
    raw: float | None = None
    applicable: bool = True
    imputed: bool = False


NOT_APPLICABLE = NodeScore(0.0, 0.0, None, applicable=False)


@dataclass
class UnitResult:
    unit: UnitInput
    scores: dict[str, NodeScore]
    ranks: dict[str, int] = field(default_factory=dict)

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

    def by_unit(self) -> dict[str, UnitResult]:
        return {r.unit.code: r for r in self.results}

    def group_sizes(self) -> dict[str, int]:
        sizes: dict[str, int] = defaultdict(int)
        for r in self.results:
            if r.unit.ranked:
                sizes[r.unit.group] += 1
        return dict(sizes)


def evaluate(
    framework: Framework, units: Iterable[UnitInput], period: str | None = None
) -> Evaluation:
    """Scores every unit; input order does not matter (results are sorted by unit code)."""
    inputs = sorted(units, key=lambda u: u.code)
    context = _Context.build(framework, inputs)
    results = [UnitResult(u, _score_unit(framework, u, context)) for u in inputs]
    _rank(framework, results)
    return Evaluation(framework, period, results)


@dataclass
class _Context:
    """What a unit's score depends on beyond its own values: the best value and the mean share
    of each leaf inside its ranking group."""

    best: dict[tuple[str, str], float]
    mean_share: dict[tuple[str, str], float]

    @classmethod
    def build(cls, framework: Framework, units: list[UnitInput]) -> _Context:
        best: dict[tuple[str, str], float] = {}
        shares: dict[tuple[str, str], list[float]] = defaultdict(list)
        relative = [
            n for n in framework.nodes() if n.is_leaf and rule_of(n) is RuleKind.RELATIVE_TO_BEST
        ]
        for node in relative:
            for u in units:
                value = u.values.get(node.code)
                raw = raw_value(node, value) if value and node.applies(u.kind) else None
                if raw is None or (value and value.index is not None):
                    continue
                key = (u.group, node.code)
                pick = min if node.polarity is Polarity.LOWER else max
                best[key] = pick(best.get(key, raw), raw)
        context = cls(best, {})
        if framework.missing is MissingPolicy.GROUP_MEAN:
            for node in framework.leaves():
                for u in units:
                    value = u.values.get(node.code)
                    if value and not value.is_empty and node.applies(u.kind):
                        s = share(node, value, best.get((u.group, node.code)))
                        if s is not None:
                            shares[(u.group, node.code)].append(s)
            context.mean_share = {k: fmean(v) for k, v in shares.items()}
        return context


def _score_unit(framework: Framework, unit: UnitInput, context: _Context) -> dict[str, NodeScore]:
    scores: dict[str, NodeScore] = {}
    _score_node(framework, framework.root, unit, context, scores)
    return scores


def _score_node(
    framework: Framework,
    node: Node,
    unit: UnitInput,
    context: _Context,
    out: dict[str, NodeScore],
) -> NodeScore:
    if not node.applies(unit.kind):
        result = NOT_APPLICABLE
        for child, _ in node.walk():
            out[child.code] = NOT_APPLICABLE
        return result
    value = unit.values.get(node.code)
    if value is not None and not value.is_empty:
        result = _supplied(node, value, context.best.get((unit.group, node.code)))
        for child, depth in node.walk():
            if depth:
                out.setdefault(
                    child.code, NodeScore(0.0, 0.0, None, supplied=False, applicable=False)
                )
    elif node.is_leaf:
        result = _missing(framework, node, unit, context)
    else:
        children = [_score_node(framework, c, unit, context, out) for c in node.children]
        points = sum(c.points for c in children)
        maximum = sum(c.max_points for c in children)
        result = NodeScore(
            points, maximum, points / maximum if maximum else None, sum(c.missing for c in children)
        )
    out[node.code] = result
    return result


def _supplied(node: Node, value: Value, best: float | None) -> NodeScore:
    s = share(node, value, best)
    if s is None:
        return NodeScore(0.0, node.max_points, 0.0 if node.max_points else None, missing=1)
    raw = raw_value(node, value) if node.is_leaf else value.index
    return NodeScore(s * node.max_points, node.max_points, s, supplied=True, raw=raw)


def _missing(framework: Framework, node: Node, unit: UnitInput, context: _Context) -> NodeScore:
    if node.max_points == 0:
        return NodeScore(0.0, 0.0, None)
    policy = framework.missing
    if policy is MissingPolicy.EXCLUDE:
        return NodeScore(0.0, 0.0, None, missing=1)
    if policy is MissingPolicy.GROUP_MEAN:
        mean = context.mean_share.get((unit.group, node.code))
        if mean is not None:
            return NodeScore(mean * node.max_points, node.max_points, mean, missing=1, imputed=True)
    return NodeScore(0.0, node.max_points, 0.0 if node.max_points else None, missing=1)


def _rank(framework: Framework, results: list[UnitResult]) -> None:
    by_group: dict[str, list[UnitResult]] = defaultdict(list)
    for r in results:
        if r.unit.ranked:
            by_group[r.unit.group].append(r)
    codes = [n.code for n in framework.nodes()]
    for members in by_group.values():
        for code in codes:
            scores = {
                r.unit.code: r.scores[code].index
                for r in members
                if r.scores[code].index is not None and r.scores[code].applicable
            }
            ranks = competition_ranks(
                {k: v for k, v in scores.items() if v is not None}, framework.precision
            )
            for r in members:
                if r.unit.code in ranks:
                    r.ranks[code] = ranks[r.unit.code]
