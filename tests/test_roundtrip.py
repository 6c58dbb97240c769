"""Every file chiso writes it reads back unchanged: units, values, frameworks (YAML and XLSX) and
tasks, on hostile data — diacritics, ';' and ',' inside names, formula-like text, decimals both
ways, three-decimal coordinates, empty cells."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from chiso.io.framework_xlsx import import_xlsx
from chiso.io.framework_yaml import dump_framework, framework_from_data, framework_to_data
from chiso.services.runtime import open_runtime
from chiso.services.scoring import frameworks
from chiso.settings import Settings
from chiso.store.models import Directive, Task
from tests.test_inputs_numbers import SIGNED
from tests.test_units_import import snapshot, write_csv
from tests.test_values_import import LONG_HEADER, state, stored, write

HOSTILE_NAMES = [
    '=HYPERLINK("http://x","y")',
    "+1",
    "-2+3",
    "@SUM(A1)",
    "Phòng Văn hóa; Thông tin, Du lịch",
    "Sơn Hà",
    "Sơn Hạ",
]
UNIT_HEADER = [
    "code",
    "name",
    "kind",
    "parent_code",
    "groups",
    "short_name",
    "latitude",
    "longitude",
]
HOSTILE_UNITS = [
    ["T.1", HOSTILE_NAMES[0], "department", "2025:75", "Sở, ban, ngành", "", "10.95", "108.812"],
    ["T.2", HOSTILE_NAMES[1], "department", "2025:75", '["Nhóm; chấm phẩy", "=Nhóm"]', "", "", ""],
    ["T.3", HOSTILE_NAMES[2], "office", "T.1", "", "@ngắn", "11.123", "106.8"],
    ["T.4", HOSTILE_NAMES[3], "other", "T.1", "Sở, ban, ngành", "+ngắn", "", ""],
    ["T.5", HOSTILE_NAMES[4], "office", "T.1", "", "", "-8.5", "-108.812"],
    ["T.6", HOSTILE_NAMES[5], "office", "T.1", "", "", "", ""],
    ["T.7", HOSTILE_NAMES[6], "office", "T.1", "", "", "", ""],
]


def _exported(cli, url: str, tmp_path: Path, suffix: str, *args: str) -> Path:
    out = tmp_path / f"export.{suffix}"
    code, _, err = cli(url, *args, "--out", str(out))
    assert code == 0, err
    return out


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_units(cli, province_db: str, tmp_path: Path, suffix: str) -> None:
    path = write_csv(tmp_path / "don-vi.csv", HOSTILE_UNITS, header=UNIT_HEADER)
    code, out, err = cli(province_db, "units", "import", str(path))
    assert code == 0, err
    assert "thêm 7" in out
    code, out, _ = cli(province_db, "units", "show", "T.5")
    assert HOSTILE_NAMES[4] in out and "-8.5" in out.replace(",", ".")
    before = snapshot(province_db, tmp_path)
    exported = _exported(
        cli, province_db, tmp_path, suffix, "units", "export", "--parent", "2025:75"
    )
    code, out, err = cli(province_db, "units", "import", str(exported))
    assert code == 0, err
    assert "thêm 0, sửa 0" in out
    assert snapshot(province_db, tmp_path) == before


def test_all_units_of_a_province(cli, province_db: str, tmp_path: Path) -> None:
    """`units export` wrote coordinates (108.812) that `units import` refused: 795 errors for
    113 units."""
    exported = _exported(cli, province_db, tmp_path, "csv", "units", "export")
    lines = exported.read_text("utf-8-sig").splitlines()
    assert len(lines) > 100
    before = snapshot(province_db, tmp_path)
    code, out, err = cli(province_db, "units", "import", str(exported))
    assert code == 0, err
    assert "thêm 0, sửa 0" in out
    assert snapshot(province_db, tmp_path) == before


@pytest.fixture
def values_db(cli, province_db: str, tmp_path: Path) -> str:
    framework = tmp_path / "so-co-dau.yaml"
    framework.write_text(SIGNED, encoding="utf-8")
    assert cli(province_db, "framework", "register", str(framework))[0] == 0
    usage = write(
        tmp_path / "=HYPERLINK(x).csv",
        LONG_HEADER
        + "legacy:25361,,2023-07,paperless_meetings,28121,,\n"
        + "legacy:25357,,2023-07,paperless_meetings,123456789,,\n"
        + "legacy:25348,,2023-07,paperless_meetings,0,,\n"
        + "legacy:25361,,2023-07,signed_docs_rate,,1,3\n"
        + "legacy:25357,,2023-07,signed_docs_rate,99.999,,\n"
        + "legacy:25361,,2023-07,dx_plan_issued,không,,\n"
        + "legacy:25357,,2023-07,dx_plan_issued,có,,\n",
    )
    code, _, err = cli(
        province_db, "data", "import", str(usage), "--framework", "platform-usage", "--decimal", "."
    )
    assert code == 0, err
    signed = write(
        tmp_path / "dau.csv",
        LONG_HEADER
        + 'legacy:25361,,2023,growth,"-1.234,5",,\n'
        + 'legacy:25357,,2023,growth,"-0,125",,\n'
        + 'legacy:25361,,2023-07,growth,"28,121",,\n'
        + 'legacy:25357,,2023-07,growth,"123456789,5",,\n'
        + 'legacy:25348,,2023-07,growth,"0,001",,\n'
        + "legacy:25357,,2023,capped,100,,\n",
    )
    code, _, err = cli(province_db, "data", "import", str(signed), "--framework", "so-co-dau")
    assert code == 0, err
    return province_db


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
@pytest.mark.parametrize("framework", ["platform-usage", "so-co-dau"])
def test_values(cli, values_db: str, tmp_path: Path, suffix: str, framework: str) -> None:
    before = state(values_db, tmp_path)
    values = stored(values_db, tmp_path)
    assert values[("legacy:25361", "2023-07", "paperless_meetings")][0] == 28121
    assert values[("legacy:25361", "2023-07", "growth")][0] == 28.121
    assert values[("legacy:25361", "2023", "growth")][0] == -1234.5
    args = ("data", "export", "--framework", framework)
    exported = _exported(cli, values_db, tmp_path, suffix, *args)
    code, out, err = cli(values_db, "data", "import", str(exported), "--framework", framework)
    assert code == 0, err
    assert "thêm 0, sửa 0" in out
    assert state(values_db, tmp_path) == before
    assert stored(values_db, tmp_path) == values


HOSTILE_FRAMEWORK = """id: thu-kho
name: '=HYPERLINK("http://x","Bộ chỉ số")'
issued_by: "Quyết định 1/QĐ-UBND; ngày 01/01/2026, tỉnh Đồng Nai"
levels: [group, item]
nodes:
  - code: I
    name: "+Nhóm; một, hai"
    children:
      - {code: a, name: "-2+3 văn bản", max: 2.5, input: count, rule: steps, max_value: 100000,
         steps: [{at_least: 1000, points: 2.5}, {at_least: 12.5, points: 1.25}, {at_least: 0,
         points: 0}], method: "=SUM(A1); nếu ≥ 1.000 văn bản: 2,5 điểm", unit: "văn bản"}
      - {code: b, name: "@Tỷ lệ", max: 7.5, input: rate, rule: target_capped, target: 28.125,
         thresholds: [0.125, 0.875], evidence: "Báo cáo, phụ lục; mẫu 01"}
  - code: II
    name: Sơn Hạ
    children:
      - {code: c, name: Lựa chọn, max: 10, input: category, rule: categorical,
         categories: [{code: "=x", label: "Chủ tịch, Phó", share: 1}, {code: y, label: Khác,
         share: 0.125}]}
      - {code: d, name: Tăng trưởng, max: 0, input: number, rule: minmax, max_value: 12.125,
         rollup: mean, goalposts: [-1500, 2500.5]}
