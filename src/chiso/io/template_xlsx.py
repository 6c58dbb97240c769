"""The data-entry workbook a unit fills in: one row per unit, one column per leaf (two for rates:
numerator and denominator), Vietnamese titles over the indicator codes, an instructions sheet,
validation on every input cell and a protected header. Reading it back gives its values as
columns (`WideValues`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chiso.domain.formatting import number
from chiso.domain.frameworks import SIGNED_INPUTS, Framework, InputKind, Node
from chiso.domain.periods import Period, PeriodError
from chiso.domain.scoring import Value
from chiso.domain.units import UnitInfo
from chiso.errors import ProblemList, RejectedInput
from chiso.io.tables import CellValue, Row, Sheet, column_key, read_table
from chiso.io.values import UNKNOWN, ColumnMark, DecimalMark
from chiso.io.values_file import (
    DEFAULT_MAX,
    parse_fraction,
    parse_value,
    plain_fractions,
    plain_number_limit,
    sheet_marks,
)
from chiso.io.writers import write_cell, write_cells

DATA_SHEET = "Số liệu"
INFO_SHEET = "Thông tin"
GUIDE_SHEET = "Hướng dẫn"
NUMERATOR, DENOMINATOR = ":numerator", ":denominator"


@dataclass(frozen=True)
class Column:
    code: str
    title: str
    node: Node


def columns(framework: Framework, kind_filter: set[str] | None = None) -> list[Column]:
    out = []
    for leaf in framework.leaves():
        if kind_filter is not None and leaf.applies_to and not (leaf.applies_to & kind_filter):
            continue
        if leaf.max_points == 0 and leaf.input is InputKind.INDEX:
            continue
        if leaf.input is InputKind.RATE:
            out.append(Column(leaf.code + NUMERATOR, f"{leaf.name} — tử số", leaf))
            out.append(Column(leaf.code + DENOMINATOR, f"{leaf.name} — mẫu số", leaf))
        else:
            out.append(
                Column(
                    leaf.code,
                    leaf.name + (f" ({leaf.unit_label})" if leaf.unit_label else ""),
                    leaf,
                )
            )
    return out


def write_template(
    path: Path, framework: Framework, period: Period, units: Sequence[UnitInfo], cols: list[Column]
) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    fmt = _formats(wb)
    ws = wb.add_worksheet(DATA_SHEET)
    write_cells(ws, 0, 0, ["Mã đơn vị", "Tên đơn vị"] + [c.title for c in cols], fmt["title"])
    write_cells(ws, 1, 0, ["unit_code", "unit_name"] + [c.code for c in cols], fmt["code"])
    ws.set_row(0, 60)
    ws.set_column(0, 0, 16, fmt["locked"])
    ws.set_column(1, 1, 40, fmt["locked"])
    ws.set_column(2, 1 + len(cols), 16, fmt["input"])
    for r, unit in enumerate(units, start=2):
        write_cells(ws, r, 0, [unit.key, unit.name], fmt["locked"])
    last = max(2, len(units) + 1)
    for i, col in enumerate(cols, start=2):
        ws.data_validation(2, i, last, i, _validation(col, i))
    ws.freeze_panes(2, 2)
    ws.protect("", {"format_columns": True, "format_rows": True, "sort": True, "autofilter": True})
    _info_sheet(wb, framework, period, fmt)
    _guide_sheet(wb, framework, period, cols, fmt)
    ws.activate()
    wb.close()


def _formats(wb: Any) -> dict[str, Any]:
    return {
        "title": wb.add_format(
            {
                "bold": True,
                "text_wrap": True,
                "valign": "top",
                "bg_color": "#DDEBF7",
                "border": 1,
                "locked": True,
            }
        ),
        "code": wb.add_format(
            {
                "italic": True,
                "font_color": "#555555",
                "bg_color": "#F2F2F2",
                "border": 1,
                "locked": True,
            }
        ),
        "locked": wb.add_format({"locked": True}),
        "input": wb.add_format({"locked": False}),
        "bold": wb.add_format({"bold": True}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
    }


def _validation(col: Column, index: int) -> dict[str, Any]:
    node = col.node
    if node.input is InputKind.YES_NO:
        return {
            "validate": "list",
            "source": ["có", "không"],
            "error_message": "Chọn có hoặc không.",
        }
    if node.input is InputKind.CATEGORY:
        return {
            "validate": "list",
            "source": [c.label for c in node.categories],
            "error_message": "Chọn một giá trị trong danh sách.",
        }
    if node.input is InputKind.INDEX:
        return {
            "validate": "decimal",
            "criteria": "between",
            "minimum": 0,
            "maximum": 1,
            "error_message": "Chỉ số từ 0 đến 1.",
        }
    if node.input is InputKind.POINTS:
        return {
            "validate": "decimal",
            "criteria": "between",
            "minimum": 0,
            "maximum": node.max_points,
            "error_message": f"Điểm từ 0 đến {number(node.max_points)}.",
        }
    if col.code.endswith(NUMERATOR):
        cell, denominator = f"{_letter(index)}3", f"{_letter(index + 1)}3"
        formula = f"=AND(ISNUMBER({cell}),{cell}>=0,INT({cell})={cell},{cell}<={denominator})"
        return {
            "validate": "custom",
            "value": formula,
            "error_message": "Tử số là số nguyên ≥ 0 và không lớn hơn mẫu số.",
        }
    return _number_validation(node, col.code.endswith(DENOMINATOR) or node.input is InputKind.COUNT)


def _number_validation(node: Node, whole: bool = False) -> dict[str, Any]:
    """Numbers may be signed (growth); rates and counts may not; counts (and denominators) are
    whole."""
    if whole:
        return {
            "validate": "integer",
            "criteria": ">=",
            "value": 0,
            "error_message": "Nhập số nguyên lớn hơn hoặc bằng 0 (số đếm, không có phần lẻ).",
        }
    if node.input in SIGNED_INPUTS:
        return {
            "validate": "decimal",
            "criteria": "between",
            "minimum": -1e15,
            "maximum": 1e15,
            "error_message": "Nhập một số (có thể âm).",
        }
    return {
        "validate": "decimal",
        "criteria": ">=",
        "value": 0,
        "error_message": "Nhập số lớn hơn hoặc bằng 0.",
    }


def _letter(index: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return str(xl_col_to_name(index))


def _info_sheet(wb: Any, framework: Framework, period: Period, fmt: dict[str, Any]) -> None:
    ws = wb.add_worksheet(INFO_SHEET)
    write_cells(ws, 0, 0, ["Trường", "Giá trị"], fmt["bold"])
    write_cells(ws, 1, 0, ["framework", framework.id])
    write_cells(ws, 2, 0, ["period", str(period)])
    write_cells(ws, 3, 0, ["period_label", period.label_vi])
    ws.set_column(0, 1, 30)
    ws.protect()


def _guide_sheet(
    wb: Any, framework: Framework, period: Period, cols: list[Column], fmt: dict[str, Any]
) -> None:
    ws = wb.add_worksheet(GUIDE_SHEET)
    lines = [
        f"Mẫu nhập số liệu — {framework.name} — {period.label_vi}",
        "",
        "1. Nhập số liệu vào trang 'Số liệu', mỗi đơn vị một dòng; không sửa hai dòng tiêu đề và cột mã, tên đơn vị.",
        "2. Tỷ lệ nhập bằng tử số và mẫu số (ví dụ: văn bản có ký số / tổng văn bản phát hành, trừ văn bản mật).",
        "3. Nhập số như số của Excel; số ghi dạng chữ thì cả tệp một kiểu: 1.234,5 (Việt Nam) hay 1,234.5 (quốc tế).",
        "4. Có/không: chọn trong danh sách (có, không). Để trống nếu chưa có số liệu.",
        "5. Gửi lại tệp cho cơ quan tổng hợp hoặc tải lên chiso; mọi lỗi được báo theo từng ô (ví dụ D7).",
        "",
        "Các cột:",
    ]
    for r, text in enumerate(lines):
        write_cell(ws, r, 0, text, fmt["bold"] if r == 0 else None)
    header = ["Mã cột", "Chỉ số", "Cách xác định và tính điểm", "Điểm tối đa"]
    write_cells(ws, len(lines), 0, header, fmt["bold"])
    for r, col in enumerate(cols, start=len(lines) + 1):
        write_cells(ws, r, 0, [col.code, col.title, col.node.method, col.node.max_points])
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 60, fmt["wrap"])
    ws.set_column(2, 2, 70, fmt["wrap"])


@dataclass(frozen=True)
class TemplateMeta:
    framework: str | None
    period: Period | None


def _is_code_header(row: list[CellValue]) -> bool:
    return bool(row) and str(row[0] or "").strip() == "unit_code"


def read_template(path: Path) -> tuple[TemplateMeta, Sheet] | None:
    """The template's metadata and data sheet, or None when the file is not a chiso template
    (then it is read as a long file). The workbook is read once."""
    if path.suffix.lower() not in {".xlsx", ".xlsm"}:
        return None
    sheets = {s.name: s for s in read_table(path, is_header=_is_code_header)}
    data, info = sheets.get(DATA_SHEET), sheets.get(INFO_SHEET)
    if data is None or info is None:
        return None
    if "unit_code" not in data.header:
        raise RejectedInput(
            f"Tệp {path.name}: trang '{DATA_SHEET}' thiếu dòng mã cột (unit_code, …).",
            f"{path.name}: no code row in data sheet",
            hint_vi="tải lại mẫu bằng `chiso data template` và nhập vào đó.",
        )
    meta = {r.text("truong"): r.text("gia_tri") for r in info.rows}
    try:
        period = Period.parse(meta["period"]) if meta.get("period") else None
    except PeriodError:
        period = None
    return TemplateMeta(meta.get("framework") or None, period), data


@dataclass(slots=True)
class WideValues:
    """A filled template's values as columns: per kept row (a unit code, not a duplicate) its
    code, name and row number, and per indicator the value of each kept row (None for an empty
    cell or one refused with its problem). Hundreds of thousands of cells make no object of
    their own: matching asks once per row and once per column, and a `ValueRow` is made only
    when one is asked for (`rows`)."""

    sheet: Sheet
    """The file, sheet and header (no rows): what names a cell."""
    period: Period
    codes: list[str]
    names: list[str]
    numbers: list[int]
    columns: list[tuple[str, list[Value | None]]]
    count: int = 0
    """How many values (cells that are not None)."""

    def __len__(self) -> int:
        return self.count

    def where(self, row: int) -> str:
        return self.sheet.where(self.numbers[row])

    def unit_where(self, row: int) -> str:
        return self.sheet.where(self.numbers[row], "unit_code")


Later = list[tuple[int, int, tuple[str, str, str] | int]]
"""What needs a problem or a parser, at (row position, column position; -1 for the row): a
row's problem (its text), or the kept row whose cell is parsed."""


