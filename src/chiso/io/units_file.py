"""The units file (CSV or XLSX): code, name, kind, parent_code, groups, and optional extras."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from chiso.domain.units import SUBTYPES_BY_KIND, UnitKind, parse_kind, subtype_from_label
from chiso.errors import ProblemList
from chiso.io.tables import Row, Sheet, first_nonempty, read_table
from chiso.io.values import ColumnMark, DecimalMark, column_marks, parse_date

COLUMNS = (
    "code", "name", "kind", "parent_code", "groups", "subtype", "short_name",
    "official_code", "valid_from", "valid_to", "latitude", "longitude",
)  # fmt: skip
REQUIRED = ("code", "name", "kind")
ALIASES = {
    "ma": "code", "ma_don_vi": "code", "ten": "name", "ten_don_vi": "name", "loai": "kind",
    "loai_don_vi": "kind", "ma_cap_tren": "parent_code", "ma_don_vi_cap_tren": "parent_code",
    "nhom": "groups", "nhom_don_vi": "groups", "vi_do": "latitude", "kinh_do": "longitude",
    "ten_ngan": "short_name", "ma_chinh_thuc": "official_code",
}  # fmt: skip


@dataclass(frozen=True)
class UnitRow:
    where: str
    code: str
    name: str
    kind: UnitKind
    parent_code: str | None
    groups: tuple[str, ...] | None
    subtype: str | None
    short_name: str | None
    official_code: str | None
    valid_from: date | None
    valid_to: date | None
    latitude: float | None
    longitude: float | None


COORDINATES = {"latitude": 90.0, "longitude": 180.0}


def read_units_file(
    path: Path, decimal: DecimalMark | None = None
) -> tuple[list[UnitRow], ProblemList]:
    """Rows that passed the checks that need no database, and every problem found; `decimal`
    is the file's decimal mark when the person importing says it."""
    sheet = first_nonempty(read_table(path, ALIASES))
    problems = ProblemList()
    missing = [c for c in REQUIRED if c not in sheet.header]
    if missing:
        problems.add(
            sheet.where(1),
            f"thiếu cột bắt buộc: {', '.join(missing)}",
            f"missing columns: {', '.join(missing)}",
            "dòng tiêu đề phải có code, name, kind (và parent_code, groups nếu cần)",
        )
        return [], problems
    marks = column_marks(
        {c: [r.values.get(c) for r in sheet.rows] for c in COORDINATES if c in sheet.header},
        decimal,
    )
    out: list[UnitRow] = []
    seen: dict[str, int] = {}
    for row in sheet.rows:
        parsed = _parse_row(sheet, row, marks, problems)
        if parsed is None:
            continue
        if parsed.code in seen:
            problems.add(
                sheet.where(row.number, "code"),
                f"mã '{parsed.code}' trùng với dòng {seen[parsed.code]}",
                f"duplicate code {parsed.code} (row {seen[parsed.code]})",
            )
            continue
        seen[parsed.code] = row.number
        out.append(parsed)
    return out, problems


def _parse_row(
    sheet: Sheet, row: Row, marks: dict[str, ColumnMark], problems: ProblemList
) -> UnitRow | None:
    start = len(problems.problems)
    for column in REQUIRED:
        if not row.text(column):
            problems.add(sheet.where(row.number, column), "ô bắt buộc bị trống", f"empty {column}")
    kind = parse_kind(row.text("kind")) if row.text("kind") else None
    if row.text("kind") and kind is None:
        problems.add(
            sheet.where(row.number, "kind"),
            f"loại đơn vị '{row.text('kind')}' không hợp lệ",
            f"bad kind {row.text('kind')!r}",
            "dùng một trong: " + ", ".join(k.value for k in UnitKind),
        )
    subtype = _subtype(sheet, row, kind, problems)
    dates = {c: _date(sheet, row, c, problems) for c in ("valid_from", "valid_to")}
    coords = {c: _coordinate(sheet, row, c, marks[c], problems) for c in marks}
    groups = _groups(sheet, row, problems)
    code = row.text("code")
    if code and row.text("parent_code") == code:
        problems.add(
            sheet.where(row.number, "parent_code"),
            "đơn vị không thể là cấp trên của chính nó",
            "unit is its own parent",
        )
    if len(problems.problems) > start or kind is None:
        return None
    return UnitRow(
        sheet.where(row.number), code, row.text("name"), kind, row.text("parent_code") or None,
        groups, subtype, row.text("short_name") or None, row.text("official_code") or None,
        dates["valid_from"], dates["valid_to"], coords.get("latitude"), coords.get("longitude"),
    )  # fmt: skip


def _subtype(sheet: Sheet, row: Row, kind: UnitKind | None, problems: ProblemList) -> str | None:
    text = row.text("subtype")
    if not text:
        return None
    subtype = subtype_from_label(text)
    allowed = SUBTYPES_BY_KIND.get(kind) if kind else None
    if subtype is None or (allowed is not None and subtype not in allowed):
        problems.add(
            sheet.where(row.number, "subtype"),
            f"phân loại '{text}' không hợp với loại đơn vị",
            f"bad subtype {text!r}",
            "ví dụ: xã, phường, thị trấn, đặc khu cho commune",
        )
    return subtype


def _date(sheet: Sheet, row: Row, column: str, problems: ProblemList) -> date | None:
    value = row.get(column)
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        problems.add(
            sheet.where(row.number, column),
            f"'{value}' không phải ngày hợp lệ",
            f"bad date {value!r}",
            "ghi dạng 01/07/2025 hoặc 2025-07-01",
        )
    return parsed


def _coordinate(
    sheet: Sheet, row: Row, column: str, mark: ColumnMark, problems: ProblemList
) -> float | None:
    value = row.get(column)
    if value is None:
        return None
    where = sheet.where(row.number, column)
    number = mark.read(where, value, problems)
    if number is None:
        return None
    limit = COORDINATES[column]
    if abs(number) > limit:
        problems.add(
            where,
            f"tọa độ '{value}' ngoài khoảng ±{limit:g}°",
            f"{column} {value!r} outside ±{limit:g}",
            "ghi độ thập phân, ví dụ 10.9447 hoặc 10,9447",
        )
        return None
    return number


def groups_cell(groups: tuple[str, ...] | list[str]) -> str:
    """The groups column as `_groups` reads it back: "A; B", or a JSON list when a name holds
    a ';' or starts with '['."""
    if any(";" in g or g.startswith("[") for g in groups):
        return json.dumps(list(groups), ensure_ascii=False)
    return "; ".join(groups)


def _groups(sheet: Sheet, row: Row, problems: ProblemList) -> tuple[str, ...] | None:
    if "groups" not in sheet.header:
        return None
    text = row.text("groups")
    if text.startswith("["):
        try:
            items = json.loads(text)
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise ValueError("not a list of strings")
        except ValueError:
            problems.add(
                sheet.where(row.number, "groups"),
                "danh sách nhóm không đúng dạng",
                "bad group list",
                'ghi các nhóm cách nhau bởi dấu ; hoặc dạng ["Nhóm 1", "Nhóm 2"]',
            )
            return None
    else:
        items = text.split(";")
    return tuple(dict.fromkeys(i.strip() for i in items if i.strip()))
