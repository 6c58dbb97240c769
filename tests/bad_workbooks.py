"""Builds the hostile files of tests/data/bad/bombs (`python -m tests.bad_workbooks`): each is
small on disk and would, if trusted, unpack to gigabytes, ask calamine for a huge cell area, or
lie about its sizes. The files are committed; this module says how each was made."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook

BOMBS = Path(__file__).parent / "data" / "bad" / "bombs"
SHEET = "xl/worksheets/sheet1.xml"
HEADER = ("unit_code", "period", "indicator", "value")


def _base() -> dict[str, bytes]:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(HEADER))
    ws.append(["legacy:25361", "2023-07", "paperless_meetings", 2])
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _with_sheet(body: bytes, prefix: bytes = b"", **members: bytes) -> dict[str, bytes]:
    parts = _base()
    sheet = parts[SHEET]
    head = sheet[: sheet.index(b"<sheetData>") + len(b"<sheetData>")]
    parts[SHEET] = prefix + head + body + b"</sheetData></worksheet>"
    parts.update(members)
    return parts


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _patch_sizes(data: bytes, member: str, size: int, local: bool) -> bytes:
    """Declares `size` uncompressed bytes for `member` in the central directory (and in its
    local header when `local`)."""
    raw = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    if local:
        struct.pack_into("<I", raw, info.header_offset + 22, size)
    at = raw.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46 : at + 46 + length] == member.encode():
            struct.pack_into("<I", raw, at + 24, size)
        at = raw.find(b"PK\x01\x02", at + 4)
    return bytes(raw)


def _text_rows(count: int) -> bytes:
    row = b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c></row>"
    return row * count


FAR = (
    b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
)

BUILDERS: dict[str, Callable[[], bytes]] = {
    "false-sizes.xlsx": lambda: _patch_sizes(
        _zip(_with_sheet(_text_rows(30_000))), SHEET, 2000, local=True
    ),
    "sizes-disagree.xlsx": lambda: _patch_sizes(
        _zip(_with_sheet(_text_rows(100))), SHEET, 2000, local=False
    ),
    "deflate-bomb.xlsx": lambda: _zip(_with_sheet(b"<row r='1'/>" + b" " * (120 * 1024 * 1024))),
    "shared-strings-bomb.xlsx": lambda: _zip(
        _base() | {"xl/sharedStrings.xml": b"<sst><si><t>" + b"x" * (120 * 1024 * 1024)}
    ),
    "too-many-members.xlsx": lambda: _zip(
        _base() | {f"xl/media/image{i}.png": b"" for i in range(1001)}
    ),
    "far-cell.xlsx": lambda: _zip(_with_sheet(FAR)),
    "far-area.xlsx": lambda: _zip(
        _with_sheet(
            b'<row r="1"><c r="A1"><v>1</v></c></row><row r="200000"><c r="CV200000"><v>1</v></c></row>'
        )
    ),
    "many-cells.xlsx": lambda: _zip(
        _with_sheet(
            b"".join(b"<row>" + b"<c><v>1</v></c>" * 100 + b"</row>" for _ in range(60_000))
        )
    ),
    "far-prefixed.xlsx": lambda: _zip(
        _with_sheet(
            b'<x:row r="1"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>',
            b"",
        )
    ),
    "far-attribute-order.xlsx": lambda: _zip(
        _with_sheet(b'<row r="1"><c s="0" r="XFD1048576"><v>1</v></c></row>')
    ),
    "bad-reference.xlsx": lambda: _zip(
        _with_sheet(b'<row r="1"><c r="&#88;FD1048576"><v>1</v></c></row>')
    ),
    "nested.xlsx": lambda: _zip(
        _with_sheet(
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
            + b"<x>" * 1_000_000
            + b"</x>" * 1_000_000
        )
    ),
    "laughs.xlsx": lambda: _zip(
        _base()
        | {
            "xl/workbook.xml": b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
            + b"".join(
                b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10)
                for i in range(8)
            )
            + b']><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheets><sheet name="&i;" sheetId="1"/></sheets></workbook>'
        }
    ),
    "sheet-elsewhere.xlsx": lambda: _zip(
        _with_sheet(b"")
        | {
            "xl/_rels/workbook.xml.rels": _base()["xl/_rels/workbook.xml.rels"].replace(
                b"worksheets/sheet1.xml", b"theme/data.bin"
            ),
            "xl/theme/data.bin": b"<worksheet><sheetData>" + FAR + b"</sheetData></worksheet>",
        }
    ),
}


def main() -> None:
    BOMBS.mkdir(parents=True, exist_ok=True)
    for name, build in BUILDERS.items():
        (BOMBS / name).write_bytes(build())


if __name__ == "__main__":
    main()
