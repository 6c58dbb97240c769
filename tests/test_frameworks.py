"""Shipped frameworks, the YAML format's errors, and the Excel table both ways."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from chiso.io.framework_yaml import dump_framework, framework_to_data
from chiso.services.scoring import frameworks

SHIPPED = ["commune-example", "dti-department-500", "dti-province-922", "platform-usage"]


def test_shipped_frameworks() -> None:
    assert frameworks.shipped_ids() == SHIPPED
    province = frameworks.shipped("dti-province-922")
    assert province.root.max_points == 1000
    assert [n.code for n in province.root.children] == ["I", "II"]
    assert [(n.code, n.max_points) for n in province.main_indices()] == [
        ("1", 100),
        ("2", 100),
        ("3", 100),
        ("4", 100),
        ("5", 100),
        ("6", 0),
        ("7", 200),
        ("8", 150),
        ("9", 150),
    ]
    department = frameworks.shipped("dti-department-500")
    assert [(n.name, n.max_points) for n in department.main_indices()] == [
        ("Nhận thức số", 50),
        ("Thể chế số", 50),
        ("Hạ tầng số", 50),
        ("Nhân lực số", 50),
        ("An toàn thông tin mạng", 100),
        ("Hoạt động chuyển đổi số", 200),
    ]
    usage = frameworks.shipped("platform-usage")
    assert [n.code for n in usage.leaves()] == [
        "signed_docs_rate",
        "online_docs_rate",
        "paperless_meetings",
        "official_email_rate",
        "online_applications_rate",
        "digitised_results_rate",
        "reports_on_system_rate",
        "dx_plan_issued",
    ]
    assert usage.node("signed_docs_rate").target == 95  # type: ignore[union-attr]
    commune = frameworks.shipped("commune-example")
    assert commune.example
    assert len(commune.main_indices()) == 8
    assert len(commune.leaves()) == 47


@pytest.mark.parametrize("framework_id", SHIPPED)
def test_show_and_validate(cli, database_url: str, framework_id: str, tmp_path: Path) -> None:
    code, out, _ = cli(database_url, "framework", "show", framework_id)
    assert code == 0
    assert f"({framework_id})" in out
    root = frameworks.shipped(framework_id)
    assert f"{root.root.max_points:,.0f}".replace(",", ".") + " điểm" in out
    path = tmp_path / f"{framework_id}.yaml"
    path.write_text(dump_framework(root), encoding="utf-8")
    code, out, _ = cli(database_url, "framework", "validate", str(path))
    assert code == 0
    assert "Hợp lệ" in out


EXAMPLES = sorted((Path(__file__).parent.parent / "docs" / "examples").glob("*.yaml"))
LEAF = "{code: A, name: Á, max: 10, input: %s%s}"


def _one_leaf(extra: str, kind: str = "rate", top: str = "") -> str:
    return f"id: x\nname: X\n{top}nodes:\n  - " + LEAF % (kind, extra) + "\n"


COMPOSITE_CASES = [
    (
        _one_leaf(", goalposts: [10, 90]"),
        "nút A, trường 'goalposts'",
        "chỉ dùng với rule: minmax",
    ),
    (
        _one_leaf(", rule: minmax, goalposts: [90, 10]"),
        "nút A, trường 'goalposts'",
        "cận dưới nhỏ hơn cận trên",
    ),
    (
        _one_leaf(", rule: minmax, goalposts: [10, 120]"),
        "nút A, trường 'goalposts'",
        "trong khoảng 0–100",
    ),
    (
        _one_leaf(", aggregate: geometric"),
        "nút A, trường 'aggregate'",
        "chỉ dùng cho nút có chỉ số con",
    ),
    (
        _one_leaf(", aggregate: median", "rate"),
        "nút A, trường 'aggregate'",
        "phải là một trong",
    ),
    (
        _one_leaf(", rollup: sum", "yes_no"),
        "nút A, trường 'rollup'",
        "không dùng được cho dữ liệu 'yes_no'",
    ),
    (
        _one_leaf("", "number, rule: minmax"),
        "nút A, trường 'rollup'",
        "phải khai báo cách cộng dồn",
    ),
    (
        _one_leaf(", rule: minmax", "category"),
        "nút A, trường 'rule'",
        "không dùng được cho dữ liệu 'category'",
    ),
    (
        _one_leaf("", top="min_coverage: 0.8\n"),
        "trường 'min_coverage'",
        "chỉ dùng với missing: skip hoặc exclude",
    ),
    (
        _one_leaf("", top="missing: skip\nmin_coverage: 1.5\n"),
        "trường 'min_coverage'",
        "nhỏ hơn hoặc bằng 1",
    ),
    (_one_leaf("", top="impute: mode\n"), "trường 'impute'", "phải là một trong"),
    (
        _one_leaf("", top="impute: mean\nimpute_by: [Xã]\n"),
        "trường 'impute_by'",
        "chỉ dùng với impute: group_mean",
    ),
    (
        _one_leaf("", top="impute: group_mean\nimpute_by: [kind, Xã]\n"),
        "trường 'impute_by'",
        "không dùng chung",
    ),
    (
        _one_leaf("", top="evaluates: {scheme: 2030}\n"),
        "trường 'evaluates.scheme'",
        "in_force, any, 2025, legacy",
    ),
    (
        _one_leaf("", top="evaluates: {kinds: [village]}\n"),
        "trường 'evaluates.kinds.0'",
        "phải là một trong",
    ),
    (
        "id: x\nname: X\nnodes:\n  - {code: A, name: Á, rollup: last, children: [{code: A1, name: A1, max: 1, input: rate}]}\n",
        "nút A, trường 'rollup'",
        "chỉ dùng cho chỉ số lá",
    ),
]


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        *COMPOSITE_CASES,
        (
            "id: x\nname: X\nnodes:\n  - {code: A, name: Á, children: [{code: A1, name: A1, input: rate}]}\n",
            "nút A › A1, trường 'max'",
            "chỉ số lá phải có điểm tối đa",
        ),
        (
            "id: x\nname: X\nnodes:\n  - {code: A, name: Á, max: 30, children: [{code: A1, name: A1, max: 20, input: rate}]}\n",
            "nút A, trường 'max'",
            "khác tổng điểm tối đa",
        ),
        (
            "id: x\nname: X\nnodes:\n  - {code: A, name: Á, max: 10, input: rate, rule: yes_no}\n",
            "nút A, trường 'rule'",
            "không dùng được cho dữ liệu 'rate'",
        ),
        (
            "id: x\nname: X\nnodes:\n  - {code: A, name: Á, max: -1, input: rate}\n",
            "nút A, trường 'max'",
            "lớn hơn hoặc bằng 0",
        ),
        (
            "id: x\nname: X\nnodes:\n  - {code: A, name: Á, max: 10, input: ratio}\n",
            "nút A, trường 'input'",
            "phải là một trong",
        ),
        (
            "id: x\nname: X\nnodes:\n  - {code: A, name: Á, max: 10, input: count, rule: steps}\n",
            "nút A, trường 'steps'",
            "cần danh sách bậc",
        ),
        (
            "id: x\nname: X\nnodes:\n  - {code: A, name: Á, max: 10, input: rate, rule: target_capped}\n",
            "nút A, trường 'target'",
            "cần 'target'",
        ),
        (
            "id: x\nname: X\nnodes:\n  - {code: A, name: Á, max: 10, input: rate, maxx: 3}\n",
            "nút A, trường 'maxx'",
            "gõ sai tên trường",
        ),
        (
            "id: x\nname: X\nnodes:\n  - {code: A, name: Á, max: 10}\n  - {code: A, name: B, max: 5}\n",
            "nút A",
            "bị trùng",
        ),
        ("id: X Y\nname: X\nnodes: []\n", "trường 'id'", "chữ thường không dấu"),
        ("id: x\nname: X\nnodes:\n  - {code: A, name: Á\n", "dòng", "không đúng cú pháp YAML"),
    ],
)
def test_invalid_framework_files_name_node_and_field(
    cli, database_url: str, tmp_path: Path, text: str, where: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    code, _, err = cli(database_url, "framework", "validate", str(path))
    assert code == 1
    assert where in err
    assert message in err


@pytest.mark.parametrize("framework_id", SHIPPED)
def test_excel_round_trip(cli, database_url: str, tmp_path: Path, framework_id: str) -> None:
    xlsx = tmp_path / "table.xlsx"
    code, _, err = cli(
        database_url, "framework", "export", framework_id, "--format", "xlsx", "--out", str(xlsx)
    )
    assert code == 0, err
    sheet = load_workbook(xlsx)["Bộ chỉ số"]
    header = [c.value for c in sheet[1]]
    assert header[:9] == [
        "STT",
        "Mã",
        "Mã cấp trên",
        "Chỉ số",
        "Điểm tối đa",
        "Cách xác định và tính điểm",
        "Tài liệu kiểm chứng",
        "Nguồn dữ liệu",
        "Đơn vị xác minh",
    ]
    out = tmp_path / "back.yaml"
    code, _, err = cli(database_url, "framework", "import", str(xlsx), "--out", str(out))
    assert code == 0, err
    original = framework_to_data(frameworks.shipped(framework_id))
    assert framework_to_data(frameworks.read_file(out)) == original


def test_hand_made_table_with_stt_only(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(
        [
            "STT",
            "Chỉ số/chỉ số thành phần",
            "Điểm tối đa",
            "Cách xác định và tính điểm",
            "Tài liệu kiểm chứng",
        ]
    )
    ws.append(["I", "Nền tảng chung", 30, "", ""])
    ws.append(["1", "Nhận thức số", 30, "", ""])
    ws.append(["1.1", "Kế hoạch chuyển đổi số", 10, "Có = 10 điểm", "Kế hoạch"])
    ws.append(["1.2", "Tỷ lệ văn bản ký số", 20, "a/b × 20", ""])
    ws.append(["II", "Hoạt động", 15, "", ""])
    ws.append(["2", "Chính quyền số", 15, "", ""])
    path = tmp_path / "Bộ chỉ số xã.xlsx"
    wb.save(path)
    framework, _ = frameworks.import_table(path, "xa-thu", None)
    assert [n.code for n in framework.root.children] == ["I", "II"]
    assert [c.code for c in framework.node("1").children] == ["1.1", "1.2"]  # type: ignore[union-attr]
    assert framework.root.max_points == 45
    assert framework.node("1.1").evidence == "Kế hoạch"  # type: ignore[union-attr]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_round_trip_through_yaml_and_excel(
    cli, database_url: str, tmp_path: Path, path: Path
) -> None:
    original = framework_to_data(frameworks.read_file(path))
    again = tmp_path / "again.yaml"
    again.write_text(dump_framework(frameworks.read_file(path)), encoding="utf-8")
    assert framework_to_data(frameworks.read_file(again)) == original
    xlsx = tmp_path / "table.xlsx"
    code, _, err = cli(
        database_url, "framework", "export", str(path), "--format", "xlsx", "--out", str(xlsx)
    )
    assert code == 0, err
    back = tmp_path / "back.yaml"
    code, _, err = cli(database_url, "framework", "import", str(xlsx), "--out", str(back))
    assert code == 0, err
    assert framework_to_data(frameworks.read_file(back)) == original


def test_every_composite_key_survives_the_round_trip() -> None:
    keys = set()
    for path in EXAMPLES:
        data = framework_to_data(frameworks.read_file(path))
        keys |= set(data)
        stack = list(data["nodes"])
        while stack:
            node = stack.pop()
            keys |= set(node)
            stack.extend(node.get("children", []))
    assert {
        "aggregate",
        "missing",
        "min_coverage",
        "impute",
        "goalposts",
        "rollup",
        "polarity",
    } <= keys


def test_data_template_accepts_signed_numbers_only_for_number_inputs(tmp_path: Path) -> None:
    from chiso.domain.periods import Period
    from chiso.domain.units import UnitInfo
    from chiso.io.template_xlsx import columns, write_template

    f = frameworks.read_file(EXAMPLES[0].parent / "minmax.yaml")
    path = tmp_path / "mau.xlsx"
    write_template(
        path, f, Period.parse("2025"), [UnitInfo(key="PA", name="Xã Phước An")], columns(f)
    )
    sheet = load_workbook(path).worksheets[0]
    codes = [c.value for c in sheet[2]]
    rules = {}
    for rule in sheet.data_validations.dataValidation:
        column = str(rule.sqref).split(":")[0].rstrip("0123456789")
        rules[codes[ord(column) - ord("A")]] = (
            rule.type,
            rule.operator or "between",
            rule.formula1,
        )
    assert rules["tang_truong"][:2] == ("decimal", "between")
    assert float(rules["tang_truong"][2]) == -1e15
    assert rules["su_co"] == ("whole", "greaterThanOrEqual", "0")  # a count: whole numbers only
    assert rules["hs_truc_tuyen:denominator"] == ("whole", "greaterThanOrEqual", "0")
    assert "INT(" in rules["hs_truc_tuyen:numerator"][2]


def test_show_states_the_composite_methods(cli, database_url: str) -> None:
    code, out, _ = cli(
        database_url, "framework", "show", str(EXAMPLES[0].parent / "aggregate.yaml")
    )
    assert code == 0
    assert "A Hạ tầng và dịch vụ — 50 điểm (trung bình điều hòa có trọng số)" in out
    assert "Tổng hợp: trung bình nhân có trọng số (một số nút khác, xem cây)" in out
    code, out, _ = cli(database_url, "framework", "show", str(EXAMPLES[0].parent / "skip.yaml"))
    assert "thiếu số liệu: bỏ qua, chia lại trọng số" in out
    assert "nút cần số liệu cho ít nhất 60% điểm tối đa" in out
