"""Proves that a workbook is safe to hand to python-calamine before it is parsed.

Nothing a file declares is trusted: every member is decompressed in bounded chunks and its real
bytes counted, and the cell area of every sheet is measured from the cells themselves, because
calamine allocates the whole rectangle up to the farthest cell (one cell at XFD1048576 in a 5 KB
file asks for 512 GB) and a few hundred kilobytes of deflated XML can hold millions of cells.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import IO, BinaryIO
from xml.etree import ElementTree

from chiso.errors import RejectedInput

MAX_MEMBERS = 1000
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
MAX_ZIP_RATIO = 200
MAX_CELLS = 5_000_000
MAX_SHEET_ROWS = 1_048_576
MAX_TAG_BYTES = 1024 * 1024
CHUNK = 1024 * 1024

_PLAIN_ROW = re.compile(rb'<c r="[A-Z]{1,3}(\d{1,7})"')
_PLAIN_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})\d')
_ROW_SPLIT = re.compile(rb"<(?:[\w.-]+:)?row[\s/>]")
_PREFIXED_ROW = re.compile(rb"<[\w.-]+:row[\s/>]")
_PREFIXED_CELL = re.compile(rb"<[\w.-]+:c[\s/>]")
_ANY_CELL = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
_MAYBE_R = re.compile(rb"r\s*=")
_R_ATTRIBUTE = re.compile(rb"\sr\s*=")
_R_VALUE = re.compile(rb"""\sr\s*=\s*["']([A-Z]{0,3})(\d{1,7})["']""")
_OTHER_C_TAGS = (b"<co", b"<cf", b"<ce", b"<cu")
"""cols, conditionalFormatting, cfRule, cellWatches, customSheetViews…: not cells."""
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_DATA_DESCRIPTOR = 0x08
_ZIP64 = 0xFFFFFFFF
_HINT = "xóa các dòng, cột thừa ở xa vùng số liệu rồi lưu lại, hoặc chia nhỏ tệp."


def _reject(path: Path, vi: str, en: str, hint: str | None = None) -> RejectedInput:
    return RejectedInput(f"Tệp {path.name}: {vi}", f"{path.name}: {en}", hint_vi=hint)


def _vi(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def check_xlsx(path: Path) -> set[str]:
    """Refuses the workbook (naming the member) unless it is small enough when really unpacked;
    returns the members that hold formula-error cells."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise _reject(
                    path,
                    f"có {_vi(len(infos))} thành phần nén, quá giới hạn {_vi(MAX_MEMBERS)} "
                    "(nghi tệp độc hại).",
                    f"{len(infos)} zip members",
                )
            with path.open("rb") as raw:
                for info in infos:
                    _check_local_header(path, raw, info)
            budget = min(MAX_UNZIPPED_BYTES, MAX_ZIP_RATIO * max(path.stat().st_size, 1))
            sheets = set((sheet_files(archive, _read_index(path, archive)) or {}).values())
            flagged: set[str] = set()
            cells = 0
            for info in infos:
                member = _Member(path, info.filename)
                measured = not sheets or info.filename in sheets
                budget -= member.measure(archive, info, budget, MAX_CELLS - cells, measured)
                cells += member.cells
                if member.has_errors:
                    flagged.add(info.filename)
            return flagged
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise _reject(
            path,
            "không phải tệp Excel .xlsx hợp lệ (bị hỏng, bị cắt cụt hoặc đổi đuôi).",
            f"not a valid zip/xlsx: {exc}",
            "mở tệp trong Excel và lưu lại dạng .xlsx.",
        ) from exc


WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
MAX_INDEX_BYTES = 1024 * 1024
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}


def _read_index(path: Path, archive: zipfile.ZipFile) -> dict[str, bytes]:
    """The workbook and its relationships, read with a bound (they are parsed whole)."""
    out = {}
    names = set(archive.namelist())
    for name in (WORKBOOK, WORKBOOK_RELS):
        if name not in names:
            continue
        with archive.open(name) as member:
            data = member.read(MAX_INDEX_BYTES + 1)
        if len(data) > MAX_INDEX_BYTES:
            raise _reject(
                path, f"thành phần '{name}' lớn bất thường (nghi tệp độc hại).", f"{name} too large"
            )
        out[name] = data
    return out


def sheet_files(
    archive: zipfile.ZipFile, index: dict[str, bytes] | None = None
) -> dict[str, str] | None:
    """Sheet name → member, as calamine finds them; None when the workbook does not say (then
    every member is measured)."""
    index = index if index is not None else _read_index(Path(archive.filename or "?"), archive)
    if WORKBOOK not in index or WORKBOOK_RELS not in index:
        return None
    try:
        rels = ElementTree.fromstring(index[WORKBOOK_RELS])
        book = ElementTree.fromstring(index[WORKBOOK])
    except ElementTree.ParseError:
        return None
    names = set(archive.namelist())
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    out = {}
    for sheet in book.iterfind("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if member not in names:
            return None
        out[sheet.get("name", "")] = member
    return out


def _check_local_header(path: Path, raw: BinaryIO, info: zipfile.ZipInfo) -> None:
    """calamine reads sizes where Python's zipfile does not: both must tell the same story."""
    raw.seek(info.header_offset)
    header = raw.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size:
        raise zipfile.BadZipFile(f"truncated local header of {info.filename}")
    _, _, flags, _, _, _, _, packed, unpacked, _, _ = _LOCAL_HEADER.unpack(header)
    if flags & _DATA_DESCRIPTOR or _ZIP64 in (packed, unpacked):
        return
    if (packed, unpacked) != (info.compress_size, info.file_size):
        raise _reject(
            path,
            f"thành phần '{info.filename}' khai báo hai kích thước khác nhau (nghi tệp độc hại).",
            f"member {info.filename}: local and central sizes differ",
        )


@dataclass
class _Member:
    """One member's real size and the rectangle calamine would allocate for its cells."""

    path: Path
    name: str
    max_row: int = 0
    max_col: int = 0
    rows: int = 0
    refless_rows: int = 0
    widest_refless: int = 0
    row_width: int = 0
    has_errors: bool = False
    allowed: int = MAX_CELLS

    @property
    def cells(self) -> int:
        return (self.max_row + self.refless_rows) * (self.max_col + self.widest_refless)

    def measure(
        self,
        archive: zipfile.ZipFile,
        info: zipfile.ZipInfo,
        budget: int,
        allowed: int,
        cells: bool = True,
    ) -> int:
        """Real bytes unpacked; refuses beyond `budget` bytes or (with `cells`) `allowed` cells."""
        self.allowed = allowed
        size = 0
        carry = b""
        with archive.open(info) as member:
            while chunk := self._read(member):
                size += len(chunk)
                if size > budget:
                    raise _reject(
                        self.path,
                        f"thành phần '{self.name}' giải nén ra quá lớn so với tệp "
                        "(nghi tệp độc hại).",
                        f"member {self.name} unpacks beyond {budget} bytes: zip bomb",
                        "lưu lại tệp trong Excel; nếu tệp thật sự lớn, chia nhỏ tệp.",
                    )
                if cells:
                    carry = self._feed(carry + chunk)
        self._tags(carry)
        return size

    def _read(self, member: IO[bytes]) -> bytes:
        """A chunk; a member whose data does not match its declared size or checksum (Python's
        zipfile stops at the declared size, calamine refuses it too) is named."""
        try:
            return member.read(CHUNK)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise _reject(
                self.path,
                f"thành phần '{self.name}' bị hỏng hoặc khai báo sai kích thước (nghi tệp độc hại).",
                f"member {self.name}: {exc}",
                "mở tệp trong Excel và lưu lại dạng .xlsx.",
            ) from exc

    def _feed(self, data: bytes) -> bytes:
        """Measures the complete tags of `data`; returns an unfinished last one."""
        cut = data.rfind(b"<")
        if cut < 0 or data.find(b">", cut) >= 0:
            self._tags(data)
            return b""
        if len(data) - cut > MAX_TAG_BYTES:
            raise _reject(
                self.path,
                f"thành phần '{self.name}' có một thẻ XML dài bất thường (nghi tệp độc hại).",
                f"member {self.name}: a tag longer than {MAX_TAG_BYTES} bytes",
            )
        self._tags(data[:cut])
        return data[cut:]

    def _tags(self, data: bytes) -> None:
        if b't="e"' in data:
            self.has_errors = True
        tags = _Tags.of(data)
        if not tags.cells:
            return
        if not (tags.plain and self._plain(data, tags.cells)):
            self._exact(data, tags)
        if self.max_row + self.refless_rows > MAX_SHEET_ROWS or self.rows > MAX_SHEET_ROWS:
            raise self._refusal(f"có hơn {_vi(MAX_SHEET_ROWS)} dòng", "too many rows")
        if self.cells > self.allowed:
            raise self._refusal(
                f"trải trên khoảng {_vi(self.cells)} ô, quá giới hạn {_vi(MAX_CELLS)} ô",
                f"about {self.cells} cells, over {MAX_CELLS}",
            )

    def _plain(self, data: bytes, cells: int) -> bool:
        """The farthest references bound the area; False when one is not a plain reference."""
        rows = _PLAIN_ROW.findall(data)
        if len(rows) != cells:
            return False
        if rows:
            self.max_col = max([self.max_col, *map(_column, set(_PLAIN_COLUMN.findall(data)))])
            self.max_row = max(self.max_row, *map(int, set(rows)))
        return True

    def _exact(self, data: bytes, tags: _Tags) -> None:
        """Prefixed tags, attributes in another order, cells or rows without references (placed
        one after another, as calamine places them): bounded from above with byte counts."""
        self.rows += tags.rows
        refs = self._references(data)
        cells = [(x, d) for x, d in refs if x]
        self.refless_rows += max(0, tags.rows - (len(refs) - len(cells)))
        if refs:
            self.max_row = max([self.max_row, *map(int, {d for _, d in refs})])
        if cells:
            self.max_col = max([self.max_col, *map(_column, {x for x, _ in cells})])
        if tags.cells > len(cells):
            self._widths(data, tags.prefixed)

    def _references(self, data: bytes) -> list[tuple[bytes, bytes]]:
        if _MAYBE_R.search(data) is None:
            return []
        refs: list[tuple[bytes, bytes]] = _R_VALUE.findall(data)
        if len(refs) != len(_R_ATTRIBUTE.findall(data)):
            raise self._refusal(
                "có ô hoặc dòng mang địa chỉ không hợp lệ", "bad cell or row reference"
            )
        return refs

    def _widths(self, data: bytes, prefixed: bool) -> None:
        """The most cell tags in one row: an upper bound on a run without references."""
        if prefixed:
            counts = [len(_ANY_CELL.findall(body)) for body in _ROW_SPLIT.split(data)]
        else:
            counts = list(map(bytes.count, data.split(b"<row"), repeat(b"<c")))
        counts[0] += self.row_width
        self.widest_refless = max(self.widest_refless, *counts)
        self.row_width = counts[-1]

    def _refusal(self, vi: str, en: str) -> RejectedInput:
        return _reject(
            self.path,
            f"thành phần '{self.name}' {vi} (nghi tệp độc hại hoặc có ô thừa ở xa vùng số liệu).",
            f"member {self.name}: {en}",
            _HINT,
        )


@dataclass(frozen=True)
class _Tags:
    """Byte counts of one stretch of XML, each taken once: upper bounds on its cells and rows."""

    cells: int
    rows: int
    plain: bool
    prefixed: bool

    @staticmethod
    def of(data: bytes) -> _Tags:
        prefixed = b":c" in data or b":row" in data
        cells = data.count(b"<c") + (len(_PREFIXED_CELL.findall(data)) if prefixed else 0)
        if not cells:
            return _Tags(0, 0, True, prefixed)
        refs = data.count(b'<c r="')
        if cells != refs:
            cells -= sum(data.count(tag) for tag in _OTHER_C_TAGS)
        rows = data.count(b"<row") + (len(_PREFIXED_ROW.findall(data)) if prefixed else 0)
        plain = not prefixed and cells == refs and rows == data.count(b'<row r="')
        return _Tags(cells, rows, plain, prefixed)


def _column(letters: bytes) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (char - 64)
    return index
