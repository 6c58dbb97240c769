"""Numbers typed by people, read one way for every importer and the API: each convention, the
column (or file) deciding "28.121", refusals that name the cell and store nothing, plausible
ranges, signed numbers, and rows stored by older versions that must not crash anything."""

from __future__ import annotations

import html
import math
import re
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from chiso.errors import ProblemList
from chiso.io.values import column_marks, marks_of, parse_number, read_number, readings
from chiso.services.runtime import open_runtime
from chiso.settings import Settings
from chiso.store.models import AuditEntry, IndicatorValue, Unit
from tests.test_values_import import LONG_HEADER, state, stored, write

SIGNED = """id: so-co-dau
name: Bộ chỉ số có số âm
levels: [index]
nodes:
  - {code: growth, name: Tăng trưởng, max: 10, input: number, rule: relative_to_best, rollup: last}
  - {code: capped, name: Số lượt có giới hạn, max: 10, input: count, rule: relative_to_best,
     max_value: 100}
  - {code: tiny_rate, name: Tỷ lệ nhỏ, max: 10, input: rate, rule: proportional, max_value: 50}
"""


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("31,14", 31.14),
        ("31.14", 31.14),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("12.000.000", 12_000_000),
        ("1,234,567.89", 1_234_567.89),
        ("0.123", 0.123),
        ("0,123", 0.123),
        ("1234.567", 1234.567),
        ("1,23457E+15", 1.23457e15),
        ("1.23457e+15", 1.23457e15),
        ("2E-3", 0.002),
        ("-5,5", -5.5),
        ("\u22127", -7),
        ("1 234,5", 1234.5),
        ("1\u00a0234,5", 1234.5),
        ("+1", 1),
        ("42", 42),
    ],
)
def test_one_reading(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("28.121", "không rõ '28.121' là 28121 hay 28,121"),
        ("1,234", "không rõ '1,234' là 1,234 hay 1234"),
        ("1.000", "là 1000 hay 1"),
        ("inf", "không phải là số hữu hạn"),
        ("-inf", "không phải là số hữu hạn"),
        ("nan", "không phải là số hữu hạn"),
        ("NaN", "không phải là số hữu hạn"),
        ("∞", "không phải là số hữu hạn"),
        ("Infinity", "không phải là số hữu hạn"),
        ("1e309", "không phải là số hữu hạn"),
        ("1_000", "không phải là số"),
        ("1,2,3", "không phải là số"),
        ("5.", "không phải là số"),
        ("0x10", "không phải là số"),
    ],
)
def test_refused_alone_with_a_reason(text: str, message: str) -> None:
    problems = ProblemList()
    assert read_number("ô D7", text, problems) is None
    assert [p.where for p in problems.problems] == ["ô D7"]
    assert message in problems.problems[0].message_vi


def test_ambiguous_is_read_either_way_only_when_asked() -> None:
    assert readings("28.121") == {",": 28121, ".": 28.121}
    assert parse_number("28.121", ",") == 28121
    assert parse_number("28.121", ".") == 28.121
    assert parse_number(float("inf")) is None
    assert parse_number(True) is None
    problems = ProblemList()
    assert read_number("x", "31,14", problems, ".", chosen=True) is None
    assert "không viết theo cách đã chọn" in problems.problems[0].message_vi


def test_the_column_then_the_file_decides() -> None:
    marks = marks_of(
        {
            "vi": ["28.121", "31,14"],
            "intl": ["28.121", "3.14159"],
            "mixed": ["28.121", "1,5", "2.5"],
            "silent": ["28.121", "7", "1e3"],
        }
    )
    assert marks == {"vi": ",", "intl": ".", "mixed": None, "silent": None}
    assert marks_of({"a": ["1.000"], "b": ["22,19"]}) == {"a": ",", "b": ","}
    assert marks_of({"a": ["1.000"], "b": ["22,19"], "c": ["0.5"]})["a"] is None
    assert column_marks({"a": ["1.000"]}, ".")["a"].chosen


def _import(cli, url: str, path: Path, *extra: str) -> tuple[int, str, str]:
    return cli(url, "data", "import", str(path), "--framework", "platform-usage", *extra)


