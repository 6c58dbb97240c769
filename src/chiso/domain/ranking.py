"""Standard competition ranking (1, 2, 2, 4) on values rounded to the published precision."""

from __future__ import annotations

import math
from collections.abc import Mapping


def round_half_up(x: float, digits: int) -> float:
    """Rounding as published tables do (0,71635 → 0,7164), robust to float noise."""
    scale = 10.0**digits
    return float(math.floor(x * scale + 0.5 + 1e-9)) / scale


def competition_ranks(scores: Mapping[str, float], digits: int | None = 4) -> dict[str, int]:
    """Higher is better; equal scores (at `digits` decimals) share a rank, the next is skipped."""
    keyed = {k: round_half_up(v, digits) if digits is not None else v for k, v in scores.items()}
    ordered = sorted(keyed.values(), reverse=True)
    first_position: dict[float, int] = {}
    for position, value in enumerate(ordered, start=1):
        first_position.setdefault(value, position)
    return {k: first_position[v] for k, v in keyed.items()}
