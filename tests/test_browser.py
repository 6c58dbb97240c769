"""The application in a real browser (Debian's chromium driven by Playwright): log in, read the
overview and the ranking, upload a bad file and see its errors, upload a good one and see the
ranking change, download a letter. Screenshots go to test-artifacts/ to be looked at."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browsing import serving
from tests.conftest import WEB_PASSWORD

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian chromium is installed by make test"
)


@pytest.fixture
def server(web: Any) -> Iterator[str]:
    with serving(web.app) as base:
        yield base


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(page: Any, base: str, user: str) -> None:
    page.goto(base + "/")
    assert "/login" in page.url
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", WEB_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def sct_index(page: Any) -> str:
    row = page.locator("tr", has=page.locator("a", has_text="Sở Công Thương"))
    return str(row.locator("td").nth(7).inner_text())


def test_admin_journey(server: str, browser: Any, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    login(page, server, "admin")
    assert (
        page.locator("h1")
        .inner_text()
        .startswith("Tổng quan sử dụng nền tảng dùng chung — tháng 10/2026")
    )
    assert (
        page.locator(".card", has_text="Tỷ lệ văn bản điện tử được ký số")
        .locator(".value")
        .inner_text()
        == "60%"
    )
    page.wait_for_selector(".chart svg", timeout=15000)
    shot(page, "01-overview")

    page.click("nav >> text=Xếp hạng")
    page.wait_for_load_state("networkidle")
    assert (
        "Xếp hạng — Theo dõi sử dụng nền tảng dùng chung, tháng 10/2026"
        in page.locator("h1").inner_text()
    )
    before = sct_index(page)
    assert before == "0,3158"  # one indicator of eight: under min_coverage, no index, no rank
    shot(page, "02-ranking")

    page.click("nav >> text=Số liệu")
    bad = tmp_path / "sai.csv"
    bad.write_text(
        "unit_code,period,indicator,numerator,denominator\n75.SCT,2026-10,signed_docs_rate,130,100\nSở Không Có,2026-10,signed_docs_rate,1,2\n",
        encoding="utf-8",
    )
    page.set_input_files("input[type=file]", str(bad))
    page.select_option("select[name=framework]", "platform-usage")
    page.select_option("select[name=mode]", "import")
    page.click("form[action='/data/upload'] button")
    page.wait_for_load_state("networkidle")
    errors = page.locator(".problems li").all_inner_texts()
    assert any("dòng 2, cột numerator: tử số 130 lớn hơn mẫu số 100" in e for e in errors)
    assert any("không tìm thấy đơn vị 'Sở Không Có'" in e for e in errors)
    shot(page, "03-upload-errors")

    good = tmp_path / "dung.csv"
    good.write_text(
        "unit_code,period,indicator,numerator,denominator\n75.SCT,2026-10,signed_docs_rate,99,100\n",
        encoding="utf-8",
    )
    page.set_input_files("input[type=file]", str(good))
    page.select_option("select[name=framework]", "platform-usage")
    page.select_option("select[name=mode]", "import")
    page.click("form[action='/data/upload'] button")
    page.wait_for_load_state("networkidle")
    assert "Đã lưu: dung.csv" in page.locator("p.ok").inner_text()
    assert (
        "30/100" in page.locator("table").inner_text()
        and "99/100" in page.locator("table").inner_text()
    )
    shot(page, "04-upload-ok")

    page.goto(server + "/ranking")
    after = sct_index(page)
    assert after != before
    row = page.locator("tr", has=page.locator("a", has_text="Sở Công Thương"))
    assert row.locator("td[data-rank]").inner_text() == "—" and "thiếu số liệu" in row.inner_text()
    shot(page, "05-ranking-after")

    page.goto(server + "/documents?kind=letter")
    page.fill(
        "#spec-text",
        "type: letter\ndate: 2026-11-05\nperiod: 2026-10\nfindings: [signed_docs_rate]\n",
    )
    with page.expect_download() as download_info:
        page.locator("button[value='docx']").click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(str(saved))
    assert saved.suffix == ".docx"
    from docx import Document

    text = " ".join(p.text for p in Document(str(saved)).paragraphs)
    assert "tháng 10/2026" in text
    shot(page, "06-documents")


def test_reporter_sees_only_their_unit(server: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    login(page, server, "reporter")
    assert page.url.endswith("/units/75.SYT")
    assert page.locator("h1").inner_text().startswith("Sở Y tế")
    shot(page, "07-reporter-phone")
    page.goto(server + "/ranking")
    assert "Không có quyền" in page.locator("h1").inner_text()
    page.goto(server + "/units/75.SCT")
    assert "Không có quyền" in page.locator("h1").inner_text()


def _context_page(browser: Any, base: str, user: str) -> Any:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(page, base, user)
    return page


def _forged_move(page: Any, url: str, move: str) -> Any:
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    return page.request.post(url + "/move", form={"csrf": csrf, "move": move, "reason": "thử"})


def test_assessment_cycle_in_the_browser(
    server: str, browser: Any, web: Any, tmp_path: Path
) -> None:
    from concurrent.futures import ThreadPoolExecutor
    from datetime import date, timedelta

    from chiso.services.assessments import rounds
    from tests import signing

    today = date.today()
    year = str(today.year)
    rounds.open_round(
        web.rt, "dti-department-500", year, today - timedelta(days=2), today + timedelta(days=5)
    )
    pki = signing.make_pki()
    pki.write_trust(web.rt.settings.data_dir / "trust")
    pdf = tmp_path / "quy-che-ky-so.pdf"
    with ThreadPoolExecutor(max_workers=1) as pool:  # pyHanko runs its own event loop
        pdf.write_bytes(pool.submit(signing.closed_loop_pdf, pki).result())
    url = f"{server}/assessments/dti-department-500/{year}/75.SYT"

    reporter = _context_page(browser, server, "reporter")
    reporter.click("nav >> text=Tự đánh giá")
    reporter.click("a:has-text('Sở Y tế')")
    assert reporter.locator("[data-status]").inner_text() == "Đang soạn"
    reporter.select_option("select[name='v_2.1']", "có")
    reporter.fill("textarea[name='e_2.1']", "Quyết định 12/QĐ-SYT ban hành quy chế")
    reporter.set_input_files("input[name='f_2.1']", str(pdf))
    reporter.fill("input[name='v_4.3']", "45/50")
    reporter.click("text=Lưu hồ sơ")
    assert (
        reporter.locator("[data-signature=closed-loop]")
        .inner_text()
        .startswith("Hợp lệ, ký số khép kín")
    )
    assert reporter.locator("button[data-move=verify]").count() == 0
    assert _forged_move(reporter, url, "verify").status == 422
    reporter.click("button[data-move=submit]")
    assert reporter.locator("[data-status]").inner_text() == "Đã nộp, chờ thẩm định"
    shot(reporter, "10-assessment-submitted")

    evaluator = _context_page(browser, server, "evaluator")
    evaluator.goto(url)
    assert "Nguyễn Văn An" in evaluator.locator(".evidence").inner_text()
    evaluator.locator("form:has(button[data-move=return]) input[name=reason]").fill(
        "Thiếu danh sách chứng thư 4.3"
    )
    evaluator.click("button[data-move=return]")
    assert evaluator.locator("[data-status]").inner_text() == "Bị trả lại để bổ sung"

    reporter.goto(url)
    assert "Thiếu danh sách chứng thư 4.3" in reporter.locator("[role=note]").inner_text()
    reporter.fill("input[name='v_4.3']", "47/50")
    reporter.click("text=Lưu hồ sơ")
    reporter.click("button[data-move=submit]")

    evaluator.goto(url)
    evaluator.select_option("select[name=code]", "4.3")
    evaluator.select_option("select[name=decision]", "adjust")
    evaluator.fill("form:has(select[name=decision]) input[name=value]", "40/50")
    evaluator.fill("form:has(select[name=decision]) input[name=reason]", "10 chứng thư đã hết hạn")
    evaluator.click("text=Ghi kết quả")
    evaluator.click("text=Chấp nhận các chỉ số chưa xét")
    evaluator.click("button[data-move=verify]")
    evaluator.click("button[data-move=approve]")
    assert evaluator.locator("[data-status]").inner_text() == "Đã phê duyệt (khóa)"
    totals = evaluator.locator(".totals").inner_text()
    assert "Điểm tự chấm 33,8" in totals and "Điểm sau thẩm định 31" in totals
    forged = _forged_move(evaluator, url, "publish")
    assert forged.status == 422 and "không được" in forged.text()
    shot(evaluator, "11-assessment-approved")

    admin = _context_page(browser, server, "admin")
    admin.goto(url)
    admin.click("button[data-move=publish]")
    assert admin.locator("[data-status]").inner_text() == "Đã công bố"
    admin.goto(f"{server}/ranking?framework=dti-department-500&period={year}")
    row = admin.locator("tr", has=admin.locator("a", has_text="Sở Y tế"))
    assert row.count() == 1 and "31" in row.inner_text()
    shot(admin, "12-ranking-after-publication")