def test_ambiguous_file_is_refused_naming_the_cells(cli, province_db: str, tmp_path: Path) -> None:
    path = write(
        tmp_path / "r-export.csv",
        LONG_HEADER
        + "legacy:25361,,2023-07,paperless_meetings,28.121,,\n"
        + "legacy:25357,,2023-07,paperless_meetings,1.500,,\n"
        + "legacy:25357,,2023-07,signed_docs_rate,,12,30\n",
    )
    before = state(province_db, tmp_path)
    code, _, err = _import(cli, province_db, path)
    assert code == 1
    assert "r-export.csv, dòng 2, cột value: không rõ '28.121' là 28121 hay 28,121" in err
    assert "r-export.csv, dòng 3, cột value: không rõ '1.500' là 1500 hay 1,5" in err
    assert "--decimal" in err
    assert state(province_db, tmp_path) == before
    code, _, err = _import(cli, province_db, path, "--decimal", ".")
    assert code == 1, err  # read the international way, both are fractions of a count
    assert (
        "dòng 2, cột value: chỉ số paperless_meetings là số đếm, phải là số nguyên nhưng ô ghi "
        "'28.121'" in err
    )
    assert "dòng 3, cột value: chỉ số paperless_meetings là số đếm" in err
    assert state(province_db, tmp_path) == before
    code, out, err = _import(cli, province_db, path, "--decimal", ",")
    assert code == 0, err
    assert "— → 28.121" in out
    assert stored(province_db, tmp_path)[("legacy:25357", "2023-07", "paperless_meetings")][0] == (
        1500
    )


@pytest.mark.parametrize(
    ("other", "expected"),
    [("31,14", 28121.0), ("3.14159", None), ("0,5%", 28121.0)],
)
def test_the_rest_of_the_file_resolves(
    cli, province_db: str, tmp_path: Path, other: str, expected: float | None
) -> None:
    """Read the international way, 28.121 meetings is a fraction of a count: refused."""
    path = write(
        tmp_path / "v.csv",
        LONG_HEADER
        + "legacy:25361,,2023-07,paperless_meetings,28.121,,\n"
        + f'legacy:25357,,2023-07,signed_docs_rate,"{other}",,\n',
    )
    code, _, err = _import(cli, province_db, path)
    if expected is None:
        assert code == 1
        assert "dòng 2, cột value: chỉ số paperless_meetings là số đếm" in err
        assert stored(province_db, tmp_path) == {}
        return
    assert code == 0, err
    values = stored(province_db, tmp_path)
    assert values[("legacy:25361", "2023-07", "paperless_meetings")][0] == pytest.approx(expected)


def test_a_file_mixing_conventions_still_refuses_the_ambiguous(
    cli, province_db: str, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "tron.csv",
        LONG_HEADER
        + "legacy:25361,,2023-07,paperless_meetings,28.121,,\n"
        + 'legacy:25357,,2023-07,signed_docs_rate,"31,14",,\n'
        + "legacy:25348,,2023-07,signed_docs_rate,3.5,,\n",
    )
    code, _, err = _import(cli, province_db, path)
    assert code == 1
    assert "dòng 2, cột value: không rõ '28.121'" in err
    assert "dòng 3" not in err and "dòng 4" not in err
    code, _, err = _import(cli, province_db, path, "--decimal", ",")
    assert code == 1
    assert "dòng 4, cột value: '3.5' không viết theo cách đã chọn" in err


BAD_NUMBERS = {
    "inf": ("paperless_meetings", "inf", "", "", "cột value: 'inf' không phải là số hữu hạn"),
    "minus_inf": ("paperless_meetings", "-inf", "", "", "'-inf' không phải là số hữu hạn"),
    "nan": ("paperless_meetings", "nan", "", "", "'nan' không phải là số hữu hạn"),
    "NaN": ("paperless_meetings", "NaN", "", "", "'NaN' không phải là số hữu hạn"),
    "infinity_sign": ("paperless_meetings", "∞", "", "", "'∞' không phải là số hữu hạn"),
    "huge": ("paperless_meetings", "1e308", "", "", "1e308 vượt mức hợp lý (tối đa"),
    "digits": ("paperless_meetings", "9" * 24, "", "", "vượt mức hợp lý"),
    "excel_sci": ("paperless_meetings", "1,23457E+15", "", "", "(tối đa 1.000.000.000)"),
    "negative_count": ("paperless_meetings", "-3", "", "", "giá trị âm (-3)"),
    "negative_rate": ("signed_docs_rate", "-0,5%", "", "", "giá trị âm"),
    "rate_over_100": ("signed_docs_rate", "100,01", "", "", "vượt 100%"),
    "inf_numerator": ("signed_docs_rate", "", "inf", "5", "cột numerator: 'inf' không phải"),
    "huge_denominator": ("signed_docs_rate", "", "5", "1e12", "cột denominator: 1e12 vượt"),
    "nan_denominator": ("signed_docs_rate", "", "1", "NaN", "'NaN' không phải là số hữu hạn"),
    "sci_index": ("dx_plan_issued", "1e999", "", "", "không phải có/không"),
}


