"""The pages people use every day, in Debian's chromium at 1366 px and 390 px, as each demo account
that sees them, on `chiso demo`'s province: no horizontal overflow, no console error or CSP
violation, no serious or critical axe-core issue; the period pickers change what is shown; a bad
value in the self-assessment keeps every other typed value. Screenshots: test-artifacts/browser/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browsing import (
    DemoSite,
    Watched,
    axe_violations,
    context,
    describe_violations,
    needs_chromium,
    overflow,
    shot,
    wide_elements,
)

pytestmark = needs_chromium


def pages(site: DemoSite) -> dict[str, str]:
    return {
        "overview": "/",
        "ranking": "/ranking",
        "unit": "/units/75.SYT",
        "province": "/units/2025:75",
        "self-assessment": f"/assessments/dti-department-500/{site.year}/75.SYT",
        "data": "/data",
    }


SEEN_BY = {
    "admin": ("overview", "ranking", "unit", "province", "self-assessment", "data"),
    "evaluator": ("overview", "ranking", "unit", "self-assessment", "data"),
    "viewer": ("overview", "ranking", "unit", "province"),
    "reporter": ("unit", "self-assessment", "data"),
}


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("role", list(SEEN_BY))
def test_pages_fit_and_run_clean(
    demo_site: DemoSite, chromium: Any, axe: str, role: str, width: str
) -> None:
    """Every page the role sees: 200, not wider than the window, no console error, no CSP
    violation, no serious or critical accessibility issue (axe-core, WCAG 2.1 AA)."""
    problems: list[str] = []
    ctx = context(chromium, demo_site, role, width)
    scan = context(chromium, demo_site, role, width, bypass_csp=True)
    watched = Watched(ctx.new_page())
    scanner = scan.new_page()
    try:
        for name in SEEN_BY[role]:
            path = pages(demo_site)[name]
            response = watched.open(demo_site.base, path)
            if response.status != 200:
                problems.append(f"{name} {path}: HTTP {response.status}")
                continue
            shot(watched.page, f"{name}-{role}-{width}")
            extra = overflow(watched.page)
            if extra > 0:
                problems.append(
                    f"{name}: {extra} px wider than the window: {wide_elements(watched.page)}"
                )
            problems += [f"{name}: {e}" for e in watched.errors]
            scanner.goto(demo_site.base + path)
            scanner.wait_for_load_state("networkidle")
            found = axe_violations(scanner, axe)
            if found:
                problems.append(f"{name}: axe\n{describe_violations(found)}")
    finally:
        ctx.close()
        scan.close()
    assert not problems, "\n".join(problems)


def _first_cells(page: Any) -> str:
    return str(page.locator("main table").first.inner_text())


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_overview_period_picker_changes_the_content(
    demo_site: DemoSite, chromium: Any, width: str
) -> None:
    """Choosing another month reloads the overview (static forms.js, no inline handler) with that
    month's figures; the compared period follows."""
    ctx = context(chromium, demo_site, "viewer", width)
    watched = Watched(ctx.new_page())
    try:
        watched.open(demo_site.base, "/")
        page = watched.page
        heading, table = page.locator("h1").inner_text(), _first_cells(page)
        options = page.locator("select[name=period] option")
        assert options.count() >= 3
        target = options.nth(2)
        value, label = target.get_attribute("value"), target.inner_text()
        with page.expect_navigation():
            page.select_option("select[name=period]", value)
        page.wait_for_load_state("networkidle")
        assert f"period={value}" in page.url
        assert page.locator("h1").inner_text() != heading
        assert page.locator("h1").inner_text().endswith(label)
        assert _first_cells(page) != table
        assert page.locator("select[name=period]").input_value() == value
        assert not watched.errors, watched.errors
        shot(page, f"overview-picked-{width}")
    finally:
        ctx.close()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_ranking_period_picker_changes_the_content(
    demo_site: DemoSite, chromium: Any, width: str
) -> None:
    ctx = context(chromium, demo_site, "viewer", width)
    watched = Watched(ctx.new_page())
    try:
        watched.open(demo_site.base, "/ranking")
        page = watched.page
        heading, table = page.locator("h1").inner_text(), _first_cells(page)
        options = page.locator("select[name=period] option[value]:not([value=''])")
        assert options.count() >= 3
        value = options.nth(2).get_attribute("value")
        label = options.nth(2).inner_text()
        form = page.locator("form:has(select[name=period])")
        with page.expect_navigation():
            page.select_option("select[name=period]", value)
            if form.get_attribute("data-autosubmit") is None:
                form.locator("button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        assert f"period={value}" in page.url
        assert label in page.locator("h1").inner_text() != heading
        assert _first_cells(page) != table
        assert not watched.errors, watched.errors
    finally:
        ctx.close()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_bad_self_assessment_value_keeps_every_other_typed_value(
    demo_site: DemoSite, chromium: Any, width: str
) -> None:
    """The reporter types a value in every field, one of them wrong: the page comes back with the
    error beside that field and every other value, choice and explanation as typed."""
    ctx = context(chromium, demo_site, "reporter", width)
    watched = Watched(ctx.new_page())
    try:
        watched.open(demo_site.base, pages(demo_site)["self-assessment"])
        page = watched.page
        form = page.locator("#self-form")
        typed: dict[str, str] = {}
        texts = form.locator("input[name^='v_']")
        for i in range(texts.count()):
            field = texts.nth(i)
            name = str(field.get_attribute("name"))
            rate = field.get_attribute("data-kind") == "rate"
            typed[name] = f"{10 + i}/50" if rate else str(i % 4)
        selects = form.locator("select[name^='v_']")
        for i in range(selects.count()):
            field = selects.nth(i)
            name = str(field.get_attribute("name"))
            choices = [
                v for v in field.locator("option").evaluate_all("os => os.map(o => o.value)") if v
            ]
            typed[name] = choices[-1]
        bad = str(texts.nth(1).get_attribute("name"))
        typed[bad] = "nhiều lắm"
        for name, value in typed.items():
            if name.startswith("v_") and form.locator(f"select[name='{name}']").count():
                form.locator(f"select[name='{name}']").select_option(value)
            else:
                form.locator(f"input[name='{name}']").fill(value)
        notes = form.locator("textarea[name^='e_']")
        explanations = {}
        for i in range(notes.count()):
            name = str(notes.nth(i).get_attribute("name"))
            explanations[name] = f"Giải trình số {i + 1}: Quyết định {i + 1}/QĐ-SYT"
            notes.nth(i).fill(explanations[name])
        assert len(typed) >= 5 and selects.count() >= 1
        with page.expect_navigation():
            page.click("text=Lưu hồ sơ")
        page.wait_for_load_state("networkidle")
        shot(page, f"self-assessment-refused-{width}")
        invalid = page.locator("[aria-invalid=true]")
        assert invalid.count() == 1
        assert invalid.get_attribute("name") == bad
        message = page.locator(f"[id='err_{bad[2:]}']")
        assert message.is_visible()
        for name, value in typed.items():
            shown = page.locator(f"#self-form [name='{name}']").input_value()
            assert shown == value, (name, shown, value)
        for name, value in explanations.items():
            assert page.locator(f"#self-form [name='{name}']").input_value() == value
        assert overflow(page) <= 0, wide_elements(page)
        refused = "status of 422"  # the refused form itself answers 422, as it should
        assert [e for e in watched.errors if refused not in e] == [], watched.errors
    finally:
        ctx.close()


PRINT_WIDTH = {"portrait": 718, "landscape": 1047}
"""A4 less 10 mm margins each side at 96 px per inch: 190 mm and 277 mm."""


@pytest.mark.parametrize(
    ("name", "orientation"),
    [
        ("overview", "portrait"),
        ("ranking", "landscape"),
        ("unit", "portrait"),
        ("self-assessment", "portrait"),
        ("data", "portrait"),
    ],
)
def test_pages_print_on_a4(
    demo_site: DemoSite, chromium: Any, name: str, orientation: str, tmp_path: Any
) -> None:
    """Printed, a page shows its content and not the header, menu or forms, and every table fits
    the sheet's width (nothing cut at the right edge); the PDF is kept to be looked at."""
    import subprocess

    from tests.browsing import ARTIFACTS

    ctx = context(chromium, demo_site, "admin", "desktop")
    page = ctx.new_page()
    try:
        page.goto(demo_site.base + pages(demo_site)[name])
        page.wait_for_load_state("networkidle")
        page.emulate_media(media="print")
        page.set_viewport_size({"width": PRINT_WIDTH[orientation], "height": 1000})
        assert not page.locator("header.top").is_visible()
        assert (
            not page.locator("form.filters").first.is_visible()
            or not page.locator("form.filters").count()
        )
        assert page.locator("main h1").is_visible()
        assert overflow(page) <= 0, wide_elements(page)
        cut = page.evaluate(
            """() => [...document.querySelectorAll('main table')]
                .filter((t) => t.getBoundingClientRect().right > window.innerWidth + 1)
                .length"""
        )
        assert cut == 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pdf = ARTIFACTS / f"print-{name}.pdf"
        page.pdf(
            path=str(pdf), format="A4", landscape=orientation == "landscape", print_background=True
        )
        info = subprocess.run(
            ["pdfinfo", str(pdf)], check=True, capture_output=True, text=True
        ).stdout
        sheets = int(next(x for x in info.splitlines() if x.startswith("Pages:")).split()[1])
        assert sheets >= 1
        subprocess.run(
            ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "2", str(pdf), str(pdf)[:-4]],
            check=True,
        )
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
        assert "Đăng xuất" not in text and "Bỏ qua, đến nội dung chính" not in text
    finally:
        ctx.close()
