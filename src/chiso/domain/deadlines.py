"""Deadlines as directives write them: "trước ngày 28/02/2023", "trong tháng 6/2023" (the end
of that month), "quý III/2023", "năm 2023", or a duty repeated every month or quarter."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from chiso.domain.text import fold


class Recurrence(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


class DeadlineError(ValueError):
    pass


@dataclass(frozen=True)
class Deadline:
    text: str
    due_on: date | None = None
    recurrence: Recurrence | None = None
    day: int | None = None
    """Day of the month a recurring duty falls due (None: the last day)."""

    def due_for(self, on: date) -> date | None:
        """The date by which the task must be done, or for a recurring duty the latest due
        date on or before `on` (None when no occurrence has fallen due yet)."""
        if self.recurrence is None:
            return self.due_on
        return max((d for d in self._around(on) if d <= on), default=None)

    def next_due(self, on: date) -> date | None:
        """The first due date after `on` for a recurring duty; the one date otherwise."""
        if self.recurrence is None:
            return self.due_on
        return min(d for d in self._around(on) if d > on)

    def _around(self, on: date) -> list[date]:
        """The recurring due dates of the periods before, at and after the one holding `on`."""
        step = 1 if self.recurrence is Recurrence.MONTHLY else 3
        month = on.month if step == 1 else ((on.month - 1) // 3) * 3 + 3
        index = on.year * 12 + month - 1
        return [_day_in(i // 12, i % 12 + 1, self.day) for i in (index - step, index, index + step)]


def _day_in(year: int, month: int, day: int | None) -> date:
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day or last, last))


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_DATE = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTH = re.compile(r"thang\s*(\d{1,2})\s*[/.-]\s*(\d{4})|thang\s*(\d{1,2})\s*nam\s*(\d{4})")
_QUARTER = re.compile(r"quy\s*(iv|iii|ii|i|[1-4])\s*(?:[/.-]|nam)\s*(\d{4})")
_YEAR = re.compile(r"nam\s*(\d{4})")
_DAY_OF = re.compile(r"ngay\s*(\d{1,2})")


def parse_deadline(text: str) -> Deadline:
    """Raises DeadlineError (with a Vietnamese message) when the text names no date."""
    raw = text.strip()
    folded = fold(raw)
    if not folded:
        raise DeadlineError("thời hạn bị trống")
    recurring = _recurring(raw, folded)
    if recurring is not None:
        return recurring
    try:
        return Deadline(raw, due_on=_one_date(folded))
    except DeadlineError:
        raise
    except ValueError as exc:
        raise DeadlineError(f"ngày không có thật trong '{raw}'") from exc


def _recurring(raw: str, folded: str) -> Deadline | None:
    if re.search(r"\b(hang|moi)\s*thang\b", folded):
        recurrence = Recurrence.MONTHLY
    elif re.search(r"\b(hang|moi)\s*quy\b", folded):
        recurrence = Recurrence.QUARTERLY
    else:
        return None
    day = _DAY_OF.search(folded)
    number = int(day.group(1)) if day else None
    if number is not None and not 1 <= number <= 31:
        raise DeadlineError(f"ngày {number} trong '{raw}' không hợp lệ")
    return Deadline(raw, recurrence=recurrence, day=number)


def _one_date(folded: str) -> date:
    if m := _DATE.search(folded):
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    if m := _ISO.search(folded):
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _MONTH.search(folded):
        month, year = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        return _day_in(int(year), int(month), None)
    if m := _QUARTER.search(folded):
        return _day_in(int(m.group(2)), _ROMAN[m.group(1)] * 3, None)
    if m := _YEAR.search(folded):
        return date(int(m.group(1)), 12, 31)
    raise DeadlineError(
        f"không đọc được thời hạn '{folded}' (ví dụ: 28/02/2023, trong tháng 6/2023, "
        "quý III/2023, năm 2023, hằng tháng trước ngày 25)"
    )