@pytest.mark.parametrize("case", sorted(BAD_NUMBERS))
def test_impossible_numbers_are_refused(cli, province_db: str, tmp_path: Path, case: str) -> None:
    indicator, value, numerator, denominator, message = BAD_NUMBERS[case]
    path = write(
        tmp_path / f"{case}.csv",
        LONG_HEADER
        + f'legacy:25361,,2023-07,{indicator},"{value}",{numerator},{denominator}\n'
        + "legacy:25357,,2023-07,paperless_meetings,4,,\n",
    )
    before = state(province_db, tmp_path)
    code, _, err = _import(cli, province_db, path)
    assert code == 1, err
    assert f"{case}.csv, dòng 2" in err
    assert message in err
    assert "Traceback" not in err
    assert state(province_db, tmp_path) == before


def test_template_text_cells_follow_their_column(cli, province_db: str, tmp_path: Path) -> None:
    from tests.test_values_import import fill_template, row_of

    template = tmp_path / "t.xlsx"
    args = ("--framework", "platform-usage", "--period", "2023-07", "--parent", "Huyện Hớn Quản")
    cli(province_db, "data", "template", *args, "--out", str(template))
    r, s = row_of(template, "legacy:25361"), row_of(template, "legacy:25357")
    filled = fill_template(
        cli, province_db, tmp_path, {f"G{r}": "1.234", f"G{s}": "1.000", f"C{r}": "3", f"D{r}": "7"}
    )
    before = state(province_db, tmp_path)
    code, _, err = cli(province_db, "data", "import", str(filled))
    assert code == 1
    assert f"trang Số liệu, ô G{r}: không rõ '1.234'" in err
    assert f"trang Số liệu, ô G{s}: không rõ '1.000'" in err
    assert state(province_db, tmp_path) == before
    code, _, err = cli(province_db, "data", "import", str(filled), "--decimal", ",")
    assert code == 0, err
    values = stored(province_db, tmp_path)
    assert values[("legacy:25361", "2023-07", "paperless_meetings")][0] == 1234
    assert values[("legacy:25357", "2023-07", "paperless_meetings")][0] == 1000
    again = fill_template(
        cli, province_db, tmp_path, {f"G{r}": "1.234", f"G{s}": "2,5", f"C{r}": "3", f"D{r}": "7"}
    )
    before = state(province_db, tmp_path)
    code, _, err = cli(province_db, "data", "import", str(again))
    assert code == 1, err  # "2,5" proves the column's convention, but meetings are counted
    assert (
        f"trang Số liệu, ô G{s}: chỉ số paperless_meetings là số đếm, phải là số nguyên "
        "nhưng ô ghi '2,5'" in err
    )
    assert f"ô G{r}" not in err
    assert state(province_db, tmp_path) == before


@pytest.fixture
def signed_db(cli, province_db: str, tmp_path: Path) -> str:
    path = tmp_path / "so-co-dau.yaml"
    path.write_text(SIGNED, encoding="utf-8")
    code, _, err = cli(province_db, "framework", "register", str(path))
    assert code == 0, err
    return province_db


