"""Results of units formed by a merger, for periods before they existed.

DTI 2024 scored each of the 34 new provinces as the mean of the main indices of the provinces
merged into it; `weighted` uses weights per predecessor (population, officials…) instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chiso.domain.evaluation import Evaluation, UnitInput, evaluate
from chiso.domain.scoring import Value

MERGE_RULES = ("mean", "weighted")


@dataclass(frozen=True)
class Successor:
    code: str
    name: str
    predecessors: Sequence[str]
    kind: str | None = None
    group: str = "all"
    ranked: bool = True
    weights: Mapping[str, float] | None = None


def project(earlier: Evaluation, successors: Sequence[Successor], rule: str = "mean") -> Evaluation:
    """An evaluation of the successors built from their predecessors' main indices."""
    if rule not in MERGE_RULES:
        raise ValueError(f"unknown merge rule {rule!r}; use one of {MERGE_RULES}")
    by_unit = earlier.by_unit()
    mains = earlier.framework.main_indices() or list(earlier.framework.root.children)
    inputs = []
    for s in successors:
        present = [by_unit[p] for p in s.predecessors if p in by_unit]
        values: dict[str, Value] = {}
        for node in mains:
            pairs = [
                (r.scores[node.code].index, _weight(s, r.unit.code, rule))
                for r in present
                if r.scores[node.code].index is not None
            ]
            total_weight = sum(w for _, w in pairs)
            if pairs and total_weight > 0:
                index = sum(i * w for i, w in pairs if i is not None) / total_weight
                values[node.code] = Value(index=index)
        inputs.append(UnitInput(s.code, s.name, s.kind, s.group, s.ranked, values))
    return evaluate(earlier.framework, inputs, earlier.period)


def _weight(successor: Successor, predecessor: str, rule: str) -> float:
    if rule == "mean" or successor.weights is None:
        return 1.0
    return float(successor.weights.get(predecessor, 0.0))
