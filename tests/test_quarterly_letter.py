"""A province that collects only monthly values gets its quarterly letter and appendices: the
quarter's rates are the sums of the months' numerators and denominators, counts are summed,
yes/no takes the latest month, a value entered for the quarter itself wins over its months, and
the letter says which values were rolled up and which were entered for the quarter — from the
command line on values imported as a user imports them, and from the web composer on the demo
province's stored months."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from docx import Document
from openpyxl import load_workbook

from chiso.domain.periods import Period
from chiso.domain.ranking import round_half_up
from chiso.domain.units import letter_name

SEEDS = Path(__file__).parent / "data" / "seeds"

UNITS = """code,name,kind,parent_code,groups
T.SYT,Sở Y tế,department,,"Sở, ban, ngành"
T.SCT,Sở Công Thương,department,,"Sở, ban, ngành"
T.SONHA,Xã Sơn Hà,commune,,UBND cấp xã
T.SONHAJ,Xã Sơn Hạ,commune,,UBND cấp xã
"""

MONTHS = """unit_code,period,indicator,numerator,denominator,value
Xã Sơn Hà,2023-07,signed_docs_rate,10,40,
Xã Sơn Hà,2023-08,signed_docs_rate,12,40,
Xã Sơn Hà,tháng 9/2023,signed_docs_rate,14,20,
Xã Sơn Hạ,2023-07,signed_docs_rate,30,30,
Xã Sơn Hạ,2023-08,signed_docs_rate,1,70,
Xã Sơn Hạ,2023-09,signed_docs_rate,9,100,
T.SYT,2023-07,signed_docs_rate,50,50,
T.SYT,2023-08,signed_docs_rate,28,50,
T.SYT,2023-09,signed_docs_rate,40,50,
T.SYT,Quý III/2023,signed_docs_rate,99,100,
T.SCT,2023-07,signed_docs_rate,5,10,
T.SCT,2023-09,signed_docs_rate,5,10,
T.SCT,2023-06,signed_docs_rate,10,10,
T.SCT,2023-10,signed_docs_rate,0,10,
Xã Sơn Hà,2023-07,paperless_meetings,,,3
Xã Sơn Hà,2023-08,paperless_meetings,,,4
Xã Sơn Hà,2023-09,paperless_meetings,,,5
Xã Sơn Hạ,2023-07,paperless_meetings,,,0
Xã Sơn Hạ,2023-09,paperless_meetings,,,2
Xã Sơn Hà,2023-07,dx_plan_issued,,,không
Xã Sơn Hà,2023-09,dx_plan_issued,,,có
Xã Sơn Hạ,2023-07,dx_plan_issued,,,có
Xã Sơn Hạ,2023-08,dx_plan_issued,,,không
"""

LETTER = """type: letter
agency: ubnd-tinh-binh-phuoc
date: 2023-10-10
period: 2023-Q3
findings:
  - indicator: signed_docs_rate
    below: 50
appendix: signed_docs_rate
"""

APPENDIX = """type: appendix
agency: ubnd-tinh-binh-phuoc
date: 2023-10-10
period: 2023-Q3
indicators: [signed_docs_rate, paperless_meetings, dx_plan_issued]
"""


def _number(text: str) -> float:
    return float(text.replace(".", "").replace(",", ".").rstrip("%"))


def _table(path: Path) -> dict[str, list[str]]:
    """The appendix's unit rows by the unit's name (group heading rows left out)."""
    rows = [[c.text for c in r.cells] for r in Document(str(path)).tables[0].rows]
    return {r[1]: r[2:] for r in rows[1:] if r[0].isdigit()}


def _xlsx_rows(path: Path) -> tuple[list[str], dict[str, list[tuple[object, str]]]]:
    """The appendix workbook's header and its unit rows by name, each cell as (value, type)."""
    sheet = load_workbook(path).active
    assert sheet is not None
    header = [str(c.value) for c in sheet[3] if c.value is not None]
    units: dict[str, list[tuple[object, str]]] = {}
    for row in sheet.iter_rows(min_row=4, max_col=sheet.max_column):
        if isinstance(row[0].value, int):
            units[str(row[1].value)] = [(c.value, c.data_type) for c in row[: len(header)]]
    return header, units