def test_signed_numbers_and_declared_ranges(cli, signed_db: str, tmp_path: Path) -> None:
    good = write(
        tmp_path / "dau.csv",
        LONG_HEADER
        + 'legacy:25361,,2023,growth,"-12,5",,\n'
        + "legacy:25361,,2023,capped,100,,\n"
        + "legacy:25361,,2023,tiny_rate,,25,50\n",
    )
    code, _, err = cli(signed_db, "data", "import", str(good), "--framework", "so-co-dau")
    assert code == 0, err
    values = stored(signed_db, tmp_path)
    assert values[("legacy:25361", "2023", "growth")][0] == -12.5
    bad = write(
        tmp_path / "qua.csv",
        LONG_HEADER
        + "legacy:25357,,2023,growth,-1e10,,\n"
        + "legacy:25357,,2023,capped,101,,\n"
        + "legacy:25357,,2023,tiny_rate,,26,50\n",
    )
    before = state(signed_db, tmp_path)
    code, _, err = cli(signed_db, "data", "import", str(bad), "--framework", "so-co-dau")
    assert code == 1
    assert "dòng 2, cột value: -1e10 vượt mức hợp lý (tối đa 1.000.000.000)" in err
    assert "dòng 3, cột value: 101 vượt giá trị lớn nhất hợp lý của chỉ số capped (100)" in err
    assert (
        "dòng 4, cột numerator: 52% vượt giá trị lớn nhất hợp lý của chỉ số tiny_rate (50%)" in err
    )
    assert "sửa max_value" in err
    assert state(signed_db, tmp_path) == before


def test_max_value_is_validated(cli, province_db: str, tmp_path: Path) -> None:
    path = tmp_path / "sai.yaml"
    path.write_text(SIGNED.replace("max_value: 100", "max_value: .inf"), encoding="utf-8")
    code, _, err = cli(province_db, "framework", "validate", str(path))
    assert code == 1
    assert "nút capped, trường 'max_value': phải là số hữu hạn" in err


def test_api_numbers_go_through_the_same_reader(web) -> None:
    client = web.client("admin")
    place = {"period": "2026-08", "indicator": "paperless_meetings"}
    body = {
        "framework": "platform-usage",
        "values": [
            {"unit_code": "75.SYT", "value": 28.0, **place},
            {"unit_code": "75.SCT", "value": "1.234,0", **place},
        ],
    }
    response = client.post("/api/v1/values", json=body)
    assert response.status_code == 200, response.text
    values = client.get("/api/v1/values?unit=75.SCT&period=2026-08").json()
    assert next(v for v in values if v["indicator"] == "paperless_meetings")["number"] == 1234
    for bad in ("NaN", "Infinity", "-Infinity", "1e308", "1e999"):
        raw = (
            '{"framework": "platform-usage", "values": [{"unit_code": "75.SYT", "period": '
            f'"2026-07", "indicator": "paperless_meetings", "value": {bad}}}]}}'
        )
        response = client.post(
            "/api/v1/values", content=raw, headers={"content-type": "application/json"}
        )
        assert 400 <= response.status_code < 500, (bad, response.text)
        listed = client.get("/api/v1/values?unit=75.SYT&period=2026-07").json()
        assert not any(v["indicator"] == "paperless_meetings" for v in listed), bad


def test_values_stored_by_older_versions_do_not_crash(
    cli, province_db: str, tmp_path: Path
) -> None:
    rt = open_runtime(Settings(database_url=province_db, data_dir=tmp_path / "data"))
    with rt.db.transaction() as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.key == "legacy:25361"))
        place = {"period": "2023-07", "indicator": "paperless_meetings"}
        stamp = {"source": "file", "source_ref": "cu.csv", "updated_by": "cu"}
        session.execute(
            insert(IndicatorValue),
            [
                {"framework_id": "platform-usage", "unit_id": unit_id, "number": math.inf}
                | place
                | stamp
            ],
        )
        if province_db.startswith("sqlite"):
            key = "platform-usage/legacy:25361/2023-07/paperless_meetings"
            audit = {"actor": "cu", "action": "value.set", "entity": "value", "entity_key": key}
            after = {"number": math.inf}
            session.execute(
                insert(AuditEntry), [audit | {"source": "cu.csv", "before": None, "after": after}]
            )
    rt.close()
    which = ("--unit", "legacy:25361", "--indicator", "paperless_meetings")
    code, out, err = cli(province_db, "data", "history", *which)
    assert code == 0, err
    assert "không hợp lệ" in out or not province_db.startswith("sqlite")
    path = write(
        tmp_path / "sua.csv", LONG_HEADER + "legacy:25361,,2023-07,paperless_meetings,7,,\n"
    )
    code, out, err = _import(cli, province_db, path)
    assert code == 0, err
    assert "không hợp lệ → 7" in out
    assert stored(province_db, tmp_path)[("legacy:25361", "2023-07", "paperless_meetings")][0] == 7
    code, out, err = cli(province_db, "data", "history", *which)
    assert code == 0, err
    assert "không hợp lệ" in out and "lần thay đổi" in out


