"""The ranking a province publishes and the map, read as a reader gets them: the page's sections,
ties, changes, missing indicators by name and orders; the CSV and XLSX read back as Vietnamese
Excel would; the map's symbols and bars with the ranking's bands; and, in Debian's chromium, the
sticky header, the phone layout and the A4-landscape print view."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from chiso.domain.formatting import fixed, signed
from chiso.domain.periods import Period
from chiso.domain.ranking_table import band
from chiso.services.dashboard import pages as dashboard
from chiso.services.units import catalogue
from chiso.services.values.importer import import_values
from tests.browsing import needs_chromium, serving
from tests.conftest import WEB_PASSWORD

PERIOD = "2026-10"
EMAIL = "Tỷ lệ cán bộ, công chức sử dụng thư điện tử công vụ"
SIGNED = {  # signing rate (%) of each department in 2026-09 and 2026-10
    "75.SYT": (90, 40),
    "75.SCT": (80, 80),
    "75.STC": (70, 80),
    "75.SXD": (60, 70),
    "75.STP": (50, 50),
}


@pytest.fixture
def ranked(web: Any, tmp_path: Path) -> Any:
    """Five departments ranked on half the points (min_coverage 0.5): Sở Công Thương and Sở Tài
    chính tie first in 2026-10, Sở Y tế falls from first to fourth, Sở Tư pháp reports no
    e-mail rate in 2026-10 (under the coverage, not ranked, "thiếu số liệu")."""
    lines = ["unit_code,period,indicator,numerator,denominator"]
    for unit, months in SIGNED.items():
        for month, rate in zip(("2026-09", PERIOD), months, strict=True):
            lines.append(f"{unit},{month},signed_docs_rate,{rate},100")
            lines.append(f"{unit},{month},online_docs_rate,50,100")
            if not (unit == "75.STP" and month == PERIOD):
                lines.append(f"{unit},{month},official_email_rate,50,100")
    path = tmp_path / "phong-ban.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_values(web.rt, path, "platform-usage")
    return web


def _table(web: Any) -> Any:
    data = dashboard.ranking(web.rt, dashboard.USAGE, Period.parse(PERIOD))
    assert data is not None
    return data.shown()


class _Sections(HTMLParser):
    """Each section's heading and its rows (unit → the text and data of its cells)."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[tuple[str, list[str]]] = []
        self.cells: dict[str, dict[str, str]] = {}
        self.text: dict[str, str] = {}
        self._unit: str | None = None
        self._h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "h2":
            self._h2 = True
            self.sections.append(("", []))
        elif tag == "tr" and "data-unit" in a:
            self._unit = a["data-unit"]
            self.sections[-1][1].append(self._unit)
            self.cells[self._unit] = {}
            self.text[self._unit] = ""
        elif tag == "td" and self._unit:
            for key in ("data-rank", "data-index", "data-rank-change"):
                if key in a:
                    self.cells[self._unit][key] = a[key]

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._unit = None
        elif tag == "h2":
            self._h2 = False

    def handle_data(self, data: str) -> None:
        if self._h2:
            name, rows = self.sections[-1]
            self.sections[-1] = (name + data, rows)
        if self._unit:
            self.text[self._unit] += data


def _page(web: Any, **params: str) -> _Sections:
    got = web.client("viewer").get("/ranking", params={"period": PERIOD, **params})
    assert got.status_code == 200, got.text
    assert "onchange" not in got.text and "<script>" not in got.text
    parser = _Sections()
    parser.feed(got.text)
    return parser


def test_the_page_shows_sections_ties_changes_and_missing_names(ranked: Any) -> None:
    table = _table(ranked)
    page = _page(ranked)
    heading, units = page.sections[0]
    assert heading.startswith("Sở, ban, ngành")
    assert units[:4] == ["75.SCT", "75.STC", "75.SXD", "75.SYT"]  # ties by name
    rows = {r.unit_code: r for r in table.rows}
    for unit in ("75.SCT", "75.STC"):
        assert page.cells[unit]["data-rank"] == "1" and "đồng hạng" in page.text[unit]
        assert rows[unit].total.tied
    assert "đồng hạng" not in page.text["75.SXD"]
    syt = rows["75.SYT"].total
    assert (syt.rank, syt.previous_rank, syt.rank_change) == (4, 1, -3)
    assert page.cells["75.SYT"]["data-rank-change"] == "-3" and "▼ 3" in page.text["75.SYT"]
    assert syt.points_change is not None and syt.points_change < 0
    assert signed(syt.points_change, 4) in page.text["75.SYT"]  # "−10,5263", a true minus
    assert page.cells["75.SYT"]["data-index"] == str(syt.index)
    assert fixed(syt.index or 0, 4) in page.text["75.SYT"]
    assert "▲ 2" in page.text["75.STC"]
    stp = page.text["75.STP"]
    assert page.cells["75.STP"]["data-rank"] == ""
    assert "thiếu số liệu: 6 chỉ số (" in stp and EMAIL in stp and "official_email_rate" not in stp


