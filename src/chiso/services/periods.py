"""Reading a period typed by a user: one place for the message every command and page shows."""

from __future__ import annotations

from chiso.domain.periods import Period, PeriodError
from chiso.errors import UsageError


def parse_period(text: str) -> Period:
    try:
        return Period.parse(text)
    except PeriodError as exc:
        raise UsageError(
            f"'{text}' không phải kỳ báo cáo hợp lệ.",
            str(exc),
            hint_vi="ghi 2023, 2023-H1, 2023-Q3 hoặc 2023-07.",
        ) from exc


def parse_optional(text: str | None) -> Period | None:
    return None if text is None else parse_period(text)
