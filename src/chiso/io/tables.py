"""Reads CSV and XLSX files into rows that remember where each cell came from.

Every importer goes through here, so hostile files (empty, truncated, not what their name says,
zip bombs, too large, too many rows or cells) are refused once, with a Vietnamese message, before
they can exhaust memory. Text that chiso's own exports protected against formulas (a leading
apostrophe) reads back as it was.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from chiso.domain.text import fold_words
from chiso.errors import RejectedInput
from chiso.io.xlsx_guard import check_xlsx, sheet_files

CellValue = str | int | float | bool | date | datetime | time | None

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_CSV_CELLS = 10_000_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What spreadsheet programs take for the start of a formula; exports put an apostrophe before."""
CSV_ENCODINGS = ("utf-8-sig", "cp1258", "cp1252")


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, CellValue]
    columns: dict[str, int]

    def get(self, column: str) -> CellValue:
        return self.values.get(column)

    def text(self, column: str) -> str:
        value = self.values.get(column)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()


@dataclass
class Sheet:
    file: str
    name: str | None
    header: list[str]
    rows: list[Row] = field(default_factory=list)

    _letters: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def where(self, row: int, column: str | None = None) -> str:
        """ "tệp.xlsx, trang Data, ô D7" or "tệp.csv, dòng 7, cột value"; called for every cell
        read, so column letters are worked out once."""
        place = f"{self.file}, trang {self.name}" if self.name is not None else self.file
        if column is None:
            return f"{place}, dòng {row}"
        if self.name is not None and not self._letters and self.header:
            self._letters.update(
                {h: cell_ref(i, 0)[:-1] for i, h in reversed(list(enumerate(self.header)))}
            )
        letters = self._letters.get(column)
        return f"{place}, ô {letters}{row}" if letters else f"{place}, dòng {row}, cột {column}"


def cell_ref(column_index: int, row: int) -> str:
    """0-based column index and 1-based row → "D7"."""
    letters = ""
    n = column_index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


def reject(path: Path, vi: str, en: str, hint_vi: str | None = None) -> RejectedInput:
    return RejectedInput(f"Tệp {path.name}: {vi}", f"{path.name}: {en}", hint_vi=hint_vi)


HeaderTest = Callable[[list[CellValue]], bool]


def _any_filled(row: list[CellValue]) -> bool:
    return any(_filled(v) for v in row)


def read_table(
    path: Path,
    aliases: dict[str, str] | None = None,
    max_rows: int = MAX_ROWS,
    is_header: HeaderTest = _any_filled,
) -> list[Sheet]:
    """Sheets of a CSV or XLSX file, headers folded to canonical names through `aliases`; the
    header is the first row passing `is_header` (rows above it are titles)."""
    _check_file(path)
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        sheets = _read_xlsx(path)
    elif suffix in {".csv", ".txt"}:
        sheets = [_read_csv(path, max_rows)]
    else:
        raise reject(path, "chỉ nhận tệp .xlsx hoặc .csv.", "only .xlsx and .csv are accepted")
    out = [_to_sheet(path, name, rows, aliases or {}, max_rows, is_header) for name, rows in sheets]
    if not any(s.rows for s in out):
        raise reject(path, "không có dòng dữ liệu nào.", "no data rows")
    return out


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise reject(path, "không tồn tại.", "file not found", "kiểm tra lại đường dẫn.")
    size = path.stat().st_size
    if size == 0:
        raise reject(path, "tệp rỗng.", "empty file")
    if size > MAX_FILE_BYTES:
        mb = MAX_FILE_BYTES // (1024 * 1024)
        raise reject(path, f"lớn hơn giới hạn {mb} MB.", "file over size limit", "chia nhỏ tệp.")


def _read_csv(path: Path, max_rows: int) -> tuple[str | None, list[list[CellValue]]]:
    raw = path.read_bytes()
    if raw.startswith(b"PK\x03\x04"):
        raise reject(path, "là tệp nén/Excel nhưng mang đuôi .csv.", "zip content named .csv")
    text = _decode(raw, path)
    del raw
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    if text.count(delimiter) > MAX_CSV_CELLS:
        raise _too_many_cells(path)
    rows: list[list[CellValue]] = []
    cells = 0
    for row in csv.reader(io.StringIO(text), delimiter=delimiter):
        cells += len(row)
        if len(rows) > max_rows or cells > MAX_CSV_CELLS:
            raise _too_many_rows(path, max_rows) if len(rows) > max_rows else _too_many_cells(path)
        rows.append(list(row))
    return None, rows


def _too_many_rows(path: Path, max_rows: int) -> RejectedInput:
    return reject(
        path, f"có hơn {max_rows:,} dòng.".replace(",", "."), "too many rows", "chia nhỏ tệp."
    )


def _too_many_cells(path: Path) -> RejectedInput:
    limit = f"{MAX_CSV_CELLS:,}".replace(",", ".")
    return reject(path, f"có hơn {limit} ô.", "too many cells", "chia nhỏ tệp.")


