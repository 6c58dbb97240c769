"""No export runs a formula: hostile names (=HYPERLINK…, +1, -2+3, @SUM(A1), a leading tab) go
through every CSV and XLSX writer and are read back with csv and openpyxl: no formula cell, the
text intact (after the apostrophe chiso puts before formula-like text in CSV), real negative
numbers still numbers, and chiso's own readers giving the names back unchanged."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from chiso.io.tables import read_table
from chiso.io.writers import csv_cell, neutral, sheet_title
from chiso.services.units import importer as units_import
from chiso.services.values.importer import import_values
from tests.test_units_import import write_csv

HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=2"]
STORED = [h.strip() for h in HOSTILE]
SOURCE = '=HYPERLINK("x";"y")+1.csv'
NUMBER = re.compile(r"-?\d+(\.\d+)?(e[+-]?\d+)?")
VI_NUMBER = re.compile(r"-?\d+(,\d+)?")
"""A number in a CSV written for Vietnamese Excel (";" between cells, decimal comma)."""
UNITS = [
    [f"F.{i}", name, "department", "2025:75", "Sở, ban, ngành"] for i, name in enumerate(HOSTILE)
]


def csv_rows(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))


def assert_safe_csv(text: str, names: list[str], delimiter: str = ",") -> None:
    cells = [c for row in csv_rows(text, delimiter) for c in row]
    number = VI_NUMBER if delimiter == ";" else NUMBER
    risky = [c for c in cells if c and c[0] in "=+-@\t\r" and not number.fullmatch(c)]
    assert not risky, risky
    for name in names:
        assert neutral(name) in cells, name


def assert_safe_xlsx(path: Path, names: list[str]) -> None:
    book = load_workbook(path)
    cells = [c for ws in book for row in ws.iter_rows() for c in row]
    assert not [f"{c.parent.title}!{c.coordinate}" for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    for name in names:
        assert name in texts, name


def test_the_neutraliser() -> None:
    assert [neutral(h) for h in HOSTILE] == ["'" + h for h in HOSTILE]
    assert neutral("Sở Y tế") == "Sở Y tế"
    assert csv_cell(-3) == -3 and csv_cell(-2.5) == "-2.5" and csv_cell(None) == ""
    assert csv_cell(28.121) == "28.1210" and csv_cell(108.812) == "108.8120"
    assert csv_cell(0.125) == "0.125" and csv_cell(1234.567) == "1234.567"
    used: set[str] = set()
    assert sheet_title("Nhóm [1]: a/b*c?", used) == "Nhóm -1-- a-b-c-"
    assert sheet_title("NHÓM [1]: A/B*C?", used) == "NHÓM -1-- A-B-C- (2)"
    assert len(sheet_title("x" * 40, used)) == 31


@pytest.fixture
def hostile_db(cli, province_db: str, tmp_path: Path) -> str:
    code, _, err = cli(province_db, "units", "import", str(write_csv(tmp_path / "u.csv", UNITS)))
    assert code == 0, err
    values = tmp_path / SOURCE
    lines = ["unit_code,period,indicator,numerator,denominator,value"]
    lines += [f"F.{i},2026-10,signed_docs_rate,{i},10," for i in range(len(HOSTILE))]
    lines += [f"F.{i},2026-09,signed_docs_rate,{9 - i},10," for i in range(len(HOSTILE))]
    values.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = cli(province_db, "data", "import", str(values), "--framework", "platform-usage")
    assert code == 0, err
    return province_db


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_units_and_values_exports(cli, hostile_db: str, tmp_path: Path, suffix: str) -> None:
    units = tmp_path / f"don-vi.{suffix}"
    assert cli(hostile_db, "units", "export", "--out", str(units), "--kind", "department")[0] == 0
    values = tmp_path / f"so-lieu.{suffix}"
    args = ("--framework", "platform-usage", "--out", str(values))
    code, _, err = cli(hostile_db, "data", "export", *args)
    assert code == 0, err
    for path in (units, values):
        if suffix == "csv":
            assert_safe_csv(path.read_text("utf-8-sig"), STORED)
        else:
            assert_safe_xlsx(path, STORED)
        names = {r.text("name") or r.text("unit_name") for r in read_table(path)[0].rows}
        assert set(STORED) <= names
    refs = {r.text("source_ref") for r in read_table(values)[0].rows}
    assert any(ref.startswith(SOURCE) for ref in refs)


def test_template(cli, hostile_db: str, tmp_path: Path) -> None:
    out = tmp_path / "mau.xlsx"
    args = ("--framework", "platform-usage", "--period", "2026-11", "--group", "Sở, ban, ngành")
    code, _, err = cli(hostile_db, "data", "template", *args, "--out", str(out))
    assert code == 0, err
    assert_safe_xlsx(out, STORED)


def test_cli_csv_and_tasks_export(cli, hostile_db: str, tmp_path: Path) -> None:
    code, out, _ = cli(hostile_db, "units", "list", "--kind", "department", "--format", "csv")
    assert code == 0
    assert_safe_csv(out, STORED)
    tasks = tmp_path / "nv.csv"
    tasks.write_text(
        "Số ký hiệu,Ngày ban hành,Trích yếu,STT,Nhiệm vụ,Đơn vị chủ trì,Thời hạn\n"
        '=1/TB,01/01/2026,@trích yếu,1,"=HYPERLINK(""http://x"",""y"")",F.1,năm 2026\n',
        encoding="utf-8",
    )
    assert cli(hostile_db, "tasks", "import", str(tasks))[0] == 0
    for suffix in ("csv", "xlsx"):
        out_path = tmp_path / f"nv-ra.{suffix}"
        assert cli(hostile_db, "tasks", "export", "--out", str(out_path))[0] == 0
        names = ["=1/TB", "@trích yếu", HOSTILE[0]]
        if suffix == "csv":
            assert_safe_csv(out_path.read_text("utf-8-sig"), names)
        else:
            assert_safe_xlsx(out_path, names)


def test_evaluation_appendix_and_decision(cli, database_url: str, tmp_path: Path) -> None:
    rows = [[f"F{i}", n, "department", "", "Sở, ban, ngành"] for i, n in enumerate(HOSTILE)]
    units = write_csv(tmp_path / "dv.csv", rows)
    values = tmp_path / "v.csv"
    values.write_text(
        "unit_code,period,indicator,numerator,denominator\n"
        + "".join(f"F{i},2023-07,signed_docs_rate,{i + 1},10\n" for i in range(len(HOSTILE)))
        + "".join(f"F{i},2023-06,signed_docs_rate,{9 - i},10\n" for i in range(len(HOSTILE))),
        encoding="utf-8",
    )
    files = ("--values", str(values), "--units", str(units), "--period", "2023-07")
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"ket-qua.{suffix}"
        how = ("--format", suffix, "--out", str(out))
        code, _, err = cli(database_url, "evaluate", "--framework", "platform-usage", *files, *how)
        assert code == 0, err
        if suffix == "csv":
            text = out.read_text("utf-8-sig")
            assert_safe_csv(text, STORED)
            assert any(NUMBER.fullmatch(c) and c.startswith("-") for r in csv_rows(text) for c in r)
        else:
            assert_safe_xlsx(out, STORED)
    agency = Path(__file__).parent / "data" / "seeds" / "binh-phuoc-agency.yaml"
    assert cli(database_url, "agency", "import", str(agency))[0] == 0
    which = ("--indicator", "signed_docs_rate", "--out", str(tmp_path / "pl.docx"))
    code, _, err = cli(database_url, "report", "appendix", *files, *which)
    assert code == 0, err
    assert_safe_xlsx(tmp_path / "pl.xlsx", STORED)
    annex = Document(str(tmp_path / "pl.docx"))
    assert [c.text for c in annex.tables[0].rows[0].cells][2:4] == ["Tử số", "Mẫu số"]
    assert annex.sections[0].page_width > annex.sections[0].page_height
    which = ("--framework", "platform-usage", "--out", str(tmp_path / "qd.docx"))
    code, _, err = cli(database_url, "report", "ranking", *files, *which)
    assert code == 0, err
    assert_safe_xlsx(tmp_path / "qd.xlsx", STORED)


def test_sensitivity_sheet(cli, database_url: str, tmp_path: Path) -> None:
    framework = tmp_path / "thu.yaml"
    framework.write_text(
        "id: thu\nname: Thử\nlevels: [index]\nnodes:\n"
        "  - {code: a, name: \"=HYPERLINK('http://x')\", max: 5, input: rate, rule: proportional}\n"
        '  - {code: b, name: "@SUM(A1)", max: 5, input: rate, rule: proportional}\n',
        encoding="utf-8",
    )
    values = tmp_path / "v.csv"
    values.write_text(
        "unit_code,period,indicator,numerator,denominator\n"
        + "".join(
            f"U{i},2023,{c},{(i * 3 + k) % 10},10\n" for i in range(6) for k, c in enumerate("ab")
        ),
        encoding="utf-8",
    )
    out = tmp_path / "ket-qua.xlsx"
    args = ("--framework", str(framework), "--values", str(values), "--uncertainty", "20")
    code, _, err = cli(database_url, "evaluate", *args, "--out", str(out))
    assert code == 0, err
    assert "Độ nhạy" in load_workbook(out).sheetnames
    assert_safe_xlsx(out, ["=HYPERLINK('http://x')", "@SUM(A1)"])


def test_ranking_downloads(web, tmp_path: Path) -> None:
    names = {"75.SYT": HOSTILE[0], "75.SCT": "-2+3", "75.STC": "@SUM(A1)"}
    rows = [[code, name, "department", "2025:75"] for code, name in names.items()]
    path = write_csv(tmp_path / "ten.csv", rows, header=["code", "name", "kind", "parent_code"])
    units_import.import_units(web.rt, path)
    # platform-usage ranks a unit with values for half its points (min_coverage 0.5): the same
    # two rates for everyone keep the order of the signing rates
    even = [
        [code, month, code_, 50, 100]
        for code in names
        for month in ("2026-09", "2026-10")
        for code_ in ("online_docs_rate", "official_email_rate")
    ]
    header = ["unit_code", "period", "indicator", "numerator", "denominator"]
    import_values(web.rt, write_csv(tmp_path / "even.csv", even, header=header), "platform-usage")
    client = web.client("viewer")
    response = client.get("/ranking.csv?framework=platform-usage&period=2026-10")
    assert response.status_code == 200, response.text
    assert_safe_csv(response.text, list(names.values()), ";")
    rows = csv_rows(response.text, ";")
    at = rows[0].index("Thay đổi hạng (+ là tăng)")
    changes = [r[at] for r in rows[1:]]
    assert "-1" in changes and all(VI_NUMBER.fullmatch(c) or not c for c in changes)
    response = client.get("/ranking.xlsx?framework=platform-usage&period=2026-10")
    assert response.status_code == 200
    out = tmp_path / "xh.xlsx"
    out.write_bytes(response.content)
    assert_safe_xlsx(out, list(names.values()))