def test_rows_are_lean_and_their_labels_a_kept_stylesheet(ranked: Any) -> None:
    """No classes or labels per cell: the row carries the index's band, the phone labels come
    from one stylesheet per framework and language, kept by the browser by its digest."""
    client = ranked.client("viewer")
    text = client.get("/ranking", params={"period": PERIOD}).text
    body = text[text.index("<tbody>") : text.rindex("</tbody>")]
    assert "data-label" not in body and 'class="num' not in body
    table = _table(ranked)
    for r in table.rows:
        tone = band(r.total.index, table.framework.legend)
        row = re.search(rf'<tr data-unit="{re.escape(r.unit_code)}"( class="([^"]*)")?>', body)
        assert row is not None and (f"b-{tone}" in (row[2] or "").split()) == (tone is not None)
    for language, first in (("vi", "Hạng"), ("en", "Rank")):
        page = client.get("/ranking", params={"period": PERIOD, "lang": language}).text
        href = re.search(r'href="(/ranking/labels/platform-usage\.css[^"]*)"', page)
        assert href is not None
        sheet = client.get(href[1].replace("&amp;", "&"))
        assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/css")
        assert "immutable" in sheet.headers["cache-control"]
        assert f'td:nth-child(1)::before {{ content: "{first}"; }}' in sheet.text
        names = [n.name for n in table.columns]
        for n, name in enumerate(names, start=8):
            assert f'td:nth-child({n})::before {{ content: "{name}"; }}' in sheet.text
        again = client.get(
            href[1].replace("&amp;", "&"), headers={"if-none-match": sheet.headers["etag"]}
        )
        assert again.status_code == 304
    unversioned = client.get("/ranking/labels/platform-usage.css")
    assert "immutable" not in unversioned.headers["cache-control"]
    assert ranked.client(None).get("/ranking/labels/platform-usage.css").status_code in (303, 401)
    assert client.get("/ranking/labels/khong-co.css").status_code == 404


def test_falls_first_and_gains_first(ranked: Any) -> None:
    falls = _page(ranked, sort="falls").sections[0][1]
    assert falls[0] == "75.SYT"
    gains = _page(ranked, sort="gains").sections[0][1]
    # +2 first; then +1 with the bigger gain in points (Sở Xây dựng 60 → 70%) before +1 without
    assert gains[:3] == ["75.STC", "75.SXD", "75.SCT"]
    assert gains.index("75.SYT") > gains.index("75.SCT")  # the fall after every gain
    assert _page(ranked, sort="change").sections[0][1] == gains  # older links still work
    by_name = _page(ranked, sort="name").sections[0][1]
    assert by_name.index("75.SCT") < by_name.index("75.SYT")


def _csv_rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def test_csv_opens_in_vietnamese_excel(ranked: Any) -> None:
    table = _table(ranked)
    got = ranked.client("viewer").get("/ranking.csv", params={"period": PERIOD})
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/csv; charset=utf-8")
    first = got.text[1:].splitlines()[0]
    assert first.split(";")[:5] == [
        "Nhóm xếp hạng",
        "Hạng",
        "Đồng hạng",
        "Mã đơn vị",
        "Cơ quan, đơn vị",
    ]
    assert (
        "Thay đổi hạng (+ là tăng)" in first and EMAIL in first and "," not in first.split(";")[1]
    )
    rows = {r["Mã đơn vị"]: r for r in _csv_rows(got.text)}
    for r in table.rows:
        row, t = rows[r.unit_code], r.total
        assert row["Hạng"] == (str(t.rank) if t.rank is not None else "Không xếp hạng")
        if t.index is not None:
            assert row["Chỉ số"] == fixed(t.index, 4).rstrip("0").rstrip(",")
            assert float(row["Chỉ số"].replace(",", ".")) == t.index
            assert "." not in row["Chỉ số"] and "." not in row["Điểm"]
    syt = rows["75.SYT"]
    assert syt["Thay đổi hạng (+ là tăng)"] == "-3" and syt["Hạng kỳ trước"] == "1"
    change = next(k for k in syt if k.startswith("Thay đổi điểm"))
    assert change == "Thay đổi điểm (so với tháng 9/2026)"
    assert syt[change].startswith("-") and "," in syt[change]
    assert rows["75.SCT"]["Đồng hạng"] == "đồng hạng" and rows["75.SXD"]["Đồng hạng"] == ""
    assert EMAIL in rows["75.STP"]["Thiếu số liệu"]


