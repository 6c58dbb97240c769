"""Change of points, index and rank against an earlier evaluation (previous period, a year ago).

A node without a value on either side has no change: 0 points for a node that had no data is not
a score to move from."""

from __future__ import annotations

from dataclasses import dataclass

from chiso.domain.evaluation import Evaluation


@dataclass(frozen=True)
class Change:
    points: float | None
    index: float | None
    previous_rank: int | None
    rank_change: int | None
    """Positive when the unit moved up (rank 8 → 5 is +3)."""


def compare(current: Evaluation, earlier: Evaluation) -> dict[tuple[str, str], Change]:
    """(unit code, node code) → change; units or nodes absent earlier get None deltas."""
    before = earlier.by_unit()
    out: dict[tuple[str, str], Change] = {}
    for result in current.results:
        old = before.get(result.unit.code)
        for code, score in result.scores.items():
            prior = old.scores.get(code) if old else None
            rank = result.ranks.get(code)
            prior_rank = old.ranks.get(code) if old else None
            points = index = None
            if prior is not None and prior.index is not None and score.index is not None:
                points, index = score.points - prior.points, score.index - prior.index
            out[(result.unit.code, code)] = Change(
                points,
                index,
                prior_rank,
                prior_rank - rank if prior_rank is not None and rank is not None else None,
            )
    return out
