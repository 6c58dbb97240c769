"""Which parts of the framework drive the ranking: for every scored node, how far the units'
total ranks move when that node is removed (its weight set to 0, its parent aggregating the
others) and when only its weight is drawn in [1 − spread, 1 + spread]. A node whose removal
moves nobody does not decide the ranking, however many points it carries."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chiso.domain.aggregation import ranks_in_groups, totals
from chiso.domain.evaluation import Evaluation
from chiso.domain.uncertainty import UncertaintySettings, model_of


@dataclass(frozen=True)
class Influence:
    code: str
    name: str
    level: str
    removal_shift: float
    """Mean |rank with the node removed − rank| over the units ranked both ways."""
    removal_max: int
    """The largest such move of one unit."""
    weight_shift: float
    """Mean |rank − deterministic rank| over units and draws perturbing only this weight."""


def sensitivity(
    evaluation: Evaluation, settings: UncertaintySettings | None = None
) -> list[Influence]:
    """Every non-root node with points, most influential (by removal) first; the shifts are
    over the units of `evaluation.results` (one ranking group when it was restricted)."""
    settings = settings or UncertaintySettings()
    model = model_of(evaluation)
    framework = evaluation.framework
    nodes = framework.nodes()
    chosen = [i for i, n in enumerate(nodes) if i and n.max_points > 0]
    if not chosen:
        return []
    base = ranks_in_groups(model, totals(model, np.ones((len(nodes), 1))))
    shown = {r.unit.code for r in evaluation.results}
    base[[code not in shown for code in model.units]] = np.nan
    removed = np.ones((len(nodes), len(chosen)))
    removed[chosen, range(len(chosen))] = 0.0
    removal = ranks_in_groups(model, totals(model, removed))
    draws = settings.sensitivity_draws
    rng = np.random.default_rng(settings.seed)
    spread = settings.weight_spread
    perturbed = np.ones((len(nodes), len(chosen) * draws))
    for j, n in enumerate(chosen):
        perturbed[n, j * draws : (j + 1) * draws] = rng.uniform(1 - spread, 1 + spread, draws)
    moved = ranks_in_groups(model, totals(model, perturbed)) if spread > 0 else None
    out = []
    for j, n in enumerate(chosen):
        shifts = _shifts(base, removal[:, j : j + 1])
        weight = (
            _shifts(base, moved[:, j * draws : (j + 1) * draws])
            if moved is not None
            else np.empty(0)
        )
        node = nodes[n]
        out.append(
            Influence(
                node.code,
                node.name,
                framework.level_of(node.code),
                float(np.mean(shifts)) if len(shifts) else 0.0,
                int(np.max(shifts)) if len(shifts) else 0,
                float(np.mean(weight)) if len(weight) else 0.0,
            )
        )
    return sorted(out, key=lambda i: (-i.removal_shift, -i.weight_shift, i.code))


def _shifts(base: NDArray[np.float64], other: NDArray[np.float64]) -> NDArray[np.float64]:
    diff = np.abs(other - base)
    return diff[np.isfinite(diff)]
