"""Units files: good ones load and re-load harmlessly; bad ones name the row and store nothing."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from chiso.services.accounts import access_log
from chiso.services.runtime import open_runtime
from chiso.services.units.seed import seed
from chiso.settings import Settings
from chiso.store.models import AuditEntry, Unit, UnitGroup, unit_group_members

HEADER = ["code", "name", "kind", "parent_code", "groups"]
GOOD = [
    ["HQ.VHTT", "Phòng Văn hóa – Thông tin", "office", "legacy:694", "Phòng chuyên môn cấp huyện"],
    [
        "HQ.NV",
        "Phòng Nội vụ",
        "office",
        "legacy:694",
        '["Phòng chuyên môn cấp huyện", "Có cung cấp dịch vụ công"]',
    ],
    ["75.SYT", "Sở Y tế", "department", "2025:75", "Sở, ban, ngành; Có cung cấp dịch vụ công"],
    ["75.SYT.TTYT", "Trung tâm Y tế khu vực", "other", "75.SYT", ""],
]


def windows_1258(text: str) -> bytes:
    """What Vietnamese Windows writes: precomposed base letters with a separate tone mark."""
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", decomposed[:-1])
            out += (base + decomposed[-1]).encode("cp1258")
    return out


def write_csv(
    path: Path,
    rows: list[list[str]],
    header: list[str] = HEADER,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    path.write_bytes(windows_1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


@pytest.fixture
def province_url(database_url: str, tmp_path: Path) -> str:
    rt = open_runtime(Settings(database_url=database_url, data_dir=tmp_path))
    seed(rt, "all", "75")
    rt.close()
    return database_url


def snapshot(url: str, tmp_path: Path) -> tuple[object, ...]:
    rt = open_runtime(Settings(database_url=url, data_dir=tmp_path))
    with rt.db.transaction() as s:
        units = s.execute(
            select(Unit.key, Unit.name, Unit.kind, Unit.parent_id, Unit.updated_at)
        ).all()
        groups = s.execute(select(UnitGroup.code, UnitGroup.name)).all()
        members = s.execute(select(unit_group_members)).all()
        audit = s.execute(
            select(AuditEntry.id).where(AuditEntry.action.not_in(access_log.READS))
        ).all()
    rt.close()
    return (
        tuple(sorted(map(tuple, units))),
        sorted(map(tuple, groups)),
        sorted(map(tuple, members)),
        len(audit),
    )


def test_import_then_reimport(cli, province_url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "units.csv", GOOD)
    code, out, err = cli(province_url, "units", "import", str(path))
    assert code == 0, err
    assert "thêm 4" in out
    code, out, _ = cli(province_url, "units", "show", "HQ.NV")
    assert "Cấp trên: Huyện Hớn Quản (legacy:694)" in out
    assert "Có cung cấp dịch vụ công" in out
    assert "Phòng chuyên môn cấp huyện" in out
    code, out, _ = cli(province_url, "units", "show", "75.SYT.TTYT")
    assert "Cấp trên: Sở Y tế (75.SYT)" in out
    before = snapshot(province_url, tmp_path)
    code, out, _ = cli(province_url, "units", "import", str(path))
    assert code == 0
    assert "thêm 0, sửa 0, giữ nguyên 4" in out
    assert snapshot(province_url, tmp_path) == before


def test_change_is_audited_and_dry_run_stores_nothing(
    cli, province_url: str, tmp_path: Path
) -> None:
    cli(province_url, "units", "import", str(write_csv(tmp_path / "a.csv", GOOD)))
    changed = [r.copy() for r in GOOD]
    changed[2][1] = "Sở Y tế tỉnh Đồng Nai"
    path = write_csv(tmp_path / "b.csv", changed)
    before = snapshot(province_url, tmp_path)
    code, out, _ = cli(province_url, "units", "import", str(path), "--dry-run")
    assert code == 0
    assert "Chạy thử" in out
    assert "sửa 75.SYT: name" in out
    assert snapshot(province_url, tmp_path) == before
    code, _, _ = cli(province_url, "units", "import", str(path))
    assert code == 0
    rt = open_runtime(Settings(database_url=province_url, data_dir=tmp_path))
    with rt.db.transaction() as s:
        entry = s.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_key == "75.SYT", AuditEntry.action == "unit.update"
            )
        ).one()
        assert entry.before == {"name": "Sở Y tế"}
        assert entry.after == {"name": "Sở Y tế tỉnh Đồng Nai"}
        assert entry.source == "b.csv"
    rt.close()


def test_xlsx_and_semicolon_cp1258(cli, province_url: str, tmp_path: Path) -> None:
    code, out, err = cli(
        province_url, "units", "import", str(write_xlsx(tmp_path / "u.xlsx", GOOD[:2]))
    )
    assert code == 0, err
    path = write_csv(tmp_path / "win.csv", GOOD[2:3], delimiter=";", encoding="cp1258")
    code, out, err = cli(province_url, "units", "import", str(path))
    assert code == 0, err
    code, out, _ = cli(province_url, "units", "show", "75.SYT")
    assert "Sở Y tế" in out


BAD_CASES = {
    "unknown_parent": (
        [["X1", "Phòng A", "office", "khong-co", ""]],
        "dòng 3, cột parent_code",
        "không tồn tại",
    ),
    "duplicate_code": ([GOOD[0], GOOD[0]], "dòng 4, cột code", "trùng với dòng 3"),
    "bad_kind": (
        [["X1", "Phòng A", "phong", "legacy:694", ""]],
        "dòng 3, cột kind",
        "không hợp lệ",
    ),
    "empty_name": ([["X1", "", "office", "legacy:694", ""]], "dòng 3, cột name", "bị trống"),
    "cycle": (
        [["A", "A", "office", "B", ""], ["B", "B", "office", "A", ""]],
        "cột parent_code",
        "vòng lặp",
    ),
    "bad_group_list": (
        [["X1", "Phòng A", "office", "legacy:694", '["a", 1']],
        "dòng 3, cột groups",
        "không đúng dạng",
    ),
    "reserved_colon": ([["2025:99999", "Giả", "commune", "", ""]], "dòng 3, cột code", "dấu ':'"),
    "admin_kind_change": (
        [["2025:75", "Tỉnh Đồng Nai", "department", "", ""]],
        "cột kind",
        "không đổi được loại",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_units_files_change_nothing(cli, province_url: str, tmp_path: Path, case: str) -> None:
    rows, where, message = BAD_CASES[case]
    path = write_csv(tmp_path / f"{case}.csv", [GOOD[2], *rows])
    before = snapshot(province_url, tmp_path)
    code, _, err = cli(province_url, "units", "import", str(path))
    assert code == 1
    assert "không có dữ liệu nào được lưu" in err
    assert where in err
    assert message in err
    assert snapshot(province_url, tmp_path) == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "tệp rỗng"),
        ("header_only.csv", b"code,name,kind\n", "không có dòng dữ liệu"),
        ("fake.xlsx", b"this is not a workbook", "không phải tệp Excel"),
        ("missing_columns.csv", "mã,tên\nA,B\n".encode(), "thiếu cột bắt buộc: kind"),
        ("units.pdf", b"%PDF-1.4", "chỉ nhận tệp .xlsx hoặc .csv"),
    ],
)
def test_hostile_files(
    cli, province_url: str, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    before = snapshot(province_url, tmp_path)
    code, _, err = cli(province_url, "units", "import", str(path))
    assert code == 1
    assert message in err
    assert snapshot(province_url, tmp_path) == before


def test_truncated_xlsx(cli, province_url: str, tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "full.xlsx", GOOD)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    code, _, err = cli(province_url, "units", "import", str(cut))
    assert code == 1
    assert "cut.xlsx" in err


def test_export_round_trip(cli, province_url: str, tmp_path: Path) -> None:
    cli(province_url, "units", "import", str(write_csv(tmp_path / "a.csv", GOOD)))
    out = tmp_path / "export.xlsx"
    code, _, err = cli(province_url, "units", "export", "--out", str(out), "--kind", "department")
    assert code == 0, err
    before = snapshot(province_url, tmp_path)
    code, text, err = cli(province_url, "units", "import", str(out))
    assert code == 0, err
    assert "thêm 0, sửa 0" in text
    assert snapshot(province_url, tmp_path) == before
    code, text, _ = cli(province_url, "units", "list", "--kind", "department", "--format", "json")
    assert json.loads(text)[0]["groups"] == "Có cung cấp dịch vụ công; Sở, ban, ngành"


def test_default_departments(cli, province_url: str, tmp_path: Path) -> None:
    out = tmp_path / "so.csv"
    code, _, _ = cli(
        province_url, "units", "departments", "--province", "Đồng Nai", "--out", str(out)
    )
    assert code == 0
    assert "75.SKHCN,Sở Khoa học và Công nghệ,department,2025:75" in out.read_text("utf-8-sig")
    code, text, err = cli(province_url, "units", "departments", "--province", "75")
    assert code == 0, err
    assert "thêm 14" in text
    code, text, _ = cli(
        province_url, "units", "list", "--group", "Sở, ban, ngành", "--format", "csv"
    )
    assert len(text.strip().splitlines()) == 1 + 14
    code, text, _ = cli(
        province_url, "units", "list", "--group", "co-cung-cap-dich-vu-cong", "--format", "csv"
    )
    assert "75.TTRA" not in text