def test_xlsx_has_vietnamese_headers_and_the_pages_numbers(ranked: Any, tmp_path: Path) -> None:
    table = _table(ranked)
    got = ranked.client("viewer").get("/ranking.xlsx", params={"period": PERIOD})
    assert got.status_code == 200
    path = tmp_path / "xh.xlsx"
    path.write_bytes(got.content)
    book = load_workbook(path)
    ws = book["Sở, ban, ngành"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["Nhóm xếp hạng", "Hạng", "Đồng hạng", "Mã đơn vị", "Cơ quan, đơn vị"]
    assert ws.freeze_panes == "F2" and ws.page_setup.orientation == "landscape"
    at = {name: header.index(name) for name in header}
    rows = {str(r[at["Mã đơn vị"]]): r for r in ws.iter_rows(min_row=2, values_only=True)}
    for r in table.in_group("so-ban-nganh"):
        row = rows[r.unit_code]
        assert row[at["Chỉ số"]] == r.total.index
        assert row[at["Hạng"]] == (r.total.rank if r.total.rank is not None else "Không xếp hạng")
    assert rows["75.SYT"][at["Thay đổi hạng (+ là tăng)"]] == -3
    assert rows["75.STC"][at["Đồng hạng"]] == "đồng hạng"
    assert EMAIL in rows["75.STP"][at["Thiếu số liệu"]]


def test_map_symbols_and_bars_follow_the_rankings_bands(ranked: Any, tmp_path: Path) -> None:
    found = catalogue.list_units(ranked.rt, catalogue.ListQuery(kind="commune", parent="2025:75"))
    communes = [u.key for u in found if u.latitude is not None][:3]
    lines = ["unit_code,period,indicator,numerator,denominator"]
    for unit, rate in zip(communes, (95, 60, 20), strict=True):
        for code in ("signed_docs_rate", "online_docs_rate", "official_email_rate"):
            lines.append(f"{unit},{PERIOD},{code},{rate},100")
    path = tmp_path / "xa.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_values(ranked.rt, path, "platform-usage")

    got = ranked.client("viewer").get("/map", params={"period": PERIOD})
    assert got.status_code == 200
    html = got.text
    assert (
        "onchange" not in html and "<script>" not in html and "http" not in html.split("<main")[1]
    )
    data = dashboard.ranking(ranked.rt, dashboard.USAGE, Period.parse(PERIOD))
    assert data is not None
    rows = {r.unit_code: r for r in data.rows()}
    legend = data.framework.legend
    circles = {
        unit: b for b, unit in re.findall(r'<circle class="sym (\w+)" data-unit="([^"]+)"', html)
    }
    assert set(circles) == set(communes)
    assert {circles[u] for u in communes} == {"high", "mid", "low"}
    for unit, colour in circles.items():
        assert colour == band(rows[unit].total.index, legend)
        assert f'<a href="/units/{unit}"' in html
        assert rows[unit].unit_name.split(" ", 1)[1] in html  # labelled with its name
    for svg in re.findall(r"<svg class=\"(?:map|bars)\".*?</svg>", html, re.S):
        root = ET.fromstring(svg)  # well-formed, only drawing and links, nothing that runs
        for element in root.iter():
            assert element.tag not in {"script", "foreignObject", "style", "image"}, element.tag
            for name, value in element.attrib.items():
                assert not name.startswith("on") and name != "style", name
                assert name != "href" or value.startswith("/units/"), value
    bars = re.findall(r'<rect class="bar (\w+)" data-unit="([^"]+)"', html)
    listed = [unit for _, unit in bars]
    assert listed[:4] == ["75.SCT", "75.STC", "75.SXD", "75.SYT"]  # best index first
    assert "75.STP" not in listed and "Chưa có chỉ số kỳ này" in html
    for colour, unit in bars:
        assert colour == band(rows[unit].total.index, legend)
    assert 'class="band band-low"' in html  # the ranking page's legend colours
    before = ranked.client("viewer").get("/map", params={"period": "2026-09"}).text
    assert "tháng 9/2026" in before.split("</h1>")[0]
    assert '<option value="2026-09" selected' in before
    assert not re.findall(r'<circle class="sym', before)  # no commune had values then


ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"


@pytest.fixture
def generated(ranked: Any) -> Any:
    """Two months of generated records for every unit of the demo province (109 rows)."""
    from chiso.services import facts
    from chiso.services.generate import GenerateRequest, generate

    generate(ranked.rt, GenerateRequest(months=2, end=PERIOD, seed=3, documents=2000))
    for month in ("2026-09", PERIOD):
        facts.compute(ranked.rt, month)
    return ranked


@pytest.fixture
def served(generated: Any) -> Iterator[str]:
    with serving(generated.app) as base:
        yield base


@needs_chromium
def test_in_the_browser_sticky_header_phone_and_print(
    served: str, browser: Any, tmp_path: Path
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1366, 768), (390, 844)):
        page = browser.new_page(viewport={"width": width, "height": height})
        errors: list[str] = []
        page.on(
            "console",
            lambda m, seen=errors: (
                seen.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource")
                else None
            ),
        )
        page.on(
            "response",
            lambda r, seen=errors: (
                seen.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico")
                else None
            ),
        )
        page.goto(f"{served}/login")
        page.fill("input[name=username]", "viewer")
        page.fill("input[name=password]", WEB_PASSWORD)
        page.click("form button[type=submit]")
        page.goto(f"{served}/ranking?period={PERIOD}&all_groups=true")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        index = page.locator("tr[data-unit='75.SCT'] td[data-index]")
        box = index.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width
        assert re.fullmatch(r"\d,\d{4}", index.inner_text().strip())
        assert index.evaluate("e => e.scrollWidth <= e.clientWidth + 1")  # not cut
        if width == 1366:
            section = page.locator("section.rank-group").first
            section.locator("table").evaluate(
                "t => window.scrollBy(0, t.getBoundingClientRect().top + 300)"
            )
            table, head = section.locator("table").bounding_box(), section.locator("th").first
            top = head.bounding_box()
            assert table is not None and table["y"] < -250  # the table's top scrolled away
            assert top is not None and abs(top["y"]) < 2  # its header stays in view
            page.screenshot(path=str(ARTIFACTS / "ranking-sticky-1366.png"))
            page.goto(f"{served}/ranking?period={PERIOD}&all_groups=true")
            pdf = tmp_path / "xep-hang.pdf"
            page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
            info = subprocess.run(
                ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
            ).stdout
            size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
            assert size is not None and float(size[1]) > float(size[2])  # A4 landscape
            assert abs(float(size[1]) - 842) < 2
            pages = int(re.search(r"Pages:\s+(\d+)", info)[1])  # type: ignore[index]
            assert pages >= 3
            for n in range(1, pages + 1):
                text = subprocess.run(
                    ["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                assert "Hạng" in text and "Cơ quan, đơn vị" in text, n  # header on each page
                assert "Ban hành kế" in text, n  # the last column is not cut
                assert "Đăng xuất" not in text
            shutil.copy(pdf, ARTIFACTS / "ranking-print.pdf")
        else:
            page.screenshot(path=str(ARTIFACTS / "ranking-390.png"), full_page=False)
        page.goto(f"{served}/map?period={PERIOD}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        label = page.locator("svg.map text.lbl").first.bounding_box()
        assert label is not None and label["height"] >= 8, label  # readable on a phone too
        if width == 390:  # the map scrolls in its own box, the page does not
            assert page.locator(".map-scroll").evaluate("e => e.scrollWidth > e.clientWidth")
        first = page.locator("svg.bars a").first
        href = first.get_attribute("href")
        first.click()
        assert href and page.url.endswith(href)
        assert page.locator("h1").inner_text()
        assert not errors, errors
        page.close()
