"""Deadlines as directives write them: "trước ngày 28/02/2023", "trong tháng 6/2023" (the end
of that month), "quý III/2023", "năm 2023", a duty repeated every month, quarter or year
("trước ngày 15/12 hằng năm"), and standing duties with no date ("thường xuyên", "khi có yêu
cầu", or nothing written)."""

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
    YEARLY = "yearly"


STANDING = {"thuong xuyen": "Thường xuyên", "khi co yeu cau": "Khi có yêu cầu"}
"""Duties without a date, as the reminder and the lists name them."""


class DeadlineError(ValueError):
    pass


@dataclass(frozen=True)
class Deadline:
    text: str
    due_on: date | None = None
    recurrence: Recurrence | None = None
    day: int | None = None
    """Day of the month a recurring duty falls due (None: the last day)."""
    month: int | None = None
    """Month a yearly duty falls due; the store keeps the text, so it is read back from it."""

    def __post_init__(self) -> None:
        if self.recurrence is Recurrence.YEARLY and self.month is None:
            found = _DAY_MONTH.search(fold(self.text))
            object.__setattr__(self, "month", int(found.group(2)) if found else 12)

    @property
    def label_vi(self) -> str:
        """The deadline as a list or a reminder shows it."""
        if self.due_on is not None or self.recurrence is not None:
            return self.text
        folded = fold(self.text)
        for key, label in STANDING.items():
            if key in folded:
                return label
        return self.text or "Không có thời hạn"

    @property
    def standing_duty(self) -> bool:
        return self.due_on is None and self.recurrence is None

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
        if self.recurrence is Recurrence.YEARLY:
            month = self.month or 12
            return [_day_in(y, month, self.day) for y in (on.year - 1, on.year, on.year + 1)]
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
_DAY_MONTH = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})(?!\s*[/.-]\s*\d)")


def parse_deadline(text: str) -> Deadline:
    """Raises DeadlineError (with a Vietnamese message) when the text names no date."""
    raw = text.strip()
    folded = fold(raw)
    if not folded or any(key in folded for key in STANDING):
        return Deadline(raw)
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
    elif re.search(r"\b(hang|moi)\s*nam\b", folded):
        return _yearly(raw, folded)
    else:
        return None
    day = _DAY_OF.search(folded)
    number = int(day.group(1)) if day else None
    if number is not None and not 1 <= number <= 31:
        raise DeadlineError(f"ngày {number} trong '{raw}' không hợp lệ")
    return Deadline(raw, recurrence=recurrence, day=number)


def _yearly(raw: str, folded: str) -> Deadline:
    found = _DAY_MONTH.search(folded)
    if found is None:
        return Deadline(raw, recurrence=Recurrence.YEARLY, month=12)
    day, month = int(found.group(1)), int(found.group(2))
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2024, month)[1]:
        raise DeadlineError(f"ngày {day}/{month} trong '{raw}' không có thật")
    return Deadline(raw, recurrence=Recurrence.YEARLY, day=day, month=month)


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
        "quý III/2023, năm 2023, hằng tháng trước ngày 25, trước ngày 15/12 hằng năm, "
        "thường xuyên, khi có yêu cầu)"
    )
