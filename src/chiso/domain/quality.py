"""Data-quality flags: sudden jumps against the previous period and outliers inside a group
(modified z-score, Iglewicz and Hoaglin: |M| > 3,5)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from statistics import median

from chiso.domain.formatting import number, percent

JUMP_RATE = 0.5
"""A rate moving by 50 percentage points or more in one period (0,79% → 100%)."""
JUMP_RATIO = 5.0
OUTLIER_Z = 3.5


@dataclass(frozen=True)
class Flag:
    unit: str
    indicator: str
    kind: str
    message_vi: str


def jumps(
    current: Mapping[tuple[str, str], float],
    previous: Mapping[tuple[str, str], float],
    rates: set[str],
) -> list[Flag]:
    """(unit, indicator) → value; rates are fractions. Counts jump when they change 5-fold."""
    flags = []
    for key, now in current.items():
        before = previous.get(key)
        if before is None:
            continue
        unit, indicator = key
        if indicator in rates:
            if abs(now - before) >= JUMP_RATE:
                flags.append(
                    Flag(
                        unit,
                        indicator,
                        "jump",
                        f"thay đổi đột biến so với kỳ trước: {percent(before)} → {percent(now)}",
                    )
                )
        elif max(now, before) >= 5 and (
            min(now, before) == 0 or max(now, before) / min(now, before) >= JUMP_RATIO
        ):
            flags.append(
                Flag(
                    unit,
                    indicator,
                    "jump",
                    f"thay đổi đột biến so với kỳ trước: {number(before)} → {number(now)}",
                )
            )
    return flags


def outliers(values: Mapping[str, float], indicator: str, rate: bool) -> list[Flag]:
    """Units whose value lies far from the others of the same group (needs at least 5 units)."""
    if len(values) < 5:
        return []
    middle = median(values.values())
    mad = median(abs(v - middle) for v in values.values())
    if mad == 0:
        return []
    show = percent if rate else number
    flags = []
    for unit, v in values.items():
        z = 0.6745 * (v - middle) / mad
        if abs(z) > OUTLIER_Z:
            side = "cao" if z > 0 else "thấp"
            flags.append(
                Flag(
                    unit,
                    indicator,
                    "outlier",
                    f"bất thường so với nhóm: {show(v)}, {side} hơn hẳn trung vị {show(middle)}",
                )
            )
    return flags
