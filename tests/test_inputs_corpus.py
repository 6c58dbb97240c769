"""The corpus of bad files for every importer (tests/data/bad): values, units, tasks, frameworks
(YAML and the Excel table) and registries. Each is refused with a Vietnamese message naming the
file and the row, column, cell, or node and field, and changes nothing: every table's row count
and the audit log are the same after."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from chiso.services.runtime import open_runtime
from chiso.settings import Settings
from chiso.store.models import AuditEntry, Base

BAD = Path(__file__).parent / "data" / "bad"
VALUES = ("data", "import", "--framework", "platform-usage")
CASES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "values/so-mo-ho.csv": (VALUES, "dòng 2, cột value", "không rõ '28.121' là 28121 hay 28,121"),
    "values/vo-cuc.csv": (VALUES, "dòng 2, cột numerator", "'inf' không phải là số hữu hạn"),
    "values/excel-khoa-hoc.csv": (VALUES, "dòng 2, cột value", "vượt mức hợp lý"),
    "values/hai-muoi-bon-so-chin.csv": (VALUES, "dòng 2, cột value", "vượt mức hợp lý"),
    "values/tron-cach-viet.csv": (VALUES, "dòng 4, cột value", "không rõ '1.500'"),
    "units/toa-do-mo-ho.csv": (("units", "import"), "dòng 2, cột latitude", "--decimal"),
    "units/vi-do-qua-90.csv": (("units", "import"), "dòng 2, cột latitude", "ngoài khoảng ±90°"),
    "units/toa-do-nan.csv": (("units", "import"), "dòng 2, cột latitude", "không phải là số hữu"),
    "units/nhom-sai.csv": (("units", "import"), "dòng 2, cột groups", "không đúng dạng"),
    "tasks/tien-do-vo-cuc.csv": (("tasks", "import"), "dòng 2, cột progress", "không phải là số"),
    "tasks/tien-do-qua-100.csv": (("tasks", "import"), "dòng 2, cột progress", "từ 0 đến 100%"),
    "tasks/ngay-khong-co.csv": (("tasks", "import"), "dòng 2, cột issued_on", "không phải ngày"),
    "frameworks/diem-vo-cuc.yaml": (
        ("framework", "register"),
        "nút A, trường 'max'",
        "phải là số hữu hạn",
    ),
    "frameworks/chi-tieu-nan.yaml": (
        ("framework", "register"),
        "nút A, trường 'target'",
        "phải là số hữu hạn",
    ),
    "frameworks/max-value-nut-cha.yaml": (
        ("framework", "register"),
        "nút I, trường 'max_value'",
        "chỉ dùng cho chỉ số lá",
    ),
    "frameworks/bi-danh-no.yaml": (("framework", "register"), "dòng 3", "bí danh YAML (*n0)"),
    "registries/ban-chi-dao-don-vi-la.csv": (
        ("registry", "committee"),
        "dòng 2",
        "không tìm thấy đơn vị 'Sở Không Có'",
    ),
    "registries/to-cong-nghe-thieu-cot.csv": (
        ("registry", "teams"),
        "to-cong-nghe-thieu-cot.csv",
        "thiếu cột village",
    ),
}
TABLE_ROWS = [
    ["STT", "Mã", "Mã cấp trên", "Chỉ số", "Điểm tối đa", "Kiểu dữ liệu", "Quy tắc tính điểm"],
    ["I", "I", "", "Nhóm", "", "", ""],
    ["1", "a", "I", "Văn bản", "abc", "Số lượng", "Tương đối so với đơn vị tốt nhất"],
    ["2", "b", "I", "Tỷ lệ", 5, "Tỷ lệ phần trăm lạ", ""],
]


def everything(url: str, tmp_path: Path) -> tuple[object, ...]:
    """Rows in every table, and the last audit entry."""
    rt = open_runtime(Settings(database_url=url, data_dir=tmp_path / "data"))
    with rt.db.transaction() as s:
        counts = tuple(
            (t.name, s.scalar(select(func.count()).select_from(t)))
            for t in Base.metadata.sorted_tables
        )
        last = s.scalar(select(func.max(AuditEntry.id)))
    rt.close()
    return counts, last


def test_the_corpus_is_listed() -> None:
    on_disk = {
        str(p.relative_to(BAD))
        for p in BAD.rglob("*")
        if p.is_file() and p.parent.name not in ("bombs", "bad") and p.suffix != ".md"
    }
    assert on_disk == set(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_files_are_named_and_change_nothing(
    cli, province_db: str, tmp_path: Path, case: str
) -> None:
    command, where, message = CASES[case]
    path = BAD / case
    before = everything(province_db, tmp_path)
    code, _, err = cli(province_db, *command[:2], str(path), *command[2:])
    assert code == 1, err
    assert path.name in err
    assert where in err
    assert message in err
    assert "Traceback" not in err
    assert everything(province_db, tmp_path) == before


def test_bad_framework_table(cli, province_db: str, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Bộ chỉ số"
    for row in TABLE_ROWS:
        ws.append(row)
    path = tmp_path / "bang-sai.xlsx"
    wb.save(path)
    before = everything(province_db, tmp_path)
    code, _, err = cli(province_db, "framework", "register", str(path))
    assert code == 1
    assert "bang-sai.xlsx, trang Bộ chỉ số, ô E3: điểm tối đa 'abc' không phải số" in err
    assert "bang-sai.xlsx, trang Bộ chỉ số, ô F4: 'Tỷ lệ phần trăm lạ' không hợp lệ" in err
    assert everything(province_db, tmp_path) == before
