"""The long values file (unit_code, unit_name, period, indicator, value | numerator, denominator)
and the cell parsers every values importer shares: each cell is checked against its node."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from chiso.domain.formatting import number as shown
from chiso.domain.frameworks import SIGNED_INPUTS, Framework, InputKind, Node
from chiso.domain.periods import Period, PeriodError
from chiso.domain.scoring import Value
from chiso.domain.text import exact_words, fold
from chiso.errors import ProblemList
from chiso.io.tables import CellValue, Row, Sheet, first_nonempty, read_table
from chiso.io.values import UNKNOWN, ColumnMark, DecimalMark, column_marks, parse_number

ALIASES = {
    "ma_don_vi": "unit_code", "ma": "unit_code", "unit": "unit_code",
    "ten_don_vi": "unit_name", "don_vi": "unit_name",
    "ky": "period", "ky_bao_cao": "period",
    "chi_so": "indicator", "ma_chi_so": "indicator", "node": "indicator",
    "gia_tri": "value", "tu_so": "numerator", "mau_so": "denominator",
}  # fmt: skip
YES = {"co", "x", "1", "yes", "true", "dat", "da ban hanh", "roi"}
NO = {"khong", "0", "no", "false", "chua", "chua ban hanh", "-"}
FORMULA_ERRORS = ("#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!")
NUMBER_COLUMNS = ("value", "numerator", "denominator")
DEFAULT_MAX = 1e9
"""Largest plausible size of any value, numerator or denominator (a leaf's max_value may say
less)."""


@dataclass(slots=True)
class ValueRow:
    """One value read from a file. (A plain slotted dataclass: a workbook makes hundreds of
    thousands of these, and a frozen dataclass costs three times more to make.)"""

    where: str
    unit_code: str
    unit_name: str
    period: Period
    indicator: str
    value: Value
    unit_where: str = ""


RECORD_COLUMNS = ("unit_code", "unit_name", "period", "indicator", *NUMBER_COLUMNS)


@dataclass
class Records(Sheet):
    """Values that came as JSON objects (the API, a form), read like a sheet; each place is named
    by its JSON path (`values[3].numerator`), never as a file the client did not send."""

    array: str = "values"

    def where(self, row: int, column: str | None = None) -> str:
        return f"{self.array}[{row}].{column}" if column else f"{self.array}[{row}]"


def records_sheet(records: Sequence[Mapping[str, CellValue]], array: str = "values") -> Records:
    """Rows numbered from 0 as in the JSON array; unknown keys are not read."""
    columns = {c: i for i, c in enumerate(RECORD_COLUMNS)}
    rows = [
        Row(i, {c: r.get(c) for c in RECORD_COLUMNS if r.get(c) is not None}, columns)
        for i, r in enumerate(records)
    ]
    return Records(array, None, list(RECORD_COLUMNS), rows, array=array)


def read_values_file(
    path: Path,
    framework: Framework,
    period: Period | None = None,
    must_match: bool = False,
    decimal: DecimalMark | None = None,
    others: frozenset[str] = frozenset(),
) -> tuple[list[ValueRow], ProblemList]:
    """`period` fills rows without one; with `must_match`, rows of another period are errors;
    `decimal` is the file's decimal mark when the person importing says it; rows of the
    indicators in `others` belong to another framework read from the same file and are left."""
    sheet = first_nonempty(read_table(path, ALIASES))
    skip = others - {n.code for n in framework.nodes()}
    if skip:
        sheet.rows = [r for r in sheet.rows if r.text("indicator") not in skip]
    return read_long_sheet(sheet, framework, period, must_match, decimal)


def read_long_sheet(
    sheet: Sheet,
    framework: Framework,
    period: Period | None,
    must_match: bool = False,
    decimal: DecimalMark | None = None,
) -> tuple[list[ValueRow], ProblemList]:
    problems = ProblemList()
    missing = [c for c in ("unit_code", "indicator") if c not in sheet.header]
    has_value = "value" in sheet.header or {"numerator", "denominator"} <= set(sheet.header)
    if missing or not has_value:
        need = ", ".join(missing + ([] if has_value else ["value (hoặc numerator và denominator)"]))
        problems.add(sheet.where(1), f"thiếu cột: {need}", f"missing columns: {need}")
        return [], problems
    marks = sheet_marks(sheet, NUMBER_COLUMNS, decimal)
    rows: list[ValueRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    for row in sheet.rows:
        # the unit as written, diacritics kept: "Xã Sơn Hà" and "Xã Sơn Hạ" are two units
        key = (exact_words(row.text("unit_code")), fold(row.text("period")), row.text("indicator"))
        if key in seen:
            problems.add(
                sheet.where(row.number),
                f"trùng đơn vị, kỳ và chỉ số với dòng {seen[key]}",
                f"duplicate of row {seen[key]}",
            )
            continue
        seen[key] = row.number
        parsed = _row(sheet, row, framework, (period, must_match), marks, problems)
        if parsed is not None:
            rows.append(parsed)
    return rows, problems


def sheet_marks(
    sheet: Sheet, columns: tuple[str, ...], decimal: DecimalMark | None
) -> dict[str, ColumnMark]:
    present = [c for c in columns if c in sheet.header]
    return column_marks({c: [row.values.get(c) for row in sheet.rows] for c in present}, decimal)


def _row(
    sheet: Sheet,
    row: Row,
    framework: Framework,
    period: tuple[Period | None, bool],
    marks: dict[str, ColumnMark],
    problems: ProblemList,
) -> ValueRow | None:
    start = len(problems.problems)
    unit = row.text("unit_code")
    if not unit:
        problems.add(sheet.where(row.number, "unit_code"), "thiếu mã đơn vị", "empty unit_code")
    node = framework.node(row.text("indicator"))
    if node is None:
        problems.add(
            sheet.where(row.number, "indicator"),
            f"chỉ số '{row.text('indicator')}' không có trong bộ chỉ số {framework.id}",
            "unknown indicator",
            "xem mã chỉ số bằng `chiso framework show`",
        )
    row_period = row_period_of(sheet, row, *period, problems)
    value = None
    if node is not None:
        if row.get("numerator") is not None or row.get("denominator") is not None:
            value = parse_fraction(
                (sheet.where(row.number, "numerator"), sheet.where(row.number, "denominator")),
                (row.get("numerator"), row.get("denominator")),
                node,
                problems,
                (marks.get("numerator", UNKNOWN), marks.get("denominator", UNKNOWN)),
            )
        else:
            where = sheet.where(row.number, "value")
            value = parse_value(
                where, row.get("value"), node, problems, marks.get("value", UNKNOWN)
            )
    if len(problems.problems) > start or node is None or value is None or row_period is None:
        return None
    return ValueRow(
        sheet.where(row.number), unit, row.text("unit_name"), row_period, node.code, value,
        sheet.where(row.number, "unit_code"),
    )  # fmt: skip


def row_period_of(
    sheet: Sheet, row: Row, wanted: Period | None, must_match: bool, problems: ProblemList
) -> Period | None:
    text = row.text("period")
    if not text:
        if wanted is None:
            problems.add(
                sheet.where(row.number, "period"),
                "thiếu kỳ báo cáo",
                "empty period",
                "ghi kỳ trong tệp hoặc dùng --period",
            )
        return wanted
    try:
        parsed = Period.parse(text)
    except PeriodError:
        problems.add(
            sheet.where(row.number, "period"),
            f"'{text}' không phải kỳ báo cáo",
            "bad period",
            "ghi 2023, 2023-H1, 2023-Q3 hoặc 2023-07",
        )
        return None
    if must_match and wanted is not None and parsed != wanted:
        problems.add(
            sheet.where(row.number, "period"),
            f"kỳ {parsed} khác kỳ đang nhập {wanted}",
            "period mismatch",
            "bỏ --period hoặc sửa kỳ trong tệp",
        )
        return None
    return parsed


def parse_value(
    where: str, raw: CellValue, node: Node, problems: ProblemList, mark: ColumnMark = UNKNOWN
) -> Value | None:
    """One cell for one node: a 0–1 index for non-leaves, otherwise by the leaf's input kind;
    `mark` says how the cell's column writes numbers."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        problems.add(where, "ô giá trị bị trống", "empty value")
        return None
    if is_formula_error(raw):
        problems.add(
            where, f"ô chứa lỗi công thức {raw}", "formula error", "sửa công thức trong Excel"
        )
        return None
    kind = InputKind.INDEX if not node.is_leaf else node.input or InputKind.INDEX
    return _PARSERS.get(kind, _number)(where, raw, node, problems, mark)


