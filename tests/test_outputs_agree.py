"""Every output of a ranking says the same thing: for the demo province with two months of
generated records and values, the ranking page (HTML parsed), the ranking CSV and XLSX,
`/api/v1/rankings`, the ranking decision's XLSX and `chiso evaluate --format csv` on the
exported values and units give every unit the same index and the same rank; the province
(only the roll-up of its units) is in none of them, nor counted as a reporter."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from openpyxl import load_workbook

from chiso.documents.decision import write_xlsx
from chiso.domain.evaluation import evaluate
from chiso.domain.frameworks import TOTAL
from chiso.domain.periods import Period
from chiso.domain.ranking import round_half_up
from chiso.domain.units import UnitInfo
from chiso.errors import UsageError
from chiso.io.evaluation_output import HEADER, long_rows
from chiso.services import facts
from chiso.services.generate import GenerateRequest, generate
from chiso.services.scoring.evaluations import Inputs, Options, evaluate_inputs
from chiso.services.values.reporting import completeness
from chiso.web.api import _ranking_row
from tests.test_engine_properties import Case, cases

PERIOD = "2026-10"
PROVINCE = "2025:75"
Outputs = dict[str, tuple[float | None, int | None]]
"""unit key → (index as published, rank)."""


class _RankingPage(HTMLParser):
    """The rows of the ranking page's table: unit, rank and index from the cells' data."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self._unit: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and a.get("data-unit"):
            self._unit = a["data-unit"]
            self.rows[self._unit or ""] = {}
        elif tag == "td" and self._unit is not None:
            for key in ("data-rank", "data-index"):
                if key in a:
                    self.rows[self._unit][key] = a[key] or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._unit = None


def _number(text: object) -> float | None:
    return None if text in ("", None) else float(str(text))


def _rank(text: object) -> int | None:
    return None if text in ("", None, "Không xếp hạng") else int(float(str(text)))


@pytest.fixture
def demo(web: Any) -> Any:
    rt = web.rt
    generate(rt, GenerateRequest(months=2, end=PERIOD, seed=3, documents=4000))
    for month in ("2026-09", PERIOD):
        facts.compute(rt, month)
    return web


def _page(web: Any) -> Outputs:
    html = web.client("viewer").get("/ranking", params={"period": PERIOD})
    assert html.status_code == 200
    parser = _RankingPage()
    parser.feed(html.text)
    assert "thiếu số liệu" in html.text
    return {
        unit: (_number(cells["data-index"]), _rank(cells["data-rank"]))
        for unit, cells in parser.rows.items()
    }


def _csv(web: Any) -> Outputs:
    got = web.client("viewer").get("/ranking.csv", params={"period": PERIOD})
    assert got.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(got.text[1:]), delimiter=";"))
    return {
        r["Mã đơn vị"]: (_number(r["Chỉ số"].replace(",", ".")), _rank(r["Hạng"])) for r in rows
    }


def _xlsx(content: bytes, path: Path) -> Outputs:
    path.write_bytes(content)
    out: Outputs = {}
    for ws in load_workbook(path).worksheets:
        header = [c.value for c in ws[1]]
        at = {name: header.index(name) for name in ("Hạng", "Chỉ số", "Mã đơn vị")}
        for row in ws.iter_rows(min_row=2, values_only=True):
            out[str(row[at["Mã đơn vị"]])] = (_number(row[at["Chỉ số"]]), _rank(row[at["Hạng"]]))
    return out


def _api(web: Any) -> Outputs:
    body = web.client("viewer").get("/api/v1/rankings", params={"period": PERIOD}).json()
    assert body["period"] == PERIOD
    return {r["unit"]: (r["index"], r["rank"]) for r in body["rows"]}


def _evaluate(cli: Any, url: str, tmp_path: Path) -> tuple[Outputs, dict[str, str]]:
    values, units = tmp_path / "values.csv", tmp_path / "units.csv"
    assert cli(url, "data", "export", "--framework", "platform-usage", "--out", str(values))[0] == 0
    assert cli(url, "units", "export", "--on", "2026-10-31", "--out", str(units))[0] == 0
    code, out, err = cli(
        url,
        "evaluate",
        *("--framework", "platform-usage", "--values", str(values), "--units", str(units)),
        *("--period", PERIOD, "--format", "csv"),
    )
    assert code == 0, err
    rows = [r for r in csv.DictReader(io.StringIO(out)) if r["node_code"] == TOTAL]
    groups = {r["unit_code"]: r["ranking_group"] for r in rows}
    return {r["unit_code"]: (_number(r["index"]), _rank(r["rank"])) for r in rows}, groups


