"""`chiso evaluate` on plain files: published DTI results reproduced, outputs, errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

FRAMEWORKS = Path(__file__).parent.parent / "src" / "chiso" / "data" / "frameworks"

DATA = Path(__file__).parent / "data"
DTI_2022 = DATA / "dti-2022-top5.csv"

# Published by the ministry for DTI 2022 (dti.gov.vn, "Xếp hạng chi tiết"): total index and rank.
PUBLISHED_2022 = {
    "48": (0.8002, 1),
    "79": (0.7163, 2),
    "22": (0.7024, 3),
    "46": (0.6975, 4),
    "92": (0.6924, 5),
}


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_published_dti_2022_totals_and_ranks(cli, database_url: str) -> None:
    """The inputs are the published main indices, themselves rounded to 4 decimals, so a total can
    differ from the published one by at most 1 in the 4th decimal (HCM: 0,716355 from the rounded
    indices, 0,7163 published); every rank must match."""
    code, out, err = cli(
        database_url,
        "evaluate",
        "--framework",
        "dti-province-922",
        "--values",
        str(DTI_2022),
        "--format",
        "csv",
    )
    assert code == 0, err
    totals = {r["unit_code"]: r for r in rows(out) if r["node_code"] == "total"}
    assert set(totals) == set(PUBLISHED_2022)
    for unit, (index, rank) in PUBLISHED_2022.items():
        assert abs(float(totals[unit]["index"]) - index) <= 0.0001 + 1e-9
        assert int(totals[unit]["rank"]) == rank
        assert float(totals[unit]["max_points"]) == 1000
    exact = {u for u, (index, _) in PUBLISHED_2022.items() if float(totals[u]["index"]) == index}
    assert exact == {"48", "22", "46", "92"}


def test_csv_columns_and_node_rows(cli, database_url: str) -> None:
    _, out, _ = cli(
        database_url,
        "evaluate",
        "--framework",
        "dti-province-922",
        "--values",
        str(DTI_2022),
        "--format",
        "csv",
    )
    table = rows(out)
    assert list(table[0])[:10] == [
        "period",
        "unit_code",
        "unit_name",
        "ranking_group",
        "node_code",
        "node_name",
        "points",
        "max_points",
        "index",
        "rank",
    ]
    da_nang = {r["node_code"]: r for r in table if r["unit_code"] == "48"}
    assert set(da_nang) == {"total", "I", "II", *map(str, range(1, 10))}
    assert float(da_nang["7"]["points"]) == pytest.approx(171.5)
    assert da_nang["7"]["rank"] == "1"
    assert da_nang["6"]["index"] == ""


def test_table_json_and_xlsx(cli, database_url: str, tmp_path: Path) -> None:
    code, out, _ = cli(
        database_url, "evaluate", "--framework", "dti-province-922", "--values", str(DTI_2022)
    )
    assert code == 0
    assert "TP. Đà Nẵng" in out
    assert "800,18/1.000" in out
    assert "0,8002" in out
    code, out, _ = cli(
        database_url,
        "evaluate",
        "--framework",
        "dti-province-922",
        "--values",
        str(DTI_2022),
        "--format",
        "json",
    )
    records = json.loads(out)
    assert {r["unit_name"] for r in records} >= {"Quảng Ninh", "TP. Cần Thơ"}
    target = tmp_path / "ket-qua.xlsx"
    code, _, _ = cli(
        database_url,
        "evaluate",
        "--framework",
        "dti-province-922",
        "--values",
        str(DTI_2022),
        "--format",
        "xlsx",
        "--out",
        str(target),
    )
    assert code == 0
    sheet = load_workbook(target)["Kết quả"]
    assert sheet["A1"].value == "period"
    assert sheet.max_row == 1 + 5 * 12


def test_uncertainty_columns(cli, database_url: str) -> None:
    _, out, _ = cli(
        database_url,
        "evaluate",
        "--framework",
        "dti-province-922",
        "--values",
        str(DTI_2022),
        "--format",
        "csv",
        "--uncertainty",
        "500",
        "--top-k",
        "1",
    )
    totals = {r["unit_code"]: r for r in rows(out) if r["node_code"] == "total"}
    assert float(totals["48"]["p_top_k"]) == 1.0
    assert float(totals["48"]["rank_p95"]) == 1.0
    assert float(totals["46"]["rank_p05"]) <= 4 <= float(totals["46"]["rank_p95"])
    assert 0 <= float(totals["22"]["p_top_k"]) < 0.2


def test_merge_to_2025_is_the_mean_of_predecessors(cli, database_url: str, tmp_path: Path) -> None:
    values = tmp_path / "v.csv"
    lines = ["unit_code,period,indicator,value"]
    for code, base in (("48", 0.8), ("49", 0.4), ("22", 0.6)):
        lines += [f"{code},2024,{i},{base}" for i in (1, 2, 3, 4, 5, 7, 8, 9)]
    values.write_text("\n".join(lines), encoding="utf-8")
    code, out, err = cli(
        database_url,
        "evaluate",
        "--framework",
        "dti-province-922",
        "--values",
        str(values),
        "--merge-to-2025",
        "--format",
        "csv",
    )
    assert code == 0, err
    totals = {r["unit_name"]: r for r in rows(out) if r["node_code"] == "total"}
    assert set(totals) == {"Thành phố Đà Nẵng", "Tỉnh Quảng Ninh"}
    assert float(totals["Thành phố Đà Nẵng"]["index"]) == pytest.approx(0.6)
    assert totals["Tỉnh Quảng Ninh"]["rank"] == "1"


def test_change_against_previous_period_and_groups(cli, database_url: str, tmp_path: Path) -> None:
    units = tmp_path / "units.csv"
    units.write_text(
        "code,name,kind,parent_code,groups\n"
        'SGTVT,Sở Giao thông vận tải,department,,"Sở, ban, ngành"\n'
        'SKHCN,Sở Khoa học và Công nghệ,department,,"Sở, ban, ngành"\n'
        "BGM,UBND huyện Bù Gia Mập,district,,\n"
        "DX,UBND thành phố Đồng Xoài,district,,\n",
        encoding="utf-8",
    )
    values = tmp_path / "values.csv"
    values.write_text(
        "unit_code,period,indicator,value\n"
        'SGTVT,2023-06,signed_docs_rate,0%\nSKHCN,2023-06,signed_docs_rate,"91,70%"\n'
        "BGM,2023-06,signed_docs_rate,5\nDX,2023-06,signed_docs_rate,82\n"
        'SGTVT,2023-07,signed_docs_rate,"13,50"\nSKHCN,2023-07,signed_docs_rate,"93,78"\n'
        'BGM,2023-07,signed_docs_rate,"43,33"\nDX,2023-07,signed_docs_rate,86\n',
        encoding="utf-8",
    )
    shipped = ["--values", str(values), "--units", str(units), "--period", "2023-07"]
    code, out, err = cli(database_url, "evaluate", "--framework", "platform-usage", *shipped)
    assert code == 0, err
    # one indicator of 20 points is under platform-usage's min_coverage 0.5: listed, no rank
    code, out, err = cli(
        database_url, "evaluate", "--framework", "platform-usage", *shipped, "--format", "csv"
    )
    totals = {r["unit_code"]: r for r in rows(out) if r["node_code"] == "total"}
    assert {r["rank"] for r in totals.values()} == {""}
    assert all(r["missing_leaves"] for r in totals.values())
    # the same framework without the coverage threshold ranks them on that indicator
    text = (FRAMEWORKS / "platform-usage.yaml").read_text(encoding="utf-8")
    assert "min_coverage: 0.5\n" in text
    loose = tmp_path / "platform-usage-loose.yaml"
    loose.write_text(text.replace("min_coverage: 0.5\n", ""), encoding="utf-8")
    base = ["evaluate", "--framework", str(loose), *shipped]
    code, out, err = cli(database_url, *base, "--format", "csv")
    assert code == 0, err
    totals = {r["unit_code"]: r for r in rows(out) if r["node_code"] == "total"}
    assert totals["SGTVT"]["ranking_group"] == "Sở, ban, ngành"
    assert totals["BGM"]["ranking_group"] == "UBND cấp huyện"
    assert (totals["SGTVT"]["rank"], totals["SKHCN"]["rank"]) == ("2", "1")
    assert (
        totals["BGM"]["previous_rank"],
        totals["BGM"]["rank"],
        totals["BGM"]["rank_change"],
    ) == ("2", "2", "0")
    signed = {r["unit_code"]: r for r in rows(out) if r["node_code"] == "signed_docs_rate"}
    assert float(signed["BGM"]["points"]) == pytest.approx(20 * 0.4333 / 0.95)
    code, out, _ = cli(database_url, *base, "--group", "UBND cấp huyện", "--format", "csv")
    assert {r["unit_code"] for r in rows(out)} == {"BGM", "DX"}
    code, out, _ = cli(database_url, *base)
    assert "So sánh với tháng 6/2023" in out


@pytest.mark.parametrize(
    ("line", "where", "message"),
    [
        ("A,2023,signed_docs_rate,120", "dòng 2, cột value", "vượt 100%"),
        ("A,2023,signed_docs_rate,-3", "dòng 2, cột value", "giá trị âm"),
        ("A,2023,signed_docs_rate,abc", "dòng 2, cột value", "không phải là số"),
        ("A,2023,nonexistent,5", "dòng 2, cột indicator", "không có trong bộ chỉ số"),
        ("A,2023-Q5,signed_docs_rate,5", "dòng 2, cột period", "không phải kỳ báo cáo"),
        ("A,2023,dx_plan_issued,chắc chắn", "dòng 2, cột value", "không phải có/không"),
        ("A,2023,signed_docs_rate,#DIV/0!", "dòng 2, cột value", "lỗi công thức"),
        (",2023,signed_docs_rate,5", "dòng 2, cột unit_code", "thiếu mã đơn vị"),
    ],
)
def test_bad_values_are_reported_by_row(
    cli, database_url: str, tmp_path: Path, line: str, where: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "unit_code,period,indicator,value\n" + line + "\nB,2023,signed_docs_rate,50\n",
        encoding="utf-8",
    )
    code, _, err = cli(
        database_url, "evaluate", "--framework", "platform-usage", "--values", str(path)
    )
    assert code == 1
    assert f"bad.csv, {where}" in err
    assert message in err


def test_numerator_above_denominator(cli, database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "frac.csv"
    path.write_text(
        "unit_code,period,indicator,numerator,denominator\nA,2023,signed_docs_rate,12,10\nA,2023,signed_docs_rate,1,10\n",
        encoding="utf-8",
    )
    code, _, err = cli(
        database_url, "evaluate", "--framework", "platform-usage", "--values", str(path)
    )
    assert code == 1
    assert "dòng 2, cột numerator: tử số 12 lớn hơn mẫu số 10" in err
    assert "dòng 3: trùng đơn vị, kỳ và chỉ số với dòng 2" in err


def test_several_periods_need_a_choice(cli, database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    path.write_text(
        "unit_code,period,indicator,value\nA,2023,dx_plan_issued,có\nA,2024,dx_plan_issued,không\n",
        encoding="utf-8",
    )
    code, _, err = cli(
        database_url, "evaluate", "--framework", "platform-usage", "--values", str(path)
    )
    assert code == 2
    assert "--period" in err
    code, out, _ = cli(
        database_url,
        "evaluate",
        "--framework",
        "platform-usage",
        "--values",
        str(path),
        "--period",
        "2024",
        "--format",
        "csv",
    )
    assert code == 0
    assert [r["points"] for r in rows(out) if r["node_code"] == "dx_plan_issued"] == ["0.0"]


EXAMPLES = Path(__file__).parent.parent / "docs" / "examples"


def example_totals(
    cli, database_url: str, name: str, *extra: str, values: str | None = None
) -> dict[str, dict[str, str]]:
    code, out, err = cli(
        database_url,
        "evaluate",
        "--framework",
        str(EXAMPLES / f"{name}.yaml"),
        "--values",
        str(EXAMPLES / (values or f"{name}.csv")),
        "--format",
        "csv",
        *extra,
    )
    assert code == 0, err
    return {r["unit_code"]: r for r in rows(out) if r["node_code"] == "total"}


@pytest.mark.parametrize(
    ("name", "extra", "expected"),
    [
        ("minmax", (), {"PA": ("0.3", "2"), "SH": ("0.28", "3"), "SHA": ("0.85", "1")}),
        ("aggregate", (), {"TA": ("0.6222", "1"), "THA": ("0.0", "2")}),
        ("skip", (), {"LTH": ("0.55", "1"), "LT": ("0.51", "2"), "BT": ("", "")}),
        (
            "impute",
            ("--units", str(EXAMPLES / "impute-units.csv"), "--period", "2025"),
            {
                "P1": ("0.9", "1"),
                "P2": ("0.4875", "2"),
                "X2": ("0.45", "1"),
                "X1": ("0.275", "2"),
                "X3": ("0.25", "3"),
            },
        ),
    ],
)
def test_worked_examples_print_the_documented_values(
    cli, database_url: str, name: str, extra: tuple[str, ...], expected: dict[str, tuple[str, str]]
) -> None:
    totals = example_totals(cli, database_url, name, *extra)
    assert {u: (r["index"], r["rank"]) for u, r in totals.items()} == expected


def test_worked_examples_mark_what_was_left_out_or_filled_in(cli, database_url: str) -> None:
    _, out, _ = cli(
        database_url,
        "evaluate",
        "--framework",
        str(EXAMPLES / "skip.yaml"),
        "--values",
        str(EXAMPLES / "skip.csv"),
        "--format",
        "csv",
    )
    by = {(r["unit_code"], r["node_code"]): r for r in rows(out)}
    assert (
        by[("BT", "I")]["notes"]
        == "có số liệu cho 40% điểm tối đa, dưới mức tối thiểu 60%: không tính"
    )
    assert by[("BT", "total")]["missing_leaves"] == "i1"
    assert by[("LTH", "I")]["index"] == "0.6" and by[("LTH", "I")]["max_points"] == "50.0"
    _, out, _ = cli(
        database_url,
        "evaluate",
        "--framework",
        str(EXAMPLES / "aggregate.yaml"),
        "--values",
        str(EXAMPLES / "aggregate.csv"),
    )
    assert "trung bình điều hòa có trọng số bằng 0 vì «Tỷ lệ văn bản ký số» bằng 0" in out
    imputed = example_totals(
        cli,
        database_url,
        "impute",
        "--units",
        str(EXAMPLES / "impute-units.csv"),
        "--period",
        "2025",
    )
    assert imputed["X3"]["missing_leaves"] == "email"
    _, out, _ = cli(
        database_url,
        "evaluate",
        "--framework",
        str(EXAMPLES / "impute.yaml"),
        "--values",
        str(EXAMPLES / "impute.csv"),
        "--units",
        str(EXAMPLES / "impute-units.csv"),
        "--period",
        "2025",
        "--format",
        "csv",
    )
    cells = {(r["unit_code"], r["node_code"]): r for r in rows(out)}
    assert cells[("X3", "email")]["imputed"] == "True" and cells[("X3", "email")]["index"] == "0.5"
    assert cells[("P1", "email")]["imputed"] == "False"


def test_monthly_values_roll_up_to_the_quarter_and_say_so(cli, database_url: str) -> None:
    base = ("--values", str(EXAMPLES / "rollup-months.csv"), "--period", "2023-Q3")
    totals = example_totals(cli, database_url, "rollup", *base[2:], values="rollup-months.csv")
    assert {u: (r["points"], r["rank"]) for u, r in totals.items()} == {
        "A": ("85.5263", "1"),
        "B": ("62.8947", "2"),
    }
    _, out, _ = cli(
        database_url,
        "evaluate",
        "--framework",
        str(EXAMPLES / "rollup.yaml"),
        *base,
        "--format",
        "csv",
    )
    cells = {(r["unit_code"], r["node_code"]): r for r in rows(out)}
    assert cells[("A", "ky_so")]["source"] == "cộng dồn 3/3 tháng (2023-07, 2023-08, 2023-09)"
    assert cells[("B", "ky_so")]["source"] == "giá trị nhập cho Quý III/2023"
    assert cells[("B", "hop")]["source"] == "cộng dồn 2/3 tháng (2023-07, 2023-09)"
    assert cells[("A", "ke_hoach")]["source"] == "giá trị mới nhất 2/3 tháng (2023-07, 2023-09)"
    _, out, _ = cli(database_url, "evaluate", "--framework", str(EXAMPLES / "rollup.yaml"), *base)
    assert "Quý III/2023: 7 giá trị cộng dồn từ các kỳ ngắn hơn" in out
    assert "1 giá trị nhập cho cả kỳ (được ưu tiên)" in out


def test_rates_without_numerator_cannot_be_added_up(cli, database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "months.csv"
    path.write_text(
        "unit_code,period,indicator,value\nA,2023-07,signed_docs_rate,50\nA,2023-08,signed_docs_rate,60\n",
        encoding="utf-8",
    )
    code, _, err = cli(
        database_url,
        "evaluate",
        "--framework",
        "platform-usage",
        "--values",
        str(path),
        "--period",
        "2023-Q3",
    )
    assert code == 1
    assert "đơn vị A, chỉ số signed_docs_rate" in err
    assert "không có tử số và mẫu số nên không cộng dồn được" in err
    code, _, err = cli(
        database_url,
        "evaluate",
        "--framework",
        "platform-usage",
        "--values",
        str(path),
        "--period",
        "2023-Q4",
    )
    assert code == 2
    assert "không có số liệu nào trong kỳ 2023-Q4" in err


def test_signed_numbers_are_read_only_for_number_inputs(
    cli, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "signed.csv"
    path.write_text(
        'unit_code,period,indicator,value\nA,2025,tang_truong,"-7,5"\nA,2025,su_co,-1\n',
        encoding="utf-8",
    )
    code, _, err = cli(
        database_url,
        "evaluate",
        "--framework",
        str(EXAMPLES / "minmax.yaml"),
        "--values",
        str(path),
    )
    assert code == 1
    assert "dòng 3, cột value: giá trị âm (-1)" in err
    assert "dòng 2" not in err


def test_weight_spread_zero_gives_intervals_equal_to_ranks_and_a_sensitivity_sheet(
    cli, database_url: str, tmp_path: Path
) -> None:
    args = (
        "evaluate",
        "--framework",
        "dti-province-922",
        "--values",
        str(DTI_2022),
        "--uncertainty",
        "200",
    )
    code, out, err = cli(database_url, *args, "--weight-spread", "0", "--format", "csv")
    assert code == 0, err
    for r in rows(out):
        if r["node_code"] == "total":
            assert r["rank_p05"] == r["rank_p95"] == r["rank_median"] == f"{float(r['rank'])}"
    target = tmp_path / "ket-qua.xlsx"
    code, _, err = cli(database_url, *args, "--format", "xlsx", "--out", str(target))
    assert code == 0, err
    sheet = load_workbook(target)["Độ nhạy"]
    header = [c.value for c in sheet[1]]
    assert header == [
        "node_code",
        "node_name",
        "level",
        "removal_shift",
        "removal_max",
        "weight_shift",
    ]
    assert {sheet.cell(i, 1).value for i in range(2, sheet.max_row + 1)} == {
        "I",
        "II",
        *map(str, (1, 2, 3, 4, 5, 7, 8, 9)),
    }
    code, out, _ = cli(database_url, *args)
    assert "Chỉ số nào quyết định thứ hạng" in out
    assert "chỉ số chính" in out
    code, _, err = cli(database_url, *args, "--weight-spread", "1.5")
    assert code == 2


def test_units_outside_the_frameworks_scope_are_left_out(
    cli, database_url: str, tmp_path: Path
) -> None:
    units = tmp_path / "units.csv"
    units.write_text(
        "code,name,kind,parent_code,groups,valid_from,valid_to\n"
        "DN,Tỉnh Đồng Nai,province,,,,\n"
        'SGTVT,Sở Giao thông vận tải,department,DN,"Sở, ban, ngành",,\n'
        "PA,Xã Phước An,commune,DN,,2025-07-01,\n"
        "BGM,Huyện Bù Gia Mập,district,DN,,,2025-06-30\n",
        encoding="utf-8",
    )
    values = tmp_path / "values.csv"
    values.write_text(
        "unit_code,period,indicator,numerator,denominator\n"
        "DN,2025-Q3,signed_docs_rate,900,1000\nSGTVT,2025-Q3,signed_docs_rate,80,100\n"
        "PA,2025-Q3,signed_docs_rate,40,100\nBGM,2025-Q3,signed_docs_rate,99,100\n",
        encoding="utf-8",
    )
    args = (
        "evaluate",
        "--framework",
        "platform-usage",
        "--values",
        str(values),
        "--units",
        str(units),
    )
    code, out, err = cli(database_url, *args, "--format", "csv")
    assert code == 0, err
    assert {r["unit_code"] for r in rows(out)} == {"SGTVT", "PA"}
    _, out, _ = cli(database_url, *args)
    assert "2 đơn vị ngoài phạm vi bộ chỉ số" in out
    assert "Tỉnh Đồng Nai: đơn vị cấp trên" in out
    assert "Huyện Bù Gia Mập: đơn vị không tồn tại trong Quý III/2025" in out
