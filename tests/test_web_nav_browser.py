"""Search, drill-down, unit pages and manual entry in a real browser (Debian's chromium through
Playwright) at 1366 and 390 px: nothing wider than the screen, no console error, the charts
drawn one per indicator inside their boxes. Screenshots go to test-artifacts/nav-*.png."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.browsing import serving
from tests.conftest import WEB_PASSWORD
from tests.test_web_nav import _add_son_ha, _full_months

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
WIDTHS = (1366, 390)
pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian chromium is installed by make test"
)


@pytest.fixture
def server(web: Any, tmp_path: Path) -> Iterator[str]:
    _add_son_ha(web, tmp_path)
    _full_months(web)
    with serving(web.app) as base:
        yield base


class Watched:
    """A logged-in page that records console errors and failed requests."""

    def __init__(self, browser: Any, base: str, user: str, width: int) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 844})
        self.page = self.context.new_page()
        self.width = width
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "response",
            lambda r: (
                self.errors.append(f"{r.status} {r.url}")
                if r.status >= 400
                and r.request.resource_type != "document"  # a refused form answers 422 on purpose
                and not r.url.endswith("/favicon.ico")
                else None
            ),
        )
        self.page.goto(base + "/login")
        self.page.fill("input[name=username]", user)
        self.page.fill("input[name=password]", WEB_PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def fits(self) -> None:
        """No horizontal scrolling of the whole page, and no console error so far."""
        wide = self.page.evaluate("document.documentElement.scrollWidth")
        assert wide <= self.width, f"{self.page.url} is {wide} px wide at {self.width}"
        # a failed request is recorded with its address by the response handler (the browser's
        # own /favicon.ico aside); the console's anonymous line about it is left out
        console = [e for e in self.errors if not e.startswith("Failed to load resource")]
        assert console == [], console

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"nav-{name}-{self.width}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_search_from_the_header(server: str, browser: Any, width: int) -> None:
    w = Watched(browser, server, "viewer", width)
    page = w.page
    page.goto(server + "/ranking")
    page.fill("#top-q", "son ha")
    page.press("#top-q", "Enter")
    page.wait_for_load_state("networkidle")
    assert "/search?q=son+ha" in page.url
    names = page.locator("ul.hits li > a").all_inner_texts()
    assert set(names[:2]) == {"Xã Sơn Hà", "Xã Sơn Hạ"}, names
    w.fits()
    w.shot("search")
    page.fill("#top-q", "phuoc an")
    page.press("#top-q", "Enter")
    page.wait_for_load_state("networkidle")
    first = page.locator("ul.hits li").first
    assert (
        first.locator("a").inner_text() == "Xã Phước An"
        and "trước sắp xếp" not in first.inner_text()
    )
    assert page.locator("ul.hits li .tag.old").count() >= 2
    w.fits()
    w.shot("search-old")
    page.locator("ul.hits li a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Xã Phước An"
    w.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_province_to_group_to_unit(server: str, browser: Any, width: int) -> None:
    w = Watched(browser, server, "viewer", width)
    page = w.page
    page.goto(server + "/units/2025:75?period=2026-10")
    page.wait_for_load_state("networkidle")
    rows = page.locator("table.children").first.locator("tbody tr")
    assert rows.count() == 14  # every department: the three with values first, by rank
    names = [rows.nth(i).locator("td a").inner_text() for i in range(3)]
    assert names == ["Sở Y tế", "Sở Tài chính", "Sở Công Thương"], names
    assert "chưa có số liệu kỳ này" in rows.nth(3).inner_text()
    w.fits()
    w.shot("province")
    page.click("h3 a:has-text('Sở, ban, ngành')")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("Sở, ban, ngành")
    trail = page.locator("nav.crumbs li").all_inner_texts()
    assert [t.strip(" ›") for t in trail] == ["Tổng quan", "Tỉnh Đồng Nai", "Sở, ban, ngành"]
    w.fits()
    w.shot("group")
    page.click("table.children a:has-text('Sở Y tế')")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Sở Y tế"
    trail = page.locator("nav.crumbs li").all_inner_texts()
    assert [t.strip(" ›") for t in trail] == [
        "Tổng quan",
        "Tỉnh Đồng Nai",
        "Sở, ban, ngành",
        "Sở Y tế",
    ]
    charts = page.locator(".indicator .chart svg")
    charts.first.wait_for()
    page.wait_for_function("document.querySelectorAll('.indicator .chart svg').length == 8")
    # each chart inside its own box: nothing (axis, title) cut at the box's edge
    boxes = page.evaluate(
        """[...document.querySelectorAll('.indicator')].map(b => {
             const s = b.querySelector('.chart svg'); const r = b.getBoundingClientRect();
             const c = s.getBoundingClientRect();
             return [c.left >= r.left - 1, c.right <= r.right + 1, c.width > 150];
           })"""
    )
    assert boxes and all(all(b) for b in boxes), boxes
    signed = page.locator(".indicator[data-code=signed_docs_rate]")
    assert "90% (90/100)" in signed.inner_text() and "+10 điểm %" in signed.inner_text()
    w.fits()
    w.shot("unit")
    # the period picker works without script
    page.select_option("form.period select", "2026-09")
    page.click("form.period button")
    page.wait_for_load_state("networkidle")
    assert "Các chỉ số tháng 9/2026" in page.locator("main").inner_text()
    w.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_manual_entry_keeps_typed_values_and_saves(
    server: str, browser: Any, web: Any, width: int
) -> None:
    from chiso.store.models import IndicatorValue, Unit

    w = Watched(browser, server, "reporter", width)
    page = w.page
    page.goto(server + "/data?period=2026-10#nhap-tay")
    page.wait_for_load_state("networkidle")
    form = page.locator("#entry-form")
    assert form.locator("tbody tr").count() == 8
    assert form.locator("input[name=n_signed_docs_rate]").input_value() == "90"
    w.fits()
    w.shot("entry")
    form.locator("input[name=n_signed_docs_rate]").fill("93")
    form.locator("input[name=v_paperless_meetings]").fill("mười hai")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    form = page.locator("#entry-form")
    assert form.locator("input[name=n_signed_docs_rate]").input_value() == "93"
    assert form.locator("input[name=v_paperless_meetings]").input_value() == "mười hai"
    beside = form.locator("tr[data-code=paperless_meetings] .field-error")
    assert beside.count() == 1 and beside.is_visible()
    w.fits()
    w.shot("entry-refused")
    form.locator("input[name=v_paperless_meetings]").fill("12")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "Đã lưu" in page.locator("main").inner_text()
    with web.rt.db.transaction() as session:
        syt = session.scalar(select(Unit.id).where(Unit.key == "75.SYT"))
        stored = {
            v.indicator: v
            for v in session.scalars(
                select(IndicatorValue).where(
                    IndicatorValue.unit_id == syt, IndicatorValue.period == "2026-10"
                )
            )
        }
    assert stored["signed_docs_rate"].numerator == 93
    assert stored["paperless_meetings"].number == 12
    w.fits()
    w.close()