"""


def _hostile_framework() -> object:
    import yaml

    return framework_from_data(yaml.safe_load(HOSTILE_FRAMEWORK), "thu-kho.yaml")


@pytest.mark.parametrize("framework_id", [None, *frameworks.shipped_ids()])
def test_frameworks_yaml(framework_id: str | None) -> None:
    import yaml

    original = frameworks.shipped(framework_id) if framework_id else _hostile_framework()
    text = dump_framework(original)  # type: ignore[arg-type]
    back = framework_from_data(yaml.safe_load(text), "lai.yaml")
    assert back == original
    assert framework_to_data(back) == framework_to_data(original)  # type: ignore[arg-type]


def test_hostile_framework_xlsx(tmp_path: Path) -> None:
    """The engine's XLSX table round trip (shipped frameworks: tests/test_frameworks.py), on
    formula-like names, decimals and a step threshold of 1000."""
    from openpyxl import load_workbook

    from chiso.io.framework_xlsx import export_xlsx

    original = _hostile_framework()
    path = tmp_path / "thu-kho.xlsx"
    export_xlsx(original, path)  # type: ignore[arg-type]
    cells = [c for ws in load_workbook(path) for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert framework_to_data(import_xlsx(path)) == framework_to_data(original)  # type: ignore[arg-type]


TASK_FIELDS = (
    "code",
    "title",
    "deadline_text",
    "due_on",
    "recurrence",
    "due_day",
    "status",
    "progress",
    "completed_on",
    "updated_at",
)


def _tasks_state(url: str, tmp_path: Path) -> tuple[object, ...]:
    rt = open_runtime(Settings(database_url=url, data_dir=tmp_path / "data"))
    with rt.db.transaction() as s:
        rows = tuple(
            (
                t.directive.number,
                t.lead_unit.key,
                *(getattr(t, f) for f in TASK_FIELDS),
                tuple(sorted(p.key for p in t.partners)),
            )
            for t in s.scalars(select(Task).order_by(Task.id))
        )
        directives = select(Directive.number, Directive.issued_on, Directive.subject)
        found = tuple(s.execute(directives.add_columns(Directive.issuer)).all())
    rt.close()
    return rows, found


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_tasks(cli, province_db: str, tmp_path: Path, suffix: str) -> None:
    from importlib.resources import files

    demo = (files("chiso.data") / "demo" / "nhiem-vu.csv").read_text(encoding="utf-8")
    hostile = (
        '=1/TB-UBND,05/01/2026,"=HYPERLINK(""http://x"",""y""); trích yếu, có dấu",'
        '"@UBND; tỉnh",1,"-2+3 việc; có dấu, phẩy",Sở Y tế,'
        '"Sở Nội vụ; Sở Tài chính","Hằng tháng, trước ngày 25",Đang thực hiện,"0,5",\n'
    )
    path = tmp_path / "nhiem-vu.csv"
    path.write_text(demo + hostile, encoding="utf-8")
    code, out, err = cli(province_db, "tasks", "import", str(path))
    assert code == 0, err
    before = _tasks_state(province_db, tmp_path)
    assert any(r[3] == "-2+3 việc; có dấu, phẩy" and r[9] == 50 for r in before[0])
    exported = _exported(cli, province_db, tmp_path, suffix, "tasks", "export")
    code, out, err = cli(province_db, "tasks", "import", str(exported))
    assert code == 0, err
    assert "thêm 0, sửa 0, giữ nguyên 7" in out
    assert _tasks_state(province_db, tmp_path) == before
