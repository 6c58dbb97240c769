"""Change of points, index and rank against an earlier evaluation (previous period, a year ago).

A node without a value on either side has no change: 0 points for a node that had no data is not
a score to move from."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chiso.domain.evaluation import Evaluation, ScoreColumns, UnitResult, columns_of

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class Changes:
    """Per unit (rows of the current results, in their order) and node (the current codes):
    NaN where there is no change."""

    points: Floats
    index: Floats
    previous_rank: Floats
    rank_change: Floats
    """Positive when the unit moved up (rank 8 → 5 is +3)."""


def changes(
    results: Sequence[UnitResult],
    columns: ScoreColumns,
    rows: NDArray[np.intp],
    earlier: Evaluation,
) -> Changes:
    """`results`' changes since `earlier`; units or nodes absent earlier have none (and no
    previous rank). `columns` and `rows`: `columns_of(results)`."""
    old, old_rows = columns_of(earlier.framework, earlier.results)
    found = {r.unit.code: int(old_rows[k]) for k, r in enumerate(earlier.results)}
    where = np.array([found.get(r.unit.code, -1) for r in results], dtype=np.intp)
    nodes = np.array([old.position.get(c, -1) for c in columns.codes], dtype=np.intp)
    shape = (len(results), len(columns.codes))
    known = (where >= 0)[:, None] & (nodes >= 0)[None, :]

    def earlier_of(values: Floats) -> Floats:
        if not values.size:
            return np.full(shape, np.nan)
        taken = values[np.maximum(where, 0)][:, np.maximum(nodes, 0)]
        return np.where(known, taken, np.nan)

    now_points, now_index = columns.points[rows], columns.index[rows]
    before_index = earlier_of(old.index)
    both = ~np.isnan(now_index) & ~np.isnan(before_index)
    previous_rank = earlier_of(old.ranks)
    return Changes(
        points=np.where(both, now_points - earlier_of(old.points), np.nan),
        index=np.where(both, now_index - before_index, np.nan),
        previous_rank=previous_rank,
        rank_change=previous_rank - columns.ranks[rows],
    )


@dataclass(frozen=True)
class Change:
    points: float | None
    index: float | None
    previous_rank: int | None
    rank_change: int | None
    """Positive when the unit moved up (rank 8 → 5 is +3)."""


def compare(current: Evaluation, earlier: Evaluation) -> dict[tuple[str, str], Change]:
    """(unit code, node code) → change, for every unit and node of `current`."""
    return _as_changes(current, current.results, earlier)


def change_of(current: Evaluation, earlier: Evaluation, unit: str, code: str) -> Change | None:
    """One unit's change at one node (None when the unit or node is not in `current`)."""
    mine = [r for r in current.results if r.unit.code == unit]
    return _as_changes(current, mine, earlier).get((unit, code))


def _as_changes(
    current: Evaluation, results: Sequence[UnitResult], earlier: Evaluation
) -> dict[tuple[str, str], Change]:
    if not results:
        return {}
    columns, rows = columns_of(current.framework, results)
    found = changes(results, columns, rows, earlier)
    arrays = [found.points, found.index, found.previous_rank, found.rank_change]
    out = {}
    for k, r in enumerate(results):
        for n, code in enumerate(columns.codes):
            points, index, previous, moved = (_figure(a[k, n]) for a in arrays)
            out[(r.unit.code, code)] = Change(points, index, _whole(previous), _whole(moved))
    return out


def _figure(x: np.float64) -> float | None:
    value = float(x)
    return None if math.isnan(value) else value


def _whole(x: float | None) -> int | None:
    return None if x is None else int(x)
