"""The framework tree of one evaluation as arrays, and the one aggregation every result comes
from: the deterministic scores (one draw, weights as written), the Monte Carlo draws and the
sensitivity runs. A rank interval can then only disagree with its rank through the weights or
noise drawn, never through a second reading of missing data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chiso.domain.frameworks import Aggregation
from chiso.domain.ranking import competition_ranks_columns

Floats = NDArray[np.float64]
Flags = NDArray[np.bool_]


@dataclass(frozen=True)
class TreeModel:
    """Nodes in the framework's pre-order (0 is the root) × units in evaluation order.

    `present`: the node has a value for the unit (decided once, from the data and the missing
    policy, not per draw); `weight`: the maximum points the node carries in its parent for that
    unit (shrunk by `exclude` and by nodes that do not apply); `terminal`: the share is given
    (a leaf, or a node whose 0–1 index was supplied) rather than aggregated; `share`: that
    given share, NaN elsewhere."""

    codes: tuple[str, ...]
    children: tuple[tuple[int, ...], ...]
    methods: tuple[Aggregation, ...]
    units: tuple[str, ...]
    groups: tuple[str, ...]
    ranked: Flags
    present: Flags
    weight: Floats
    terminal: Flags
    share: Floats
    precision: int

    @property
    def post_order(self) -> list[int]:
        """Non-leaf nodes with every child before its parent (pre-order reversed)."""
        return [n for n in reversed(range(len(self.codes))) if self.children[n]]

    def index_of(self, code: str) -> int:
        return self.codes.index(code)


Noise = Callable[[int, "Floats", int], "Floats"]
"""(node, its given shares (units × 1), draws) → perturbed shares (units × draws)."""


def aggregate(model: TreeModel, factors: Floats, noise: Noise | None = None) -> Floats:
    """Shares of every node, unit and draw (nodes × units × draws; NaN = no value).

    `factors` (nodes × draws) multiply each node's weight in its parent; a factor of 0 removes
    the node. `noise` perturbs the given shares."""
    shape = (len(model.units), factors.shape[1])
    return np.stack([np.broadcast_to(a, shape) for a in _shares(model, factors, noise, True)])


def totals(model: TreeModel, factors: Floats, noise: Noise | None = None) -> Floats:
    """The root's share per unit and draw (units × draws), children freed as soon as used."""
    root = _shares(model, factors, noise, keep=False)[0]
    return np.asarray(np.broadcast_to(root, (len(model.units), factors.shape[1])))


def _shares(model: TreeModel, factors: Floats, noise: Noise | None, keep: bool) -> list[Floats]:
    """Per node, units × draws (or units × 1 where the draws cannot change it); with `keep`
    false only the root is computed to the end and children are dropped once combined."""
    draws = factors.shape[1]
    given = np.where(model.terminal, model.share, np.nan)
    nothing = np.full((len(model.units), 1), np.nan)
    arrays: list[Floats] = []
    for n in range(len(model.codes)):
        base = given[n][:, None]
        if noise is not None and model.terminal[n].any():
            base = np.clip(noise(n, base, draws), 0.0, 1.0)
        arrays.append(base)
    for n in model.post_order:
        mixed = _combine(model, n, factors, arrays)
        if model.terminal[n].any():
            mixed = np.where(model.terminal[n][:, None], arrays[n], mixed)
        if not model.present[n].all():
            mixed = np.where(model.present[n][:, None], mixed, np.nan)
        arrays[n] = np.clip(mixed, 0.0, 1.0, out=mixed)
        if not keep:
            for c in model.children[n]:
                arrays[c] = nothing
    return arrays


def _combine(model: TreeModel, n: int, factors: Floats, arrays: list[Floats]) -> Floats:
    """Weighted mean of the children's shares; NaN where no weight is left. A zero share among
    the weighted children makes a geometric or harmonic mean 0 (the limit of both).

    Children whose shares do not change with the draws go through one matrix product (units ×
    children · children × draws); the others, one by one."""
    method = model.methods[n]
    kids = [c for c in model.children[n] if (model.present[c] & (model.weight[c] > 0)).any()]
    static = [c for c in kids if arrays[c].shape[1] == 1]
    moving = [c for c in kids if arrays[c].shape[1] != 1]
    acc, total, zeros = _static_part(model, method, static, factors, arrays)
    for c in moving:
        w = np.outer(np.where(model.present[c], model.weight[c], 0.0), factors[c])
        s = arrays[c]
        valid = ~np.isnan(s)
        if not valid.all():  # where every share is known, the same figures without the masks
            w *= valid
            s = np.where(valid, s, 1.0)
        total += w
        if method is Aggregation.ARITHMETIC:
            w *= s
            acc += w
        else:
            acc += _term(method, w, s)
            zeros += (w > 0) & (s <= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method is Aggregation.ARITHMETIC:
            mean = np.divide(acc, total, out=acc)
        elif method is Aggregation.GEOMETRIC:
            mean = np.exp(acc / total)
        else:
            mean = total / acc
    if method is not Aggregation.ARITHMETIC:
        mean = np.where(zeros > 0, 0.0, mean)
    if (total > 0).all():
        return mean
    return np.asarray(np.where(total > 0, mean, np.nan), dtype=np.float64)


def _static_part(
    model: TreeModel, method: Aggregation, kids: list[int], factors: Floats, arrays: list[Floats]
) -> tuple[Floats, Floats, Floats]:
    shape = (len(model.units), factors.shape[1])
    if not kids:
        return np.zeros(shape), np.zeros(shape), np.zeros(shape)
    s = np.concatenate([arrays[c] for c in kids], axis=1)
    w = np.stack([np.where(model.present[c], model.weight[c], 0.0) for c in kids], axis=1)
    w = np.where(np.isnan(s), 0.0, w)
    s = np.nan_to_num(s, nan=1.0)
    f = factors[kids]
    zeros = np.zeros((1, 1))  # only read by the geometric and harmonic means
    if method is not Aggregation.ARITHMETIC:
        zeros = ((w > 0) & (s <= 0)).astype(np.float64) @ (f > 0).astype(np.float64)
    return _term(method, w, s) @ f, w @ f, zeros


def _term(method: Aggregation, w: Floats, s: Floats) -> Floats:
    if method is Aggregation.ARITHMETIC:
        return w * s
    safe = np.maximum(s, 1e-300)
    return np.asarray(w * np.log(safe) if method is Aggregation.GEOMETRIC else w / safe)


def zero_children(model: TreeModel, shares: Sequence[float], node: int, unit: int) -> list[int]:
    """Children whose zero share made a geometric or harmonic mean 0 (for the node's note);
    `shares` are the unit's, node by node."""
    if model.methods[node] is Aggregation.ARITHMETIC or model.terminal[node, unit]:
        return []
    return [
        c
        for c in model.children[node]
        if model.present[c, unit] and model.weight[c, unit] > 0 and shares[c] <= 0
    ]


def chunk_size(model: TreeModel, wanted: int) -> int:
    """Draws aggregated at once: at most `wanted`, and few enough for the memory."""
    return max(1, min(wanted, 8_000_000 // max(1, len(model.units) * 8)))


def ranks_in_groups(model: TreeModel, values: Floats) -> Floats:
    """Competition ranks of ranked units inside their ranking group, column by column, at the
    published precision; NaN for units not ranked or without a value."""
    out = np.full(values.shape, np.nan)
    groups = np.array(model.groups, dtype=object)
    for group in dict.fromkeys(model.groups):
        rows = np.flatnonzero((groups == group) & model.ranked)
        if rows.size:
            out[rows] = competition_ranks_columns(values[rows], model.precision)
    return out