def plain_number_limit(node: Node) -> float | None:
    """The largest plain number (an int or float cell, not negative, not bool) that
    `parse_value` reads for the node as `Value(number=cell)` with no question asked, or None
    when the node's cells always need their parser. A sheet of hundreds of thousands of such
    cells then skips the per-cell checks and the naming of each cell."""
    kind = InputKind.INDEX if not node.is_leaf else node.input or InputKind.INDEX
    if kind in _PARSERS:
        return None
    limit = DEFAULT_MAX if node.max_value is None else min(DEFAULT_MAX, node.max_value)
    if node.input is InputKind.RATE:
        limit = min(limit, 100.0)
    if node.input is InputKind.POINTS:
        limit = min(limit, node.max_points)
    return limit


def plain_fractions(node: Node) -> bool:
    """Whether plain numbers 0 ≤ numerator ≤ denominator ≤ DEFAULT_MAX read for the node as
    `Value(numerator, denominator)` with no question asked (`parse_fraction`'s checks)."""
    return node.input is InputKind.RATE and node.max_value is None


def is_formula_error(raw: CellValue) -> bool:
    return isinstance(raw, str) and raw.strip().upper() in FORMULA_ERRORS


def _category(
    where: str, raw: CellValue, node: Node, problems: ProblemList, _mark: ColumnMark
) -> Value | None:
    text = str(raw).strip()
    if node.category(text) is None:
        known = ", ".join(c.label for c in node.categories)
        problems.add(where, f"'{text}' không thuộc các lựa chọn: {known}", "unknown category")
        return None
    return Value(text=text)


