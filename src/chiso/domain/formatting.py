"""Numbers as Vietnamese readers expect them: 31,14% · 370,7/570 · 1.000 · 0,8002."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from babel.numbers import format_decimal


def number(x: float, max_decimals: int = 2) -> str:
    """At most `max_decimals` decimals, no trailing zeros, dot for thousands: 1.234,5."""
    pattern = "#,##0" + ("." + "#" * max_decimals if max_decimals else "")
    return str(format_decimal(x, format=pattern, locale="vi"))


def fixed(x: float, decimals: int) -> str:
    """Exactly `decimals` decimals, as published indices are: 0,8002."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return str(format_decimal(x, format=pattern, locale="vi"))


def percent(fraction: float, max_decimals: int = 2) -> str:
    """0.3114 → "31,14%"; 0 → "0%"; 0.49 → "49%"."""
    return f"{number(fraction * 100, max_decimals)}%"


def stored_value(fields: Mapping[str, Any] | None, yes_no: bool = False) -> str:
    """A stored value as people read it: "45/50" for a rate, "0,8002", "có", or "—"; a yes/no
    indicator's 1 and 0 read "có" and "không"."""
    if not fields:
        return "—"
    if yes_no and fields.get("number") in (0, 1):
        return "có" if fields["number"] == 1 else "không"
    if fields.get("numerator") is not None:
        return f"{number(fields['numerator'])}/{number(fields['denominator'])}"
    for key in ("index_value", "text", "number"):
        value = fields.get(key)
        if value is not None:
            return number(value, 4) if isinstance(value, int | float) else str(value)
    return "—"


VIETNAM = timezone(timedelta(hours=7), "ICT")


def local_time(moment: datetime | None) -> str:
    """A stored UTC moment as Vietnamese readers expect it: 22/11/2026 12:50 in UTC+7."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")