def _kept_rows(sheet: Sheet) -> tuple[list[Row], list[int], Later]:
    """The rows with a unit code not seen before, their positions in the sheet, and the
    problems of the others."""
    kept: list[Row] = []
    positions: list[int] = []
    seen: dict[str, int] = {}
    later: Later = []
    for position, row in enumerate(sheet.rows):
        unit = row.text("unit_code")
        unit_where = sheet.where(row.number, "unit_code")
        if not unit:
            later.append((position, -1, (unit_where, "thiếu mã đơn vị", "empty unit_code")))
            continue
        if unit in seen:
            vi = f"đơn vị '{unit}' trùng với dòng {seen[unit]}"
            later.append((position, -1, (unit_where, vi, "duplicate unit")))
            continue
        seen[unit] = row.number
        kept.append(row)
        positions.append(position)
    return kept, positions, later


def read_wide_sheet(
    sheet: Sheet, framework: Framework, period: Period, decimal: DecimalMark | None = None
) -> tuple[WideValues, ProblemList]:
    """The sheet read column by column: a plain number within its node's limits (what almost
    every cell holds) becomes its value in one pass over the column (one `Value` per distinct
    number); every other cell goes through its parser, and the problems come in the order of
    the cells, row by row, as a reader going along the rows would find them."""
    problems = ProblemList()
    leaves, unknown = _header_nodes(sheet, framework)
    for code in unknown:
        problems.add(
            sheet.where(1, code),
            f"cột '{code}' không ứng với chỉ số nào của bộ {framework.id}",
            "unknown column",
        )
    columns = [
        (code, node, _keys(code, node), plain_number_limit(node), plain_fractions(node))
        for code, node in leaves.items()
    ]
    kept, positions, later = _kept_rows(sheet)
    out = WideValues(
        Sheet(sheet.file, sheet.name, sheet.header),
        period,
        [r.text("unit_code") for r in kept],
        [r.text("unit_name") for r in kept],
        [r.number for r in kept],
        [],
    )
    plain: dict[float | tuple[float, float], Value] = {}
    for j, (code, _node, keys, limit, fraction) in enumerate(columns):
        values: list[Value | None] = [None] * len(kept)
        one = limit is not None and len(keys) == 1
        top = limit or 0.0
        for i, raw in enumerate([r.values.get(keys[0]) for r in kept]):
            kind = type(raw)
            if one and (kind is float or kind is int):
                x = float(raw)  # type: ignore[arg-type]
                if 0 <= x <= top:
                    values[i] = plain.get(x) or plain.setdefault(x, Value(number=x))
                    continue
            cells = kept[i].values
            value = _plain(cells, keys, limit, fraction, plain)
            if value is not None:
                values[i] = value
            elif raw is not None or (len(keys) == 2 and cells.get(keys[1]) is not None):
                later.append((positions[i], j, i))
        out.columns.append((code, values))
    _parse_later(sheet, (columns, kept, later), out, problems, decimal)
    out.count = sum(len(values) - values.count(None) for _, values in out.columns)
    return out, problems