def test_every_output_gives_each_unit_the_same_index_and_rank(
    demo: Any, cli: Any, province_db: str, tmp_path: Path
) -> None:
    web = demo
    viewer = web.client("viewer")
    page = _page(web)
    outputs = {
        "csv": _csv(web),
        "xlsx": _xlsx(
            viewer.get("/ranking.xlsx", params={"period": PERIOD}).content, tmp_path / "r.xlsx"
        ),
        "api": _api(web),
    }
    decision = tmp_path / "qd.docx"
    code, _, err = cli(province_db, "report", "ranking", "--period", PERIOD, "--out", str(decision))
    assert code == 0, err
    outputs["decision"] = _xlsx(decision.with_suffix(".xlsx").read_bytes(), tmp_path / "d.xlsx")
    evaluated, groups = _evaluate(cli, province_db, tmp_path)
    # the pages and decisions show the ranked groups; `chiso evaluate` lists every group
    outside = {u for u, g in groups.items() if g == "Ngoài các nhóm xếp hạng"}
    outputs["evaluate"] = {u: v for u, v in evaluated.items() if u not in outside}

    assert len(page) > 50
    assert PROVINCE not in page and PROVINCE not in evaluated
    ranks = [rank for _, rank in page.values() if rank is not None]
    assert len(ranks) > 50 and min(ranks) == 1
    for name, found in outputs.items():
        assert found == page, name

    unit, (index, rank) = next((u, v) for u, v in sorted(page.items()) if v[1] is not None)
    html = viewer.get(f"/units/{unit}").text
    marker = 'class="standing" data-rank="'
    at = html.index(marker) + len(marker)
    assert html[at : html.index('"', at)] == str(rank)
    assert f'data-index="{index}"' in html[at:]

    reporters = completeness(web.rt, "platform-usage", PERIOD)
    assert PROVINCE not in {r.unit_key for r in reporters}
    assert {r.unit_key for r in reporters if r.status != "missing"} >= set(page) - outside


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=cases())
def test_same_inputs_same_rank_in_every_output_and_inside_its_own_interval(
    case: Case, tmp_path: Path
) -> None:
    """Through the evaluation service: with no noise and no weight perturbation each unit's
    5–95% interval is its rank; the domain's evaluation, `chiso evaluate`'s rows, the API's
    rows and the decision's XLSX give the same rank and the same published index."""
    f, units = case
    names = {"g1": "Nhóm 1", "g2": "Nhóm 2"}
    f = replace(
        f,
        ranking_groups=tuple(replace(g, unit_groups=(names[g.code],)) for g in f.ranking_groups),
    )
    period = Period.parse("2025")
    inputs = Inputs(
        f,
        {u.code: UnitInfo(key=u.code, name=u.name, groups=(names[u.group],)) for u in units},
        scoped=False,
    )
    for u in units:
        for code, value in u.values.items():
            inputs.stored[(u.code, code)][period] = value
    given_values = [replace(u, ranked=True) for u in units if u.values]
    if not given_values:
        with pytest.raises(UsageError):
            evaluate_inputs(inputs, period, Options())
        return
    report = evaluate_inputs(inputs, period, Options(draws=8, weight_spread=0.0))
    alone = evaluate(f, given_values, str(period)).by_unit()
    expected = {
        code: (
            round_half_up(r.total.index, f.precision) if r.total.index is not None else None,
            r.ranks.get(TOTAL),
        )
        for code, r in alone.items()
    }
    for code, band in report.intervals.items():
        assert band.p05 == band.median == band.p95 == expected[code][1]
    assert set(report.intervals) == {c for c, (_, rank) in expected.items() if rank is not None}
    rows = [dict(zip(HEADER, r, strict=True)) for r in long_rows(report.table)]
    evaluated = {r["unit_code"]: (r["index"], r["rank"]) for r in rows if r["node_code"] == TOTAL}
    api = {
        r.unit_code: (_ranking_row(r)["index"], _ranking_row(r)["rank"]) for r in report.table.rows
    }
    path = tmp_path / "qd.xlsx"
    write_xlsx(path, report.table)
    assert evaluated == api == _xlsx(path.read_bytes(), tmp_path / "copy.xlsx") == expected
