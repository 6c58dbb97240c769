"""Numbers as Vietnamese readers expect them: 31,14% · 370,7/570 · 1.000 · 0,8002."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from chiso.domain.scoring import Value

INVALID = "không hợp lệ"
"""Shown for a stored number that is not finite (older versions let inf and nan in)."""


def number(x: float, max_decimals: int = 2, grouping: bool = True) -> str:
    """At most `max_decimals` decimals, no trailing zeros, dot for thousands: 1.234,5; without
    `grouping` (1234,5) where the text is read back and "1.000" could be 1 or 1000."""
    if not math.isfinite(x):
        return INVALID
    if _whole(x):
        return f"{int(x):,}".replace(",", ".") if grouping else str(int(x))
    pattern = ("#,##0" if grouping else "0") + ("." + "#" * max_decimals if max_decimals else "")
    return _babel(x, pattern, math.copysign(1.0, x))


def fixed(x: float, decimals: int) -> str:
    """Exactly `decimals` decimals, as published indices are: 0,8002."""
    if not math.isfinite(x):
        return INVALID
    if decimals == 0 and _whole(x):
        return f"{int(x):,}".replace(",", ".")
    return _babel(x, "#,##0" + ("." + "0" * decimals if decimals else ""), math.copysign(1.0, x))


def _whole(x: float) -> bool:
    """Whether x is a whole number Python writes as Babel does (the fast path; -0.0 is not)."""
    if isinstance(x, int):
        return True
    return x.is_integer() and abs(x) < 1e15 and not (x == 0 and math.copysign(1.0, x) < 0)


@lru_cache(maxsize=65536)
def _babel(x: float, pattern: str, sign: float = 1.0) -> str:
    """Babel's Vietnamese rendering (15 µs a call), kept per (number, pattern): pages show the
    same figures again and again; `sign` keeps -0.0 apart from 0.0, which compare equal.
    Babel is imported at the first number that needs it (whole numbers never do)."""
    from babel.numbers import format_decimal

    return str(format_decimal(x, format=pattern, locale="vi"))


def percent(fraction: float, max_decimals: int = 2) -> str:
    """0.3114 → "31,14%"; 0 → "0%"; 0.49 → "49%"."""
    return f"{number(fraction * 100, max_decimals)}%"


def percent_as_written(fraction: float, decimals: int = 2) -> str:
    """As the seeds write rates: whole numbers bare, others with exactly `decimals` decimals
    ("49%", "0%", "13,50%", "91,70%"); `decimals` 0 rounds to whole numbers."""
    shown = round(fraction * 100, decimals)
    if decimals == 0 or shown == int(shown):
        return f"{fixed(round(shown), 0)}%"
    return f"{fixed(shown, decimals)}%"


def percent_points(fraction: float) -> float:
    """A fraction as a percent axis of a chart reads it: 0.3114 → 31.14."""
    return round(fraction * 100, 2)


def value_text(value: Value | None, yes_no: bool = False) -> str:
    """A value as people read it: "45/50" for a rate, "0,8002", "có", or "—"; a yes/no
    indicator's 1 and 0 read "có" and "không"."""
    if value is None:
        return "—"
    if yes_no and value.number in (0, 1):
        return "có" if value.number == 1 else "không"
    if value.numerator is not None:
        return f"{_stored(value.numerator, 2)}/{_stored(value.denominator or 0, 2)}"
    for x, decimals in ((value.index, 4), (value.text, None), (value.number, 4)):
        if x is not None:
            return str(x) if decimals is None else _stored(x, decimals)
    return "—"


def _stored(value: Any, decimals: int) -> str:
    """A numeric field; the audit log keeps a non-finite one of an older version as text."""
    return number(value, decimals) if isinstance(value, int | float) else INVALID


VIETNAM = timezone(timedelta(hours=7), "ICT")


def local_time(moment: datetime | None) -> str:
    """A stored UTC moment as Vietnamese readers expect it: 22/11/2026 12:50 in UTC+7."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


def signed(x: float | None, decimals: int = 2) -> str:
    """A change as readers expect it: "+1,25", "−0,5" (a true minus sign), "0", "—" for none."""
    if x is None:
        return "—"
    if x == 0:
        return "0"
    text = number(abs(x), decimals)
    return ("+" if x > 0 else "−") + text