def _decode(raw: bytes, path: Path) -> str:
    for encoding in CSV_ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return unicodedata.normalize("NFC", text)
    raise reject(
        path,
        "không đọc được bảng mã ký tự.",
        "cannot decode text",
        "lưu lại tệp dạng CSV UTF-8 trong Excel (Save As → CSV UTF-8).",
    )


def _read_xlsx(path: Path) -> list[tuple[str | None, list[list[CellValue]]]]:
    flagged = check_xlsx(path)
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        errors = _error_cells(path, flagged) if flagged else {}
        sheets: list[tuple[str | None, list[list[CellValue]]]] = []
        for name in workbook.sheet_names:
            # The type test inline: a call per cell costs more than reading the workbook.
            plain = _PLAIN
            rows: list[list[CellValue]] = [
                [v if type(v) in plain else _plain(v) for v in row]  # type: ignore[misc]
                for row in workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            ]
            for (r, c), text in errors.get(name, {}).items():
                if r < len(rows) and c < len(rows[r]):
                    rows[r][c] = text
            sheets.append((name, rows))
        return sheets
    except Exception as exc:
        raise reject(
            path, "không phải tệp Excel hợp lệ hoặc bị hỏng.", f"unreadable workbook: {exc}"
        ) from exc


_ERROR_CELL = re.compile(rb'<c\s[^>]*?r="([A-Z]+)(\d+)"[^>]*?\st="e"[^>]*>(.*?)</c>', re.S)
_VALUE = re.compile(rb"<v>([^<]*)</v>")


def _error_cells(path: Path, flagged: set[str]) -> dict[str, dict[tuple[int, int], str]]:
    """Cells holding formula errors (#DIV/0!…), which python-calamine reads as empty strings
    (python-calamine issue #105): found in the XML of the sheets the guard saw them in."""
    out: dict[str, dict[tuple[int, int], str]] = {}
    with zipfile.ZipFile(path) as archive:
        for sheet, target in (sheet_files(archive) or {}).items():
            if target not in flagged:
                continue
            xml = archive.read(target)
            for letters, row, body in _ERROR_CELL.findall(xml):
                value = _VALUE.search(body)
                text = value.group(1).decode() if value else "#ERROR"
                out.setdefault(sheet, {})[(int(row) - 1, _column_index(letters.decode()))] = text
    return out


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (ord(char) - 64)
    return index - 1


_PLAIN = frozenset({str, int, float, bool, date, datetime, time, type(None)})


def _plain(value: object) -> CellValue:
    """Calamine returns timedelta for durations; everything else is already a plain value."""
    if type(value) in _PLAIN:
        return value  # type: ignore[return-value]
    if isinstance(value, str | int | float | bool | date | datetime | time):
        return value
    return str(value)


def _to_sheet(
    path: Path,
    name: str | None,
    rows: list[list[CellValue]],
    aliases: dict[str, str],
    max_rows: int,
    is_header: HeaderTest,
) -> Sheet:
    header_index = next((i for i, r in enumerate(rows) if is_header(r)), None)
    if header_index is None:
        header_index = next((i for i, r in enumerate(rows) if _any_filled(r)), None)
    if header_index is None:
        return Sheet(path.name, name, [])
    header = [canonical_column(v, aliases) for v in rows[header_index]]
    columns = {h: i for i, h in enumerate(header) if h}
    sheet = Sheet(path.name, name, header)
    body = rows[header_index + 1 :]
    if len(body) > max_rows:
        raise reject(path, f"có hơn {max_rows:,} dòng.".replace(",", "."), "too many rows")
    places = list(columns.items())
    width = max(columns.values(), default=-1) + 1
    for offset, given in enumerate(body):
        if not any(_filled(v) for v in given):
            continue
        raw = given if len(given) >= width else [*given, *([None] * (width - len(given)))]
        # Only text needs cleaning; numbers (almost every cell of a filled template) are kept.
        values = {h: _clean(v) if type(v := raw[i]) is str else v for h, i in places}
        sheet.rows.append(Row(header_index + offset + 2, values, columns))
    return sheet


def column_key(text: str) -> str:
    """ "Chỉ số / chỉ số thành phần" → "chi_so_chi_so_thanh_phan"."""
    return fold_words(text).replace(" ", "_")


def canonical_column(value: CellValue, aliases: dict[str, str]) -> str:
    folded = column_key(str(value or ""))
    return aliases.get(folded, folded)


def _filled(value: CellValue) -> bool:
    return value is not None and str(value).strip() != ""


def _clean(value: CellValue) -> CellValue:
    if isinstance(value, str):
        stripped = unicodedata.normalize("NFC", value.strip())
        if stripped[:1] == "'" and stripped[1:2] in FORMULA_STARTS:
            return stripped[1:].strip() or None
        return stripped or None
    return value


def first_nonempty(sheets: Iterable[Sheet]) -> Sheet:
    return next(s for s in sheets if s.rows)