def _parse_later(
    sheet: Sheet,
    found: tuple[list[Any], list[Row], Later],
    out: WideValues,
    problems: ProblemList,
    decimal: DecimalMark | None,
) -> None:
    """The rows' problems and the cells that need their parser, in the sheet's order."""
    columns, kept, later = found
    later.sort(key=lambda e: (e[0], e[1]))
    marks: dict[str, ColumnMark] | None = None
    for _, j, what in later:
        if isinstance(what, tuple):
            problems.add(*what)
        else:
            if marks is None:  # (only a cell its parser reads needs its column's mark)
                marks = sheet_marks(sheet, tuple(k for c in columns for k in c[2]), decimal)
            node, keys = columns[j][1], columns[j][2]
            value = _cell_value(sheet, kept[what], keys, node, problems, marks)
            out.columns[j][1][what] = value


def _plain(
    cells: dict[str, CellValue],
    keys: tuple[str, ...],
    limit: float | None,
    fraction: bool,
    made: dict[float | tuple[float, float], Value],
) -> Value | None:
    """The value of a cell (or numerator and denominator) holding plain numbers its parser
    would take as they are (`plain_number_limit`, `plain_fractions`), else None."""
    raw = cells.get(keys[0])
    kind = type(raw)
    if kind is not int and kind is not float:
        return None
    x = float(raw)  # type: ignore[arg-type]
    if len(keys) == 1:
        if limit is None or not 0 <= x <= limit:
            return None
        return made.get(x) or made.setdefault(x, Value(number=x))
    other = cells.get(keys[1])
    if not fraction or (type(other) is not int and type(other) is not float):
        return None
    y = float(other)
    if not 0 <= x <= y <= DEFAULT_MAX:
        return None
    return made.get((x, y)) or made.setdefault((x, y), Value(numerator=x, denominator=y))