def _body(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def test_a_monthly_only_province_gets_its_quarterly_letter(
    cli, database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "don-vi.csv").write_text(UNITS, encoding="utf-8")
    (tmp_path / "thang.csv").write_text(MONTHS, encoding="utf-8")
    (tmp_path / "cv.yaml").write_text(LETTER, encoding="utf-8")
    (tmp_path / "pl.yaml").write_text(APPENDIX, encoding="utf-8")
    assert cli(database_url, "units", "import", str(tmp_path / "don-vi.csv"))[0] == 0
    code, out, err = cli(
        database_url, "data", "import", str(tmp_path / "thang.csv"), "--framework", "platform-usage"
    )
    assert code == 0, err
    assert "thêm 23" in out  # "Xã Sơn Hà" and "Xã Sơn Hạ" are two units, not duplicate rows
    assert cli(database_url, "agency", "import", str(SEEDS / "binh-phuoc-agency.yaml"))[0] == 0

    code, _, err = cli(
        database_url,
        *("report", "letter", "--spec", str(tmp_path / "cv.yaml")),
        *("--out", str(tmp_path / "cv.docx")),
    )
    assert code == 0, err
    body = _body(tmp_path / "cv.docx")
    assert (
        "Số liệu Quý III/2023 của 03 cơ quan, đơn vị được cộng dồn từ số liệu hằng tháng "
        "(tỷ lệ văn bản điện tử được ký số: cộng tử số và cộng mẫu số của các tháng); số liệu "
        "nhập cho cả Quý III/2023 được dùng nguyên, không cộng dồn các tháng, đối với: Sở Y tế."
    ) in body
    # (10 + 12 + 14) / (40 + 40 + 20) = 36%; (30 + 1 + 9) / (30 + 70 + 100) = 20%; the mean of
    # the months' rates would give 48,33% and 37,3%
    assert "dưới 50% (các xã: Sơn Hạ (20%); Sơn Hà (36%))" in body
    assert "Sở Công Thương" not in body.split("cụ thể:")[1].split("Để khắc phục")[0]

    rates = _table(tmp_path / "cv-phu-luc.docx")
    assert rates["UBND xã Sơn Hà"][:3] == ["36", "100", "36%"]
    assert rates["UBND xã Sơn Hạ"][:3] == ["40", "200", "20%"]
    assert rates["Sở Công Thương"][:3] == ["10", "20", "50%"]  # June and October left out
    assert rates["Sở Y tế"][:3] == ["99", "100", "99%"]  # entered for the quarter: wins
    assert set(rates) == {"UBND xã Sơn Hà", "UBND xã Sơn Hạ", "Sở Công Thương", "Sở Y tế"}
    assert (
        "Ghi chú: Số liệu Quý III/2023 của 03 cơ quan, đơn vị được cộng dồn từ số liệu hằng tháng"
    ) in _body(tmp_path / "cv-phu-luc.docx")
    sheet = load_workbook(tmp_path / "cv-phu-luc.xlsx").active
    notes = [c for row in sheet.values for c in row if str(c or "").startswith("Ghi chú:")]
    assert len(notes) == 1 and notes[0].endswith("đối với: Sở Y tế.")

    code, _, err = cli(
        database_url,
        *("report", "appendix", "--spec", str(tmp_path / "pl.yaml")),
        *("--out", str(tmp_path / "pl.docx")),
    )
    assert code == 0, err
    meetings = _table(tmp_path / "pl-2-paperless_meetings.docx")
    assert (
        "Số liệu Quý III/2023 của 02 cơ quan, đơn vị được cộng dồn từ số liệu hằng tháng (số cuộc "
        "họp trên phần mềm họp không giấy: cộng các tháng)."
    ) in _body(tmp_path / "pl-2-paperless_meetings.docx")
    assert meetings["UBND xã Sơn Hà"][0] == "12" and meetings["UBND xã Sơn Hạ"][0] == "2"
    plans = _table(tmp_path / "pl-3-dx_plan_issued.docx")
    # the latest month with a value: September "có" for Sơn Hà, August "không" for Sơn Hạ
    assert plans["UBND xã Sơn Hà"][0] == "Có" and plans["UBND xã Sơn Hạ"][0] == "Không"
    # yes/no answers are not ranked (DOCX and XLSX alike), and the XLSX writes them as text
    header = [
        c.text for c in Document(str(tmp_path / "pl-3-dx_plan_issued.docx")).tables[0].rows[0].cells
    ]
    assert header == ["STT", "Cơ quan, đơn vị", "Giá trị", "Đạt chỉ tiêu"]
    assert all(len(r) == 2 for r in plans.values())
    header, answers = _xlsx_rows(tmp_path / "pl-3-dx_plan_issued.xlsx")
    assert header == ["STT", "Cơ quan, đơn vị", "Giá trị", "Đạt chỉ tiêu"]
    assert load_workbook(tmp_path / "pl-3-dx_plan_issued.xlsx").active.max_column == 4
    assert answers["UBND xã Sơn Hà"][2] == ("Có", "s")
    assert answers["UBND xã Sơn Hạ"][2] == ("Không", "s")
    header, counted = _xlsx_rows(tmp_path / "pl-2-paperless_meetings.xlsx")
    assert header[-1] == "Xếp hạng trong nhóm"
    assert counted["UBND xã Sơn Hà"][2] == (12, "n")
    assert counted["UBND xã Sơn Hà"][-1] == (1, "n") and counted["UBND xã Sơn Hạ"][-1] == (2, "n")
    assert meetings["UBND xã Sơn Hà"][-1] == "1" and meetings["UBND xã Sơn Hạ"][-1] == "2"

    # the committee's quarterly report: the overall rate over the quarter's sums
    (tmp_path / "bc.yaml").write_text(
        LETTER.split("findings:", maxsplit=1)[0].replace("type: letter", "type: summary"),
        encoding="utf-8",
    )
    code, _, err = cli(
        database_url,
        *("report", "summary", "--spec", str(tmp_path / "bc.yaml")),
        *("--out", str(tmp_path / "bc.docx")),
    )
    assert code == 0, err
    report = Document(str(tmp_path / "bc.docx"))
    rate = next(
        [c.text for c in r.cells]
        for t in report.tables
        for r in t.rows
        if "ký số" in r.cells[1].text
    )
    assert rate[2] == "44,05%"  # (36 + 40 + 10 + 99) / (100 + 200 + 20 + 100)
    assert "số cuộc họp trên phần mềm họp không giấy: cộng các tháng" in _body(tmp_path / "bc.docx")
    assert "giá trị của tháng gần nhất có số liệu); số liệu nhập cho cả Quý III/2023" in (
        _body(tmp_path / "bc.docx")
    )

    # the quarter's evaluation of the same stored months names the source of each value
    code, out, err = cli(
        database_url,
        "data",
        "export",
        "--framework",
        "platform-usage",
        "--out",
        str(tmp_path / "x.csv"),
    )
    assert code == 0, err
    code, out, err = cli(
        database_url,
        *("evaluate", "--framework", "platform-usage", "--period", "2023-Q3"),
        *("--values", str(tmp_path / "x.csv"), "--units", str(tmp_path / "don-vi.csv")),
        *("--format", "csv", "--out", str(tmp_path / "q3.csv")),
    )
    assert code == 0, err
    with (tmp_path / "q3.csv").open(encoding="utf-8-sig") as f:
        cells = {(r["unit_name"], r["node_code"]): r for r in csv.DictReader(f) if r["node_code"]}
    assert cells[("Xã Sơn Hà", "signed_docs_rate")]["source"] == (
        "cộng dồn 3/3 tháng (2023-07, 2023-08, 2023-09)"
    )
    assert cells[("Sở Y tế", "signed_docs_rate")]["source"] == "giá trị nhập cho Quý III/2023"
    assert cells[("Sở Công Thương", "signed_docs_rate")]["source"] == (
        "cộng dồn 2/3 tháng (2023-07, 2023-09)"
    )

    # the same evaluation from the stored values, without a file: every output format agrees
    stored_csv = tmp_path / "q3-luu.csv"
    code, out, err = cli(
        database_url,
        *("evaluate", "--framework", "platform-usage", "--period", "2023-Q3"),
        *("--format", "csv", "--out", str(stored_csv)),
    )
    assert code == 0, err
    with stored_csv.open(encoding="utf-8-sig") as f:
        from_db = {(r["unit_name"], r["node_code"]): r for r in csv.DictReader(f) if r["node_code"]}
    assert from_db == cells
    assert (
        from_db[("Xã Sơn Hạ", "signed_docs_rate")]["index"]
        == cells[("Xã Sơn Hạ", "signed_docs_rate")]["index"]
    )
    as_json = [
        cli(
            database_url,
            "evaluate",
            "--framework",
            "platform-usage",
            "--period",
            "2023-Q3",
            *values,
            "--format",
            "json",
        )
        for values in (
            (),
            ("--values", str(tmp_path / "x.csv"), "--units", str(tmp_path / "don-vi.csv")),
        )
    ]
    assert as_json[0][0] == 0 and as_json[0][1] == as_json[1][1], as_json[0][2]
    assert json.loads(as_json[0][1])
    code, out, err = cli(
        database_url, "evaluate", "--framework", "platform-usage", "--period", "2023-Q3"
    )
    assert code == 0, err
    assert "Xã Sơn Hà" in out and "2023-Q3" in out
    code, _, err = cli(database_url, "evaluate", "--framework", "platform-usage")
    assert code == 2
    assert "Chấm điểm số liệu đã lưu cần kỳ đánh giá." in err and "--period" in err
    code, _, err = cli(
        database_url,
        *("evaluate", "--framework", "platform-usage", "--period", "2023-Q3"),
        *("--units", str(tmp_path / "don-vi.csv")),
    )
    assert code == 2
    assert "--units chỉ dùng cùng --values" in err
    code, _, err = cli(
        database_url, "evaluate", "--framework", "platform-usage", "--period", "2022"
    )
    assert code == 2
    assert "Không có đơn vị nào có số liệu kỳ 2022" in err


def _expected(rt: Any, quarter: Period) -> dict[str, tuple[float, float, bool]]:
    """Each unit's quarter from the stored values, computed here: the quarter's own value when
    one is stored, else the sums of the months' numerators and denominators."""
    from chiso.store import values_repo

    months = quarter.months()
    with rt.db.transaction() as session:
        stored = values_repo.values(
            session, "platform-usage", [quarter, *months], indicators=["signed_docs_rate"]
        )
    parts: dict[str, list[tuple[float, float]]] = defaultdict(list)
    own: dict[str, tuple[float, float]] = {}
    names: dict[str, str] = {}
    for v in stored:
        if v.value.numerator is None or v.value.denominator is None:
            continue
        names[v.unit_key] = v.unit_name
        pair = (v.value.numerator, v.value.denominator)
        if v.period == quarter:
            own[v.unit_key] = pair
        else:
            parts[v.unit_key].append(pair)
    out = {}
    for key in names:
        if key in own:
            out[key] = (*own[key], True)
        else:
            out[key] = (sum(n for n, _ in parts[key]), sum(d for _, d in parts[key]), False)
    return out


def test_the_web_composer_makes_the_quarter_of_the_demo_months(web, tmp_path: Path) -> None:
    from chiso.services.values.importer import import_values
    from chiso.store import units_repo

    rt = web.rt
    entered = tmp_path / "quy.csv"
    entered.write_text(
        "unit_code,period,indicator,numerator,denominator\n"
        "75.SYT,2026-07,signed_docs_rate,30,100\n75.SYT,2026-08,signed_docs_rate,45,50\n"
        "75.SCT,2026-07,signed_docs_rate,1,100\n75.SCT,2026-Q3,signed_docs_rate,7,10\n"
        "75.STC,2026-07,signed_docs_rate,3,4\n75.STC,2026-08,signed_docs_rate,0,4\n"
        "75.SNV,2026-08,signed_docs_rate,12,16\n75.SNV,2026-09,signed_docs_rate,2,16\n"
        "75.SXD,2026-09,signed_docs_rate,9,10\n"
        "2025:75,2026-07,signed_docs_rate,500,1000\n2025:75,2026-08,signed_docs_rate,600,1000\n",
        encoding="utf-8",
    )
    assert import_values(rt, entered, "platform-usage").created == 11
    quarter = Period.parse("2026-Q3")
    expected = _expected(rt, quarter)
    assert expected["75.SCT"] == (7, 10, True)
    with rt.db.transaction() as session:
        units = units_repo.by_keys(session, sorted(expected))

    client = web.client("admin")
    csrf = web.csrf("admin")
    spec = (
        "type: appendix\nagency: ubnd-tinh-dong-nai\ndate: 2026-10-15\nperiod: 2026-Q3\n"
        "indicators: [signed_docs_rate]\n"
    )
    got = client.post(
        "/documents/compose",
        data={"kind": "appendix", "text": spec, "action": "docx", "csrf": csrf},
    )
    assert got.status_code == 200, got.text
    (tmp_path / "pl.docx").write_bytes(got.content)
    rows = _table(tmp_path / "pl.docx")
    by_name = {letter_name(u.name, u.kind, u.subtype): k for k, u in units.items()}
    # the province is a roll-up of its departments: never listed
    assert set(rows) == {"Sở Y tế", "Sở Công Thương", "Sở Tài chính", "Sở Nội vụ", "Sở Xây dựng"}
    for name, cells in rows.items():
        numerator, denominator, _ = expected[by_name[name]]
        assert (_number(cells[0]), _number(cells[1])) == (numerator, denominator), name
    assert rows["Sở Công Thương"][:2] == ["7", "10"]
    assert rows["Sở Y tế"][:3] == ["155", "250", "62%"]  # 30 + 45 + 80 of 100 + 50 + 100

    letter = spec.replace("type: appendix", "type: letter").replace(
        "indicators: [signed_docs_rate]", "findings: [{indicator: signed_docs_rate, below: 50}]"
    )
    got = client.post(
        "/documents/compose",
        data={"kind": "letter", "text": letter, "action": "docx", "csrf": csrf},
    )
    assert got.status_code == 200, got.text
    (tmp_path / "cv.docx").write_bytes(got.content)
    body = _body(tmp_path / "cv.docx")
    rolled = sum(1 for n in rows if not expected[by_name[n]][2])
    assert rolled == 4
    assert f"Số liệu Quý III/2026 của {rolled:02d} cơ quan, đơn vị được cộng dồn" in body
    assert "được dùng nguyên, không cộng dồn các tháng, đối với: Sở Công Thương." in body


def test_pages_and_api_show_the_quarter_of_months(web, tmp_path: Path) -> None:
    """The ranking page offers the quarter around the stored months, and the page and the API
    rank it on the months rolled up: the same indices as the quarter's sums typed in a file."""
    from chiso.services.scoring.evaluations import DataSource, evaluation_for
    from chiso.services.values.importer import import_values

    rates = (
        "signed_docs_rate",
        "online_docs_rate",
        "official_email_rate",
        "reports_on_system_rate",
    )
    months = {"75.SYT": ((30, 40), (50, 60)), "75.SCT": ((10, 40), (35, 50))}
    stored = tmp_path / "thang.csv"
    stored.write_text(
        "unit_code,period,indicator,numerator,denominator\n"
        + "".join(
            f"{unit},2026-0{7 + i},{code},{n},{d}\n"
            for unit, pairs in months.items()
            for i, (n, d) in enumerate(pairs)
            for code in rates[1:]
        )
        + "75.SYT,2026-07,signed_docs_rate,5,100\n",
        encoding="utf-8",
    )
    import_values(web.rt, stored, "platform-usage")
    # the web fixture holds September: 75.SYT 80/100 and 75.SCT 40/100 signed documents
    quarter = tmp_path / "quy.csv"
    quarter.write_text(
        "unit_code,unit_name,period,indicator,numerator,denominator\n"
        + "".join(
            f"{unit},{unit},2026-Q3,{code},{sum(n for n, _ in pairs)},{sum(d for _, d in pairs)}\n"
            for unit, pairs in months.items()
            for code in rates[1:]
        )
        + "75.SYT,75.SYT,2026-Q3,signed_docs_rate,85,200\n75.SCT,75.SCT,2026-Q3,signed_docs_rate,40,100\n",
        encoding="utf-8",
    )
    typed = evaluation_for(
        web.rt, DataSource(values=quarter), Period.parse("2026-Q3")
    ).evaluation.by_unit()

    client = web.client("viewer")
    page = client.get("/ranking", params={"period": "2026-Q3", "all_groups": "true"})
    assert page.status_code == 200
    assert '<option value="2026-Q3" selected>Quý III/2026</option>' in page.text
    assert '<option value="2026-Q3" >Quý III/2026</option>' in client.get("/ranking").text
    got = client.get("/api/v1/rankings", params={"period": "2026-Q3", "all_groups": "true"})
    assert got.status_code == 200, got.text
    rows = {r["unit"]: r for r in got.json()["rows"]}
    assert set(rows) == {"75.SYT", "75.SCT"}
    for unit, row in rows.items():
        index = typed[unit].total.index
        assert index is not None and row["index"] == round_half_up(index, 4), unit
        assert f'data-unit="{unit}"' in page.text
        assert f'data-index="{row["index"]}"' in page.text
    assert rows["75.SYT"]["rank"] == 1 and rows["75.SCT"]["rank"] == 2