COUNT_FRACTIONS = {
    "comma": ("paperless_meetings", "1,5", "", "", "cột value", "'1,5'"),
    "point": ("paperless_meetings", "2.25", "", "", "cột value", "'2.25'"),
    "numerator": ("signed_docs_rate", "", "2,5", "10", "cột numerator", "tử số là số đếm"),
    "denominator": ("signed_docs_rate", "", "2", "7.5", "cột denominator", "mẫu số là số đếm"),
}


@pytest.mark.parametrize("case", sorted(COUNT_FRACTIONS))
def test_counts_refuse_fractions(cli, province_db: str, tmp_path: Path, case: str) -> None:
    """A count (and a rate's numerator and denominator) is a whole number; the cell is named,
    nothing of the file is stored; a whole number written with decimals ("3,0") is that count."""
    indicator, value, numerator, denominator, column, said = COUNT_FRACTIONS[case]
    path = write(
        tmp_path / f"{case}.csv",
        LONG_HEADER
        + 'legacy:25357,,2023-07,paperless_meetings,"3,0",,\n'
        + f'legacy:25361,,2023-07,{indicator},"{value}","{numerator}","{denominator}"\n',
    )
    before = state(province_db, tmp_path)
    code, _, err = _import(cli, province_db, path)
    assert code == 1, err
    assert f"{case}.csv, dòng 3, {column}: " in err
    assert said in err and "phải là số nguyên" in err
    assert "dòng 2" not in err
    assert state(province_db, tmp_path) == before
    whole = write(
        tmp_path / "whole.csv", LONG_HEADER + 'legacy:25357,,2023-07,paperless_meetings,"3,0",,\n'
    )
    assert _import(cli, province_db, whole)[0] == 0
    assert stored(province_db, tmp_path)[("legacy:25357", "2023-07", "paperless_meetings")][0] == 3


def test_numbers_keep_fractions(cli, signed_db: str, tmp_path: Path) -> None:
    path = write(tmp_path / "so.csv", LONG_HEADER + 'legacy:25361,,2023,growth,"1,5",,\n')
    code, _, err = cli(signed_db, "data", "import", str(path), "--framework", "so-co-dau")
    assert code == 0, err
    assert stored(signed_db, tmp_path)[("legacy:25361", "2023", "growth")][0] == 1.5


def test_api_and_manual_entry_refuse_fractional_counts(web) -> None:
    from chiso.store.models import IndicatorValue

    def count() -> int:
        with web.rt.db.transaction() as session:
            return len(session.scalars(select(IndicatorValue)).all())

    before = count()
    client = web.client("admin")
    body = {
        "framework": "platform-usage",
        "values": [
            {
                "unit_code": "75.SYT",
                "period": "2026-08",
                "indicator": "paperless_meetings",
                "value": 4,
            },
            {
                "unit_code": "75.SCT",
                "period": "2026-08",
                "indicator": "paperless_meetings",
                "value": 1.5,
            },
            {
                "unit_code": "75.SCT",
                "period": "2026-08",
                "indicator": "signed_docs_rate",
                "numerator": 2.5,
                "denominator": 10,
            },
        ],
    }
    response = client.post("/api/v1/values", json=body)
    assert response.status_code == 422, response.text
    text = response.text
    assert "values[1].value" in text and "paperless_meetings là số đếm" in text
    assert "values[2].numerator" in text and "tử số là số đếm" in text
    assert "values[0]" not in text
    assert count() == before
    form = client.post(
        "/data/entry",
        data={
            "csrf": web.csrf("admin"),
            "framework": "platform-usage",
            "unit": "75.SCT",
            "period": "2026-10",
            "n_signed_docs_rate": "3",
            "d_signed_docs_rate": "7,5",
            "v_paperless_meetings": "1,5",
        },
    )
    assert form.status_code == 422
    problems = html.unescape(
        "".join(re.findall(r'<ul class="problems">(.*?)</ul>', form.text, re.S))
    )
    assert "mẫu số là số đếm" in problems and "'7,5'" in problems
    assert "'1,5'" in problems
    assert count() == before
