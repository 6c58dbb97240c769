"""Numbers and dates typed by people, read one way for every file, form and API.

A number is written the Vietnamese way (1.234,5 · 31,14) or the international way (1,234.5 ·
31.14). Most cells say which by themselves; "28.121" does not: it is 28121 one way and 28,121 the
other (R, Python and most exports write three decimals like that). Such a cell is read the way the
rest of its column is written, or else the rest of its file, and refused, naming the cell, when
nothing says which: a wrong guess would be stored silently and published.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, NamedTuple

from chiso.errors import ProblemList, UsageError
from chiso.io.tables import CellValue

DecimalMark = Literal[",", "."]
MARKS: tuple[DecimalMark, ...] = (",", ".")
MARK_NAMES = {",": "dấu phẩy (kiểu Việt Nam: 1.234,5)", ".": "dấu chấm (kiểu quốc tế: 1,234.5)"}
DECIMAL_HINT = (
    "ghi rõ dấu thập phân của tệp: --decimal , (kiểu Việt Nam, 31,14) "
    "hoặc --decimal . (kiểu quốc tế, 31.14), hoặc sửa ô cho rõ (28121 hay 28,121)"
)
NOT_FINITE = {s + w for s in ("", "+", "-") for w in ("inf", "infinity", "nan", "∞")}
_SPACES = str.maketrans({" ": None, "\u00a0": None, "\u202f": None, "\u2212": "-"})


def _pattern(decimal: DecimalMark) -> re.Pattern[str]:
    group, mark = re.escape("." if decimal == "," else ","), re.escape(decimal)
    grouped = rf"[1-9]\d{{0,2}}(?:{group}\d{{3}})+(?:{mark}\d+)?"
    plain = rf"(?:\d+(?:{mark}\d+)?|{mark}\d+)(?:[eE][+-]?\d+)?"
    return re.compile(rf"[+-]?(?:{grouped}|{plain})")


_PATTERNS = {mark: _pattern(mark) for mark in MARKS}


def parse_mark(text: str | None) -> DecimalMark | None:
    """The `--decimal` option: "," or "." (or None when not given)."""
    if text is None or text.strip() == "":
        return None
    cleaned = text.strip()
    if cleaned == ",":
        return ","
    if cleaned == ".":
        return "."
    raise UsageError(
        f"--decimal '{text}' không hợp lệ.", f"bad --decimal {text!r}", hint_vi=DECIMAL_HINT
    )


def clean(text: str) -> str:
    """Spaces (also the narrow ones Excel writes) dropped, a typographic minus made plain."""
    return text.strip().translate(_SPACES)


def readings(text: str) -> dict[DecimalMark, float]:
    """The value `text` has under each convention it is valid in (none, one or both)."""
    out: dict[DecimalMark, float] = {}
    for mark, pattern in _PATTERNS.items():
        if pattern.fullmatch(text):
            group = "." if mark == "," else ","
            out[mark] = float(text.replace(group, "").replace(mark, "."))
    return out


def evidence(values: Iterable[CellValue]) -> set[DecimalMark]:
    """The conventions that some cell proves (a cell valid in only one of them)."""
    found: set[DecimalMark] = set()
    for value in values:
        if isinstance(value, str) and ("," in value or "." in value):
            marks = readings(clean(value).removesuffix("%"))
            if len(marks) == 1:
                found.update(marks)
    return found


def marks_of(
    columns: Mapping[str, Iterable[CellValue]], chosen: DecimalMark | None = None
) -> dict[str, DecimalMark | None]:
    """Each column's decimal mark: the one chosen, else the one its cells prove, else the one
    the whole file proves; None where nothing (or everything) is proved."""
    if chosen is not None:
        return {name: chosen for name in columns}
    proved = {name: evidence(values) for name, values in columns.items()}
    everywhere = set().union(*proved.values()) if proved else set()
    fallback = next(iter(everywhere)) if len(everywhere) == 1 else None
    return {
        name: next(iter(marks)) if len(marks) == 1 else fallback if not marks else None
        for name, marks in proved.items()
    }


@dataclass(frozen=True)
class ColumnMark:
    """How one column writes its numbers, and whether the person importing chose it (then a cell
    written the other way is an error, not a second opinion)."""

    mark: DecimalMark | None = None
    chosen: bool = False

    def read(self, where: str, raw: CellValue, problems: ProblemList) -> float | None:
        return read_number(where, raw, problems, self.mark, self.chosen)


UNKNOWN = ColumnMark()


def column_marks(
    columns: Mapping[str, Iterable[CellValue]], chosen: DecimalMark | None = None
) -> dict[str, ColumnMark]:
    return {
        name: ColumnMark(m, chosen is not None) for name, m in marks_of(columns, chosen).items()
    }


def read_number(
    where: str,
    raw: CellValue,
    problems: ProblemList,
    mark: DecimalMark | None = None,
    chosen: bool = False,
) -> float | None:
    """A finite number from a cell, or None with the reason added to `problems`."""
    if isinstance(raw, bool):
        read: float | Refusal = Refusal(f"'{raw}' không phải là số", "not a number")
    elif isinstance(raw, int | float):
        read = float(raw)
    else:
        read = _from_text(str(raw or ""), mark, chosen)
    if isinstance(read, float) and not math.isfinite(read):
        read = Refusal(f"'{raw}' quá lớn, không phải là số hữu hạn", "not a finite number")
    if isinstance(read, Refusal):
        problems.add(where, read.vi, read.en, read.hint_vi)
        return None
    return read


class Refusal(NamedTuple):
    vi: str
    en: str
    hint_vi: str | None = None


def _from_text(raw: str, mark: DecimalMark | None, chosen: bool) -> float | Refusal:
    text = clean(raw)
    if text.lower() in NOT_FINITE:
        return Refusal(f"'{raw}' không phải là số hữu hạn", "not a finite number")
    found = readings(text)
    if mark is not None and mark in found:
        return found[mark]
    if mark is not None and found and chosen:
        return Refusal(
            f"'{raw}' không viết theo cách đã chọn ({MARK_NAMES[mark]})",
            f"{raw!r} is not written with the chosen decimal mark {mark!r}",
            "sửa ô hoặc chọn lại --decimal",
        )
    values = set(found.values())
    if len(values) == 1:
        return values.pop()
    if not values:
        return Refusal(f"'{raw}' không phải là số", "not a number")
    vi, intl = found[","], found["."]
    return Refusal(
        f"không rõ '{raw}' là {_shown(vi)} hay {_shown(intl)}: "
        "các ô khác của cột và của tệp không cho biết dấu thập phân",
        f"ambiguous number {raw!r}: {vi:g} or {intl:g}; the file does not show its decimal mark",
        DECIMAL_HINT,
    )


def _shown(x: float) -> str:
    """Without thousands grouping, so that the two readings cannot be confused again."""
    return (str(int(x)) if x.is_integer() else repr(x)).replace(".", ",")


def parse_number(value: CellValue, decimal: DecimalMark | None = None) -> float | None:
    """One number on its own ("31,14", "1.234,5", "2E-3"); None when it is not one, not finite,
    or could be read two ways and `decimal` does not say which."""
    problems = ProblemList()
    return read_number("", value, problems, decimal)


def parse_date(value: CellValue) -> date | None:
    """Accept 2025-07-01, 01/07/2025 and spreadsheet dates; None for anything else."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