def _index(
    where: str, raw: CellValue, _node: Node, problems: ProblemList, mark: ColumnMark
) -> Value | None:
    number = mark.read(where, raw, problems)
    if number is None:
        return None
    if not 0 <= number <= 1:
        problems.add(where, f"'{raw}' không phải chỉ số trong khoảng 0–1", "index outside 0–1")
        return None
    return Value(index=number)


def _yes_no(
    where: str, raw: CellValue, _node: Node, problems: ProblemList, mark: ColumnMark
) -> Value | None:
    if isinstance(raw, bool):
        return Value(number=1.0 if raw else 0.0)
    number = parse_number(raw, mark.mark)
    if number in (0.0, 1.0):
        return Value(number=number)
    folded = fold(str(raw))
    if folded in YES:
        return Value(number=1.0)
    if folded in NO:
        return Value(number=0.0)
    problems.add(where, f"'{raw}' không phải có/không", "not yes/no", "ghi có/không, x, 1/0")
    return None


def _number(
    where: str, raw: CellValue, node: Node, problems: ProblemList, mark: ColumnMark
) -> Value | None:
    if type(raw) is int or (type(raw) is float and math.isfinite(raw)):
        number: float | None = float(raw)
        is_percent = False
    else:
        text = raw.strip() if isinstance(raw, str) else raw
        is_percent = isinstance(text, str) and text.endswith("%")
        cell = text.removesuffix("%") if isinstance(text, str) else text
        number = mark.read(where, cell, problems)
    if number is None:
        return None
    if is_percent and node.input is not InputKind.RATE:
        problems.add(
            where, f"chỉ số {node.code} không phải tỷ lệ nhưng ô ghi '%'", "percent on non-rate"
        )
        return None
    if node.input is InputKind.RATE and number > 100:
        problems.add(where, f"tỷ lệ {raw} vượt 100%", "rate above 100%")
        return None
    if not _plausible(where, raw, number, node, problems):
        return None
    return _of_kind(where, raw, number, node, problems)


def _of_kind(
    where: str, raw: CellValue, number: float, node: Node, problems: ProblemList
) -> Value | None:
    """Points no more than the leaf's maximum; a count a whole number."""
    if node.input is InputKind.POINTS and number > node.max_points:
        problems.add(where, f"điểm {raw} vượt điểm tối đa {node.max_points:g}", "points above max")
        return None
    if node.input is InputKind.COUNT:
        whole = _whole(where, raw, number, f"chỉ số {node.code} là số đếm", problems)
        return None if whole is None else Value(number=whole)
    return Value(number=number)


WHOLE_SLACK = 1e-9
"""How far from a whole number a count may be and still be that number (a sum Excel computed
in binary floating point); anything further is a fraction and refused."""


def _whole(
    where: str, raw: CellValue, number: float, what: str, problems: ProblemList
) -> float | None:
    """A count is a whole number: "1,5" meetings is a typing error, refused with the cell named."""
    nearest = round(number)
    if abs(number - nearest) <= WHOLE_SLACK:
        return float(nearest)
    problems.add(
        where,
        f"{what}, phải là số nguyên nhưng ô ghi '{raw}'",
        f"{raw!r} is not a whole number ({what})",
        "ghi số nguyên (ví dụ 2), không có phần thập phân",
    )
    return None


