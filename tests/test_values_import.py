"""Values in: templates, long files, Vietnamese formats, unit matching, audit, idempotence, and a
corpus of bad files each rejected with the row or cell named and nothing stored."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from chiso.services.accounts import access_log
from chiso.services.runtime import open_runtime
from chiso.settings import Settings
from chiso.store.models import AuditEntry, IndicatorValue
from tests.test_units_import import windows_1258

LONG_HEADER = "unit_code,unit_name,period,indicator,value,numerator,denominator\n"


def state(url: str, tmp_path: Path) -> tuple[object, ...]:
    rt = open_runtime(Settings(database_url=url, data_dir=tmp_path / "data"))
    with rt.db.transaction() as s:
        values = s.execute(
            select(
                IndicatorValue.unit_id,
                IndicatorValue.period,
                IndicatorValue.indicator,
                IndicatorValue.number,
                IndicatorValue.numerator,
                IndicatorValue.denominator,
                IndicatorValue.text,
                IndicatorValue.updated_at,
            )
        ).all()
        audits = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action.not_in(access_log.READS))
        )
    rt.close()
    return tuple(sorted(map(tuple, values), key=str)), audits


def stored(url: str, tmp_path: Path) -> dict[tuple[str, str, str], tuple[object, ...]]:
    rt = open_runtime(Settings(database_url=url, data_dir=tmp_path / "data"))
    with rt.db.transaction() as s:
        rows = s.scalars(select(IndicatorValue)).all()
        out = {
            (v.unit.key, v.period, v.indicator): (v.number, v.numerator, v.denominator, v.text)
            for v in rows
        }
    rt.close()
    return out


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(windows_1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


def fill_template(
    cli, url: str, tmp_path: Path, cells: dict[str, object], period: str = "2023-07"
) -> Path:
    template = tmp_path / "mau.xlsx"
    code, _, err = cli(
        url,
        "data",
        "template",
        "--framework",
        "platform-usage",
        "--period",
        period,
        "--parent",
        "Huyện Hớn Quản",
        "--out",
        str(template),
    )
    assert code == 0, err
    wb = load_workbook(template)
    ws = wb["Số liệu"]
    for ref, value in cells.items():
        ws[ref] = value
    filled = tmp_path / "da-dien.xlsx"
    wb.save(filled)
    return filled


def row_of(template: Path, unit_key: str) -> int:
    ws = load_workbook(template)["Số liệu"]
    return next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value == unit_key)


def test_template_shape(cli, province_db: str, tmp_path: Path) -> None:
    template = tmp_path / "mau.xlsx"
    code, out, _ = cli(
        province_db,
        "data",
        "template",
        "--framework",
        "platform-usage",
        "--period",
        "2023-07",
        "--parent",
        "Huyện Hớn Quản",
        "--out",
        str(template),
    )
    assert code == 0
    assert "14 đơn vị" in out
    wb = load_workbook(template)
    assert wb.sheetnames == ["Số liệu", "Thông tin", "Hướng dẫn"]
    ws = wb["Số liệu"]
    assert ws.freeze_panes == "C3"
    assert ws.protection.sheet
    codes = [c.value for c in ws[2]]
    assert codes[:4] == [
        "unit_code",
        "unit_name",
        "signed_docs_rate:numerator",
        "signed_docs_rate:denominator",
    ]
    assert "dx_plan_issued" in codes
    assert ws["C1"].value == "Tỷ lệ văn bản điện tử được ký số — tử số"
    kinds = {str(v.sqref): v.type for v in ws.data_validations.dataValidation}
    assert kinds["C3:C16"] == "custom" and kinds["D3:D16"] == "whole"  # counts: whole numbers
    numerator = next(v for v in ws.data_validations.dataValidation if str(v.sqref) == "C3:C16")
    assert "INT(C3)=C3" in (numerator.formula1 or "")
    assert any(
        v.type == "list" and "có" in (v.formula1 or "") for v in ws.data_validations.dataValidation
    )
    assert {ws.cell(r, 2).value for r in range(3, 17)} >= {
        "Huyện Hớn Quản",
        "Xã Tân Hiệp",
        "Thị trấn Tân Khai",
    }
    assert wb["Thông tin"]["B2"].value == "platform-usage"


def test_template_import_reimport_dry_run_and_history(
    cli, province_db: str, tmp_path: Path
) -> None:
    template = tmp_path / "t.xlsx"
    cli(
        province_db,
        "data",
        "template",
        "--framework",
        "platform-usage",
        "--period",
        "2023-07",
        "--parent",
        "Huyện Hớn Quản",
        "--out",
        str(template),
    )
    r = row_of(template, "legacy:25361")
    filled = fill_template(
        cli, province_db, tmp_path, {f"C{r}": 0, f"D{r}": 120, f"G{r}": 2, f"P{r}": "không"}
    )
    before = state(province_db, tmp_path)
    code, out, _ = cli(province_db, "data", "import", str(filled), "--dry-run")
    assert code == 0
    assert "Chạy thử" in out and "thêm 3" in out
    assert state(province_db, tmp_path) == before
    code, out, err = cli(province_db, "data", "import", str(filled))
    assert code == 0, err
    values = stored(province_db, tmp_path)
    assert values[("legacy:25361", "2023-07", "signed_docs_rate")] == (None, 0.0, 120.0, None)
    assert values[("legacy:25361", "2023-07", "dx_plan_issued")][0] == 0.0
    after_first = state(province_db, tmp_path)
    code, out, _ = cli(province_db, "data", "import", str(filled))
    assert "thêm 0, sửa 0, giữ nguyên 3" in out
    assert state(province_db, tmp_path) == after_first
    changed = fill_template(
        cli, province_db, tmp_path, {f"C{r}": 30, f"D{r}": 120, f"G{r}": 2, f"P{r}": "không"}
    )
    code, out, _ = cli(province_db, "data", "import", str(changed))
    assert "sửa 1" in out and "0/120 → 30/120" in out
    code, out, _ = cli(
        province_db, "data", "history", "--unit", "legacy:25361", "--indicator", "signed_docs_rate"
    )
    assert code == 0
    assert "2 lần thay đổi" in out
    assert "0/120" in out and "30/120" in out and "da-dien.xlsx" in out


def test_long_csv_with_vietnamese_formats_and_names(cli, province_db: str, tmp_path: Path) -> None:
    text = (
        "unit_code;unit_name;period;indicator;value;numerator;denominator\n"
        "UBND xã Minh Đức;;2023-07;signed_docs_rate;22,19%;;\n"
        "legacy:25357;;tháng 7/2023;official_email_rate;40,43;;\n"
        "Thị trấn Tân Khai;;2023-07;paperless_meetings;1.234;;\n"
        "25348;;2023-07;dx_plan_issued;x;;\n"
        "xa an khuong;;2023-07;online_docs_rate;;1.000;1.250\n"
    )
    path = write(tmp_path / "so-lieu.csv", text, "cp1258")
    code, _, err = cli(province_db, "data", "import", str(path), "--framework", "platform-usage")
    assert code == 0, err
    values = stored(province_db, tmp_path)
    assert values[("legacy:25348", "2023-07", "signed_docs_rate")][0] == pytest.approx(22.19)
    assert values[("legacy:25357", "2023-07", "official_email_rate")][0] == pytest.approx(40.43)
    assert values[("legacy:25357", "2023-07", "paperless_meetings")][0] == 1234
    assert values[("legacy:25348", "2023-07", "dx_plan_issued")][0] == 1.0
    an_khuong = next(k for k in values if k[2] == "online_docs_rate")
    assert values[an_khuong][1:3] == (1000.0, 1250.0)


BAD_LONG = {
    "numerator_above_denominator": (
        "legacy:25361,,2023-07,signed_docs_rate,,130,120",
        "dòng 2, cột numerator",
        "tử số 130 lớn hơn mẫu số 120",
    ),
    "negative": (
        "legacy:25361,,2023-07,paperless_meetings,-2,,",
        "dòng 2, cột value",
        "giá trị âm",
    ),
    "rate_above_100": (
        'legacy:25361,,2023-07,signed_docs_rate,"101,5%",,',
        "dòng 2, cột value",
        "vượt 100%",
    ),
    "not_a_number": (
        "legacy:25361,,2023-07,paperless_meetings,ba,,",
        "dòng 2, cột value",
        "không phải là số",
    ),
    "unknown_unit": (
        "Xã Tân Hiêp Mới,,2023-07,paperless_meetings,2,,",
        "dòng 2, cột unit_code",
        "không tìm thấy đơn vị",
    ),
    "near_miss_unit": (
        "Thị trấn Tân Khaj,,2023-07,paperless_meetings,2,,",
        "dòng 2, cột unit_code",
        "có phải 'Thị trấn Tân Khai'",
    ),
    "ambiguous_unit": (
        "Xã Tân Hiệp,,2023-07,paperless_meetings,2,,",
        "dòng 2, cột unit_code",
        "ứng với nhiều đơn vị",
    ),
    "unknown_indicator": (
        "legacy:25361,,2023-07,ky_so,2,,",
        "dòng 2, cột indicator",
        "không có trong bộ chỉ số",
    ),
    "duplicate_row": (
        "legacy:25361,,2023-07,paperless_meetings,2,,\nlegacy:25361,,2023-07,paperless_meetings,3,,",
        "dòng 3",
        "trùng đơn vị, kỳ và chỉ số với dòng 2",
    ),
    "unknown_period": (
        "legacy:25361,,2023-13,paperless_meetings,2,,",
        "dòng 2, cột period",
        "không phải kỳ báo cáo",
    ),
    "mismatched_period": (
        "legacy:25361,,2023-08,paperless_meetings,2,,",
        "dòng 2, cột period",
        "khác kỳ đang nhập 2023-07",
    ),
    "empty_required": (
        "legacy:25361,,2023-07,paperless_meetings,,,",
        "dòng 2, cột value",
        "bị trống",
    ),
    "empty_denominator": (
        "legacy:25361,,2023-07,signed_docs_rate,,5,",
        "dòng 2, cột denominator",
        "bị trống",
    ),
    "formula_error_text": (
        "legacy:25361,,2023-07,paperless_meetings,#DIV/0!,,",
        "dòng 2, cột value",
        "lỗi công thức #DIV/0!",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_LONG))
def test_bad_long_files_store_nothing(cli, province_db: str, tmp_path: Path, case: str) -> None:
    lines, where, message = BAD_LONG[case]
    good = "legacy:25357,,2023-07,paperless_meetings,4,,\n"
    path = write(tmp_path / f"{case}.csv", LONG_HEADER + lines + "\n" + good)
    before = state(province_db, tmp_path)
    code, _, err = cli(
        province_db,
        "data",
        "import",
        str(path),
        "--framework",
        "platform-usage",
        "--period",
        "2023-07",
    )
    assert code == 1, err
    assert f"{case}.csv, {where}" in err
    assert message in err
    assert "không có dữ liệu nào được lưu" in err
    assert state(province_db, tmp_path) == before


def test_bad_template_cells_are_named(cli, province_db: str, tmp_path: Path) -> None:
    template = tmp_path / "t.xlsx"
    cli(
        province_db,
        "data",
        "template",
        "--framework",
        "platform-usage",
        "--period",
        "2023-07",
        "--parent",
        "Huyện Hớn Quản",
        "--out",
        str(template),
    )
    r = row_of(template, "legacy:25361")
    filled = fill_template(
        cli,
        province_db,
        tmp_path,
        {f"C{r}": 10, f"D{r}": 5, f"E{r}": 3, f"G{r}": "#DIV/0!", f"P{r}": "chắc"},
    )
    before = state(province_db, tmp_path)
    code, _, err = cli(province_db, "data", "import", str(filled))
    assert code == 1
    for text in (
        f"ô C{r}: tử số 10 lớn hơn mẫu số 5",
        f"ô F{r}: ô bắt buộc bị trống",
        f"ô G{r}: ô chứa lỗi công thức #DIV/0!",
        f"ô P{r}: 'chắc' không phải có/không",
    ):
        assert text in err
    assert state(province_db, tmp_path) == before


def _zip_bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    return path


def _truncated(path: Path, tmp_path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["unit_code", "period", "indicator", "value"])
    ws.append(["legacy:25361", "2023-07", "paperless_meetings", 2])
    full = tmp_path / "full.xlsx"
    wb.save(full)
    path.write_bytes(full.read_bytes()[:900])
    return path


@pytest.mark.parametrize(
    "case", ["empty", "truncated", "not_xlsx", "zip_bomb", "too_big", "too_many_rows", "binary_csv"]
)
def test_hostile_files(cli, province_db: str, tmp_path: Path, case: str) -> None:
    path = tmp_path / (
        "bad.csv" if case in {"empty", "too_big", "too_many_rows", "binary_csv"} else "bad.xlsx"
    )
    expected = {
        "empty": "tệp rỗng",
        "truncated": "không phải tệp Excel",
        "not_xlsx": "không phải tệp Excel",
        "zip_bomb": "nghi tệp độc hại",
        "too_big": "lớn hơn giới hạn 50 MB",
        "too_many_rows": "có hơn 1.000.000 dòng",
        "binary_csv": "không đọc được bảng mã",
    }[case]
    if case == "empty":
        path.write_bytes(b"")
    elif case == "truncated":
        _truncated(path, tmp_path)
    elif case == "not_xlsx":
        path.write_text("unit_code,period\nx,2023\n", encoding="utf-8")
    elif case == "zip_bomb":
        _zip_bomb(path)
    elif case == "too_big":
        with path.open("wb") as handle:
            handle.write(LONG_HEADER.encode())
            handle.write(b"x" * (51 * 1024 * 1024))
    elif case == "too_many_rows":
        path.write_text(
            LONG_HEADER + "legacy:25361,,2023-07,paperless_meetings,2,,\n" * 1_000_001,
            encoding="utf-8",
        )
    else:
        path.write_bytes(LONG_HEADER.encode() + bytes(range(256)) * 20)
    before = state(province_db, tmp_path)
    code, _, err = cli(province_db, "data", "import", str(path), "--framework", "platform-usage")
    assert code == 1, err
    assert expected in err
    assert "Traceback" not in err
    assert state(province_db, tmp_path) == before


def test_export_imports_back_unchanged(cli, province_db: str, tmp_path: Path) -> None:
    path = write(
        tmp_path / "v.csv",
        LONG_HEADER
        + "legacy:25361,,2023-07,signed_docs_rate,,5,50\nlegacy:25357,,2023-07,dx_plan_issued,có,,\nlegacy:25357,,2023-07,paperless_meetings,7,,\n",
    )
    assert cli(province_db, "data", "import", str(path), "--framework", "platform-usage")[0] == 0
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"export.{suffix}"
        code, _, _ = cli(
            province_db, "data", "export", "--framework", "platform-usage", "--out", str(out)
        )
        assert code == 0
        before = state(province_db, tmp_path)
        code, text, err = cli(
            province_db, "data", "import", str(out), "--framework", "platform-usage"
        )
        assert code == 0, err
        assert "thêm 0, sửa 0, giữ nguyên 3" in text
        assert state(province_db, tmp_path) == before


def test_quality_flags_and_completeness(cli, province_db: str, tmp_path: Path) -> None:
    lines = ["unit_code,period,indicator,numerator,denominator"]
    units = [
        "legacy:25348",
        "legacy:25357",
        "legacy:25360",
        "legacy:25361",
        "legacy:25345",
        "legacy:25351",
    ]
    for i, unit in enumerate(units):
        lines.append(
            f"{unit},2023-06,signed_docs_rate,{1 if i == 3 else 60},{127 if i == 3 else 100}"
        )
        lines.append(f"{unit},2023-07,signed_docs_rate,{127 if i == 3 else 60 + i},127")
    path = write(tmp_path / "q.csv", "\n".join(lines) + "\n")
    code, out, err = cli(province_db, "data", "import", str(path), "--framework", "platform-usage")
    assert code == 0, err
    assert "Xã Tân Hiệp — signed_docs_rate: thay đổi đột biến so với kỳ trước: 0,79% → 100%" in out
    code, out, _ = cli(
        province_db, "data", "flags", "--framework", "platform-usage", "--period", "2023-07"
    )
    assert "0,79% → 100%" in out
    assert "bất thường so với nhóm" in out
    code, out, _ = cli(
        province_db,
        "data",
        "completeness",
        "--framework",
        "platform-usage",
        "--period",
        "2023-07",
        "--group",
        "UBND cấp xã",
        "--format",
        "csv",
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    status = {r["Mã"]: r["Tình trạng"] for r in rows}
    assert status["legacy:25361"] == "đã báo cáo"
    assert status["legacy:25363"] == "chưa báo cáo"
    code, out, _ = cli(
        province_db,
        "data",
        "completeness",
        "--framework",
        "platform-usage",
        "--period",
        "2023-07",
        "--deadline",
        "2020-01-01",
    )
    assert "muộn: 6" in out
