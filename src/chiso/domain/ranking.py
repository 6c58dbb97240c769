"""Standard competition ranking (1, 2, 2, 4) on values rounded to the published precision."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

_EPSILON = 1e-9


def round_half_up(x: float, digits: int) -> float:
    """Rounding as published tables do (0,71635 → 0,7164), robust to float noise."""
    scale = 10.0**digits
    return float(math.floor(x * scale + 0.5 + _EPSILON)) / scale


def round_half_up_all(values: NDArray[np.float64], digits: int) -> NDArray[np.float64]:
    """`round_half_up` of every value of an array (the same operations, element by element)."""
    scale = 10.0**digits
    return np.asarray(np.floor(values * scale + 0.5 + _EPSILON) / scale, dtype=np.float64)


def competition_ranks(scores: Mapping[str, float], digits: int | None = 4) -> dict[str, int]:
    """Higher is better; equal scores (at `digits` decimals) share a rank, the next is skipped."""
    keyed = {k: round_half_up(v, digits) if digits is not None else v for k, v in scores.items()}
    ordered = sorted(keyed.values(), reverse=True)
    first_position: dict[float, int] = {}
    for position, value in enumerate(ordered, start=1):
        first_position.setdefault(value, position)
    return {k: first_position[v] for k, v in keyed.items()}


def competition_ranks_columns(
    values: NDArray[np.float64], digits: int | None
) -> NDArray[np.float64]:
    """`competition_ranks` down every column of a units × draws array at once; NaN (no value)
    is not ranked and does not push anyone down."""
    keyed = values
    if digits is not None:
        keyed = round_half_up_all(values, digits)
    missing = np.isnan(keyed)
    # draws × units, contiguous: each draw is sorted in one run of memory; NaN last (+inf)
    lowest_first = np.ascontiguousarray(np.where(missing, np.inf, -keyed).T)
    order = np.argsort(lowest_first, axis=1)  # any order among equals: they share a rank
    ordered = np.take_along_axis(lowest_first, order, axis=1)
    positions = np.arange(values.shape[0])[None, :]
    starts = np.ones_like(ordered, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    first = np.maximum.accumulate(np.where(starts, positions, 0), axis=1) + 1
    ranks = np.empty_like(first)
    np.put_along_axis(ranks, order, first, axis=1)
    return np.where(missing, np.nan, ranks.T.astype(np.float64))