def _keys(code: str, node: Node) -> tuple[str, ...]:
    if node.input is InputKind.RATE:
        return column_key(code + NUMERATOR), column_key(code + DENOMINATOR)
    return (column_key(code),)


def _header_nodes(sheet: Sheet, framework: Framework) -> tuple[dict[str, Node], list[str]]:
    leaves: dict[str, Node] = {}
    unknown = []
    for column in sheet.header[2:]:
        if not column:
            continue
        code = column.removesuffix(NUMERATOR.replace(":", "_")).removesuffix(
            DENOMINATOR.replace(":", "_")
        )
        node = framework.node(_original(code, framework))
        if node is None:
            unknown.append(column)
        else:
            leaves[node.code] = node
    return leaves, unknown


def _original(folded: str, framework: Framework) -> str:
    """Header cells are folded to identifiers; find the node code they came from."""
    return next((n.code for n in framework.nodes() if column_key(n.code) == folded), folded)


def _cell_value(
    sheet: Sheet,
    row: Any,
    keys: tuple[str, ...],
    node: Node,
    problems: ProblemList,
    marks: dict[str, ColumnMark],
) -> Any:
    raws = tuple(row.get(k) for k in keys)
    if all(r is None for r in raws):
        return None
    if len(keys) == 2:
        wheres = (sheet.where(row.number, keys[0]), sheet.where(row.number, keys[1]))
        pair = (marks.get(keys[0], UNKNOWN), marks.get(keys[1], UNKNOWN))
        return parse_fraction(wheres, (raws[0], raws[1]), node, problems, pair)
    where = sheet.where(row.number, keys[0])
    return parse_value(where, raws[0], node, problems, marks.get(keys[0], UNKNOWN))
