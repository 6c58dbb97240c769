"""The fast paths of Vietnamese number formatting write exactly what Babel writes."""

from __future__ import annotations

import random

import pytest
from babel.numbers import format_decimal

from chiso.domain import formatting

HOSTILE = [0.0, -0.0, 1.0, -1.0, 1000.0, -1234567.0, 31.14, 28.121, 1.23457e15, 2.675, 0.125]
HOSTILE += [999999999999.0, 5e14, -5e14, 1e15, -0.001, 0.3114 * 100]


def _numbers() -> list[float]:
    pick = random.Random(16)
    whole = [float(pick.randint(-(10**12), 10**12)) for _ in range(500)]
    return HOSTILE + whole + [pick.uniform(-1e6, 1e6) for _ in range(500)]


@pytest.mark.parametrize("grouping", [True, False])
@pytest.mark.parametrize("decimals", [0, 2, 4])
def test_number_is_babels(grouping: bool, decimals: int) -> None:
    pattern = ("#,##0" if grouping else "0") + ("." + "#" * decimals if decimals else "")
    for x in _numbers() * 2:  # twice: the second time from the cache
        assert formatting.number(x, decimals, grouping) == format_decimal(
            x, format=pattern, locale="vi"
        ), x


@pytest.mark.parametrize("decimals", [0, 2, 4])
def test_fixed_is_babels(decimals: int) -> None:
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    for x in _numbers() * 2:
        assert formatting.fixed(x, decimals) == format_decimal(x, format=pattern, locale="vi"), x


def test_whole_ints() -> None:
    for x in [0, -7, 1000, 10**18, -(10**16)]:
        assert formatting.number(x) == format_decimal(x, format="#,##0.##", locale="vi")
        assert formatting.fixed(x, 0) == format_decimal(x, format="#,##0", locale="vi")


def test_not_finite() -> None:
    assert formatting.number(float("inf")) == formatting.INVALID
    assert formatting.fixed(float("nan"), 2) == formatting.INVALID
    assert formatting.percent(0.3114) == "31,14%"
    assert formatting.number(1000.0) == "1.000"
