"""Change of points, index and rank against an earlier evaluation (previous period, a year ago)."""

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
            out[(result.unit.code, code)] = Change(
                score.points - prior.points if prior and prior.applicable else None,
                score.index - prior.index
                if prior and prior.index is not None and score.index is not None
                else None,
                prior_rank,
                prior_rank - rank if prior_rank is not None and rank is not None else None,
            )
    return out
