"""Reporting periods: written 2023 · 2023-H1 · 2023-Q3 · 2023-07, shown in Vietnamese."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from chiso.domain.text import fold


class Granularity(StrEnum):
    YEAR = "year"
    HALF = "half"
    QUARTER = "quarter"
    MONTH = "month"

    @property
    def months(self) -> int:
        return _MONTHS[self]


_MONTHS = {Granularity.YEAR: 12, Granularity.HALF: 6, Granularity.QUARTER: 3, Granularity.MONTH: 1}
_COUNT = {g: 12 // m for g, m in _MONTHS.items()}
_ROMAN = ("I", "II", "III", "IV")

_CODE = re.compile(r"^(\d{4})(?:-(?:([hH])([12])|([qQ])([1-4])|(\d{1,2})))?$")
_VI_PATTERNS = (
    (re.compile(r"^(?:nam )?(\d{4})$"), Granularity.YEAR),
    (re.compile(r"^6 thang dau nam (\d{4})$"), Granularity.HALF),
    (re.compile(r"^6 thang cuoi nam (\d{4})$"), Granularity.HALF),
    (re.compile(r"^quy (i|ii|iii|iv)/(\d{4})$"), Granularity.QUARTER),
    (re.compile(r"^thang (\d{1,2})/(\d{4})$"), Granularity.MONTH),
)


class PeriodError(ValueError):
    """Text that is not a period; the message says which forms are accepted."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    number: int
    granularity: Granularity

    def __post_init__(self) -> None:
        if not 1900 <= self.year <= 9999:
            raise PeriodError(f"year out of range: {self.year}")
        if not 1 <= self.number <= _COUNT[self.granularity]:
            raise PeriodError(f"{self.granularity} number out of range: {self.number}")
        # Periods key every stored value: hashed once (an enum member hashes in Python).
        object.__setattr__(self, "_hash", hash((self.year, self.number, str(self.granularity))))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[no-any-return,attr-defined]

    def __reduce__(self) -> tuple[type[Period], tuple[int, int, Granularity]]:
        """Pickled by its fields: the cached hash differs between processes."""
        return (Period, (self.year, self.number, self.granularity))

    @classmethod
    def year_of(cls, year: int) -> Period:
        return cls(year, 1, Granularity.YEAR)

    @classmethod
    def month_of(cls, year: int, month: int) -> Period:
        return cls(year, month, Granularity.MONTH)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Accept the file form ("2023-Q3") and the Vietnamese display form ("Quý III/2023")."""
        raw = text.strip()
        match = _CODE.match(raw)
        if match:
            return cls._from_code(match)
        parsed = cls._from_vietnamese(fold(raw))
        if parsed is None:
            raise PeriodError(f"'{text}' is not a period; write 2023, 2023-H1, 2023-Q3 or 2023-07")
        return parsed

    @classmethod
    def _from_code(cls, match: re.Match[str]) -> Period:
        year = int(match.group(1))
        if match.group(3):
            return cls(year, int(match.group(3)), Granularity.HALF)
        if match.group(5):
            return cls(year, int(match.group(5)), Granularity.QUARTER)
        if match.group(6):
            return cls(year, int(match.group(6)), Granularity.MONTH)
        return cls.year_of(year)

    @classmethod
    def _from_vietnamese(cls, folded: str) -> Period | None:
        for pattern, granularity in _VI_PATTERNS:
            match = pattern.match(folded)
            if not match:
                continue
            if granularity is Granularity.YEAR:
                return cls.year_of(int(match.group(1)))
            if granularity is Granularity.HALF:
                return cls(int(match.group(1)), 1 if "dau" in folded else 2, granularity)
            if granularity is Granularity.QUARTER:
                number = [r.lower() for r in _ROMAN].index(match.group(1)) + 1
                return cls(int(match.group(2)), number, granularity)
            return cls(int(match.group(2)), int(match.group(1)), granularity)
        return None

    def __str__(self) -> str:
        text: str | None = self.__dict__.get("_text")
        if text is None:
            text = self._code()
            object.__setattr__(self, "_text", text)
        return text

    def _code(self) -> str:
        if self.granularity is Granularity.YEAR:
            return f"{self.year}"
        if self.granularity is Granularity.HALF:
            return f"{self.year}-H{self.number}"
        if self.granularity is Granularity.QUARTER:
            return f"{self.year}-Q{self.number}"
        return f"{self.year}-{self.number:02d}"

    @property
    def label_vi(self) -> str:
        if self.granularity is Granularity.YEAR:
            return f"năm {self.year}"
        if self.granularity is Granularity.HALF:
            half = "đầu" if self.number == 1 else "cuối"
            return f"6 tháng {half} năm {self.year}"
        if self.granularity is Granularity.QUARTER:
            return f"Quý {_ROMAN[self.number - 1]}/{self.year}"
        return f"tháng {self.number}/{self.year}"

    @property
    def first_month(self) -> int:
        return (self.number - 1) * self.granularity.months + 1

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        last = self.first_month + self.granularity.months - 1
        return date(self.year, last, calendar.monthrange(self.year, last)[1])

    def months(self) -> list[Period]:
        first = self.first_month
        return [
            Period.month_of(self.year, m) for m in range(first, first + self.granularity.months)
        ]

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end

    def shifted(self, steps: int) -> Period:
        """The period `steps` periods of the same length later (earlier when negative)."""
        count = _COUNT[self.granularity]
        index = self.year * count + (self.number - 1) + steps
        return Period(index // count, index % count + 1, self.granularity)

    def previous(self) -> Period:
        return self.shifted(-1)

    def next(self) -> Period:
        return self.shifted(1)

    def year_earlier(self) -> Period:
        return Period(self.year - 1, self.number, self.granularity)

    def enclosing(self, granularity: Granularity) -> Period:
        """The quarter, half or year this period lies in."""
        if granularity.months < self.granularity.months:
            raise PeriodError(f"a {granularity} cannot enclose a {self.granularity}")
        return Period(self.year, (self.first_month - 1) // granularity.months + 1, granularity)