def _plausible(
    where: str, raw: CellValue, number: float, node: Node, problems: ProblemList
) -> bool:
    """Counts, rates and points are never negative; a signed number (growth) may be. Beyond 10⁹
    in size, or beyond the leaf's max_value (in the input's own unit), is a typing or export
    error."""
    if 0 <= number <= DEFAULT_MAX and node.max_value is None:
        return True
    if number < 0 and node.input not in SIGNED_INPUTS:
        problems.add(where, f"giá trị âm ({raw})", "negative value")
        return False
    if abs(number) > DEFAULT_MAX:
        problems.add(
            where,
            f"{raw} vượt mức hợp lý (tối đa {shown(DEFAULT_MAX)})",
            f"{raw} beyond the plausible size {DEFAULT_MAX:g}",
            "kiểm tra lại ô (số xuất từ Excel dạng 1,23457E+15 là số đã bị làm tròn)",
        )
        return False
    return _within_max_value(where, raw, number, node, problems)


def _within_max_value(
    where: str, raw: CellValue, number: float, node: Node, problems: ProblemList
) -> bool:
    if node.max_value is None or number <= node.max_value:
        return True
    unit = "%" if node.input is InputKind.RATE else ""
    problems.add(
        where,
        f"{raw} vượt giá trị lớn nhất hợp lý của chỉ số {node.code} "
        f"({shown(node.max_value, 4)}{unit})",
        f"{raw} above max_value {node.max_value:g} of {node.code}",
        "kiểm tra lại ô; nếu giá trị đúng, sửa max_value của chỉ số trong bộ chỉ số",
    )
    return False


_PARSERS: dict[
    InputKind, Callable[[str, CellValue, Node, ProblemList, ColumnMark], Value | None]
] = {
    InputKind.INDEX: _index,
    InputKind.CATEGORY: _category,
    InputKind.YES_NO: _yes_no,
}


def parse_fraction(
    wheres: tuple[str, str],
    raws: tuple[CellValue, CellValue],
    node: Node,
    problems: ProblemList,
    marks: tuple[ColumnMark, ColumnMark] = (UNKNOWN, UNKNOWN),
) -> Value | None:
    """Numerator and denominator of a rate: both present, counts no larger than the leaf's
    plausible limit, numerator ≤ denominator."""
    parts: list[float] = []
    for part, where, raw, mark in zip(("tử số", "mẫu số"), wheres, raws, marks, strict=True):
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            problems.add(where, "ô bắt buộc bị trống khi dùng tử số/mẫu số", "empty fraction cell")
        elif is_formula_error(raw):
            problems.add(
                where, f"ô chứa lỗi công thức {raw}", "formula error", "sửa công thức trong Excel"
            )
        elif (number := mark.read(where, raw, problems)) is not None and (
            whole := _fraction_part(where, raw, number, part, problems)
        ) is not None:
            parts.append(whole)
    if len(parts) < 2:
        return None
    numerator, denominator = parts
    if node.input is not InputKind.RATE:
        problems.add(
            wheres[0],
            f"chỉ số {node.code} không phải tỷ lệ, không nhận tử số/mẫu số",
            "fraction on non-rate",
        )
        return None
    if numerator > denominator:
        problems.add(
            wheres[0],
            f"tử số {numerator:g} lớn hơn mẫu số {denominator:g}",
            "numerator above denominator",
        )
        return None
    rate = 100 * numerator / denominator if denominator else 0.0
    if not _within_max_value(wheres[0], f"{shown(rate, 2)}%", rate, node, problems):
        return None
    return Value(numerator=numerator, denominator=denominator)


def _fraction_part(
    where: str, raw: CellValue, number: float, part: str, problems: ProblemList
) -> float | None:
    """A numerator or denominator: a count, so whole, not negative, of a plausible size."""
    if number < 0:
        problems.add(where, f"giá trị âm ({raw})", "negative value")
        return None
    if number > DEFAULT_MAX:
        problems.add(
            where,
            f"{raw} vượt mức hợp lý (tối đa {shown(DEFAULT_MAX)})",
            f"{raw} beyond the plausible count {DEFAULT_MAX:g}",
            "kiểm tra lại ô",
        )
        return None
    return _whole(where, raw, number, f"{part} là số đếm", problems)
