"""The long values file: unit_code, unit_name, period, indicator, value (or numerator and
denominator). Every cell is checked against the framework before anything is used."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chiso.domain.frameworks import Framework, InputKind, Node
from chiso.domain.periods import Period, PeriodError
from chiso.domain.scoring import Value
from chiso.domain.text import fold
from chiso.errors import ProblemList
from chiso.io.tables import CellValue, Row, Sheet, first_nonempty, read_table
from chiso.io.values import parse_number

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


@dataclass(frozen=True)
class ValueRow:
    where: str
    unit_code: str
    unit_name: str
    period: Period
    indicator: str
    value: Value


def read_values_file(
    path: Path, framework: Framework, period: Period | None = None
) -> tuple[list[ValueRow], ProblemList]:
    sheet = first_nonempty(read_table(path, ALIASES))
    problems = ProblemList()
    missing = [c for c in ("unit_code", "indicator") if c not in sheet.header]
    has_value = "value" in sheet.header or {"numerator", "denominator"} <= set(sheet.header)
    if missing or not has_value:
        need = ", ".join(missing + ([] if has_value else ["value (hoặc numerator và denominator)"]))
        problems.add(sheet.where(1), f"thiếu cột: {need}", f"missing columns: {need}")
        return [], problems
    rows: list[ValueRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    for row in sheet.rows:
        key = (fold(row.text("unit_code")), fold(row.text("period")), row.text("indicator"))
        if key in seen:
            problems.add(
                sheet.where(row.number),
                f"trùng đơn vị, kỳ và chỉ số với dòng {seen[key]}",
                f"duplicate of row {seen[key]}",
            )
            continue
        seen[key] = row.number
        parsed = _row(sheet, row, framework, period, problems)
        if parsed is not None:
            rows.append(parsed)
    return rows, problems


def _row(
    sheet: Sheet, row: Row, framework: Framework, period: Period | None, problems: ProblemList
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
    row_period = _period(sheet, row, period, problems)
    value = _value(sheet, row, node, problems) if node is not None else None
    if len(problems.problems) > start or node is None or value is None or row_period is None:
        return None
    return ValueRow(
        sheet.where(row.number), unit, row.text("unit_name"), row_period, node.code, value
    )


def _period(sheet: Sheet, row: Row, wanted: Period | None, problems: ProblemList) -> Period | None:
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
        return Period.parse(text)
    except PeriodError:
        problems.add(
            sheet.where(row.number, "period"),
            f"'{text}' không phải kỳ báo cáo",
            "bad period",
            "ghi 2023, 2023-H1, 2023-Q3 hoặc 2023-07",
        )
        return None


def _value(sheet: Sheet, row: Row, node: Node, problems: ProblemList) -> Value | None:
    where = sheet.where(row.number, "value")
    raw = row.get("value")
    if row.get("numerator") is not None or row.get("denominator") is not None:
        return _fraction(sheet, row, node, problems)
    if raw is None:
        problems.add(where, "ô giá trị bị trống", "empty value")
        return None
    if _is_formula_error(raw):
        problems.add(
            where, f"ô chứa lỗi công thức {raw}", "formula error", "sửa công thức trong Excel"
        )
        return None
    kind = InputKind.INDEX if not node.is_leaf else node.input or InputKind.INDEX
    parse = _PARSERS.get(kind, _number)
    return parse(where, raw, node, problems)


def _is_formula_error(raw: CellValue) -> bool:
    return isinstance(raw, str) and raw.strip().upper() in FORMULA_ERRORS


def _category(where: str, raw: CellValue, node: Node, problems: ProblemList) -> Value | None:
    text = str(raw).strip()
    if node.category(text) is None:
        known = ", ".join(c.label for c in node.categories)
        problems.add(where, f"'{text}' không thuộc các lựa chọn: {known}", "unknown category")
        return None
    return Value(text=text)


def _index(where: str, raw: CellValue, _node: Node, problems: ProblemList) -> Value | None:
    number = parse_number(raw)
    if number is None or not 0 <= number <= 1:
        problems.add(where, f"'{raw}' không phải chỉ số trong khoảng 0–1", "index outside 0–1")
        return None
    return Value(index=number)


def _yes_no(where: str, raw: CellValue, _node: Node, problems: ProblemList) -> Value | None:
    folded = fold(str(raw)) if not isinstance(raw, bool) else ("1" if raw else "0")
    if isinstance(raw, float):
        folded = "1" if raw == 1 else "0" if raw == 0 else folded
    if folded in YES:
        return Value(number=1.0)
    if folded in NO:
        return Value(number=0.0)
    problems.add(where, f"'{raw}' không phải có/không", "not yes/no", "ghi có/không, x, 1/0")
    return None


def _number(where: str, raw: CellValue, node: Node, problems: ProblemList) -> Value | None:
    text = str(raw).strip() if isinstance(raw, str) else raw
    is_percent = isinstance(text, str) and text.endswith("%")
    number = parse_number(text.rstrip("%").strip() if isinstance(text, str) else text)
    if number is None:
        problems.add(where, f"'{raw}' không phải là số", "not a number")
        return None
    if number < 0:
        problems.add(where, f"giá trị âm ({raw})", "negative value")
        return None
    if node.input is InputKind.RATE and number > 100:
        problems.add(where, f"tỷ lệ {raw} vượt 100%", "rate above 100%")
        return None
    if is_percent and node.input is not InputKind.RATE:
        problems.add(
            where, f"chỉ số {node.code} không phải tỷ lệ nhưng ô ghi '%'", "percent on non-rate"
        )
        return None
    if node.input is InputKind.POINTS and number > node.max_points:
        problems.add(where, f"điểm {raw} vượt điểm tối đa {node.max_points:g}", "points above max")
        return None
    return Value(number=number)


_PARSERS: dict[InputKind, Callable[[str, CellValue, Node, ProblemList], Value | None]] = {
    InputKind.INDEX: _index,
    InputKind.CATEGORY: _category,
    InputKind.YES_NO: _yes_no,
}


def _fraction(sheet: Sheet, row: Row, node: Node, problems: ProblemList) -> Value | None:
    parts: dict[str, float] = {}
    for column in ("numerator", "denominator"):
        raw = row.get(column)
        where = sheet.where(row.number, column)
        number = parse_number(raw) if raw is not None and not _is_formula_error(raw) else None
        if raw is None:
            problems.add(where, "ô bắt buộc bị trống khi dùng tử số/mẫu số", f"empty {column}")
        elif number is None:
            problems.add(where, f"'{raw}' không phải là số", "not a number")
        elif number < 0:
            problems.add(where, f"giá trị âm ({raw})", "negative value")
        else:
            parts[column] = number
    if len(parts) < 2:
        return None
    if node.input is not InputKind.RATE:
        problems.add(
            sheet.where(row.number, "numerator"),
            f"chỉ số {node.code} không phải tỷ lệ, không nhận tử số/mẫu số",
            "fraction on non-rate",
        )
        return None
    if parts["numerator"] > parts["denominator"]:
        problems.add(
            sheet.where(row.number, "numerator"),
            f"tử số {parts['numerator']:g} lớn hơn mẫu số {parts['denominator']:g}",
            "numerator above denominator",
        )
        return None
    return Value(numerator=parts["numerator"], denominator=parts["denominator"])
