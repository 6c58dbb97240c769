"""The documents page as a reviewer found it: the letter lists each unit under the heading of its
own kind and says a count once, the page fits a 390 px phone, the letter defaults to the newest
period with values, downloads carry a Vietnamese name with the period, and the YAML help names
the frameworks and signers the clerk can pick."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from docx import Document

from chiso.domain.findings import clerk_list, unit_figure
from tests.browsing import needs_chromium, serving, wide_elements
from tests.conftest import WEB_PASSWORD
from tests.test_documents import RATE

HEADINGS = re.compile(r"(các sở, ban, ngành|UBND các [^:;()]+|các (?:xã|phường)[^:;()]*):")


def test_a_department_is_never_listed_under_the_communes_heading() -> None:
    units = [
        unit_figure("a", "Xã Bình Phước", "commune", "", 0.1),
        unit_figure("b", "Sở Y tế", "department", "", 0.2),
        unit_figure("c", "Phường Xuân Bắc", "commune", "", 0.3),
        unit_figure("d", "Sở Tài chính", "department", "", 0.4),
        unit_figure("e", "Công an tỉnh", None, "", 0.5),
    ]
    listed = clerk_list(units, RATE)
    assert listed.text == (
        "các xã, phường: Bình Phước (10%); Xuân Bắc (30%); "
        "các sở, ban, ngành: Y tế (20%); Tài chính (40%); Công an tỉnh (50%)"
    )
    assert listed.headed
    one = clerk_list(units[:3], RATE)
    assert one.text == "Sở Y tế (20%); các xã, phường: Bình Phước (10%); Xuân Bắc (30%)"


def _compose(web: Any, text: str, action: str = "docx") -> Any:
    return web.client("admin").post(
        "/documents/compose",
        data={"kind": "letter", "text": text, "action": action, "csrf": web.csrf("admin")},
    )


def _starter(web: Any) -> str:
    page = web.client("admin").get("/documents?kind=letter").text
    start = page.index('name="text"')
    start = page.index(">", start) + 1
    import html

    return html.unescape(page[start : page.index("</textarea>", start)])


def _laggards(web: Any, tmp_path: Path) -> None:
    """No plan in six communes and Sở Y tế, no paperless meeting in 16 communes, in 2026-09;
    and Sở Y tế's values in 2026-11, the newest period."""
    from chiso.services.units.resolver import look_up_unit
    from chiso.services.values.importer import import_values
    from chiso.store import units_repo

    rt = web.rt
    with rt.db.transaction() as session:
        children = units_repo.children(session, look_up_unit(rt, "75").id)
    communes = sorted(u.code for u in children if u.kind == "commune")[:30]
    rows = ["unit_code,period,indicator,numerator,denominator,value"]
    rows += [f"{c},2026-09,dx_plan_issued,,,không" for c in communes[:6]]
    rows += ["75.SYT,2026-09,dx_plan_issued,,,không", "75.STC,2026-09,dx_plan_issued,,,có"]
    rows += [f"{c},2026-09,paperless_meetings,,,0" for c in communes[:16]]
    rows += [f"{c},2026-09,official_email_rate,50,100," for c in communes[:3]]
    rows += ["75.SYT,2026-11,signed_docs_rate,70,100,", "75.SYT,2026-11,dx_plan_issued,,,có"]
    rows += ["75.SYT,2026-11,paperless_meetings,,,3", "75.SYT,2026-11,official_email_rate,9,10,"]
    path = tmp_path / "laggards.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    import_values(rt, path, "platform-usage")


def test_the_demo_letter_groups_by_kind_and_says_a_count_once(web, tmp_path: Path) -> None:
    _laggards(web, tmp_path)
    text = re.sub(r"(?m)^period:.*$", "period: 2026-09", _starter(web))
    text = re.sub(r"(?m)^date:.*$", "date: 2026-10-05", text)
    answer = _compose(web, text)
    assert answer.status_code == 200, answer.text[:2000]
    body = [p.text for p in Document(io.BytesIO(answer.content)).paragraphs]
    lines = [t for t in body if t.startswith("- ")]
    assert lines, body
    for line in lines:
        # every unit after a commune heading, up to the next heading, is a commune's bare name
        for match in HEADINGS.finditer(line):
            if "xã" not in match.group(1) and "phường" not in match.group(1):
                continue
            rest = line[match.end() :]
            following = HEADINGS.search(rest)
            under = rest[: following.start() if following else len(rest)]
            assert "Sở " not in under, line
        assert not re.search(r"(\d+) đơn vị chưa [^:]*: \1 đơn vị", line), line
    plan = next(t for t in lines if "chưa ban hành Kế hoạch" in t)
    # as the seeds write it: self-named units after the colon, then the heading of each kind
    assert plan.startswith("- 07 đơn vị chưa ban hành Kế hoạch chuyển đổi số năm 2026: Sở Y tế; ")
    assert "các xã, phường: " in plan or "các xã: " in plan
    meetings = next(t for t in lines if "tổ chức họp" in t)
    assert meetings.startswith("- 16 đơn vị chưa tổ chức họp")
    assert meetings.endswith("(chi tiết tại Phụ lục).") and meetings.count("16") == 1, meetings


def test_the_letter_defaults_to_the_newest_period_and_downloads_a_vietnamese_name(
    web, tmp_path: Path
) -> None:
    from urllib.parse import unquote

    _laggards(web, tmp_path)
    page = web.client("admin").get("/documents?kind=letter").text
    text = _starter(web)
    assert 'period: "2026-11"' in text and "tháng 11/2026" in text and "2026-09" not in text
    assert "chiso report" not in page and "--spec" not in page
    # names beside codes: the agency and its signers, the frameworks
    assert "<code>pct</code> Nguyễn Văn An (Phó Chủ tịch)" in page
    assert "<code>platform-usage</code> — " in page
    assert "<code>dti-department-500</code> — " in page
    answer = _compose(web, text)
    assert answer.status_code == 200, answer.text[:2000]
    disposition = answer.headers["content-disposition"]
    assert 'filename="cong-van-thang-11-2026.docx"' in disposition
    assert disposition.isascii()
    encoded = disposition.split("filename*=UTF-8''")[1]
    assert unquote(encoded) == "Công văn tháng 11-2026.docx"
    body = "\n".join(p.text for p in Document(io.BytesIO(answer.content)).paragraphs)
    assert "tháng 11/2026" in body and "tháng 9/2026" not in body


@needs_chromium
def test_the_documents_page_fits_a_phone(web, browser: Any, tmp_path: Path) -> None:
    """At 390 px nothing is wider than the screen: the YAML editor, the codes, the links."""
    _laggards(web, tmp_path)
    web.client("admin").post(
        "/documents/compose",
        data={
            "kind": "letter",
            "text": _starter(web),
            "action": "save",
            "name": "công văn đôn đốc ký số, họp không giấy hằng tháng của các sở và xã",
            "csrf": web.csrf("admin"),
        },
    )
    with serving(web.app, lifespan="off") as base:
        for width, height in ((390, 844), (1366, 768)):
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(base + "/login")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", WEB_PASSWORD)
            page.locator("main form button[type=submit]").first.click()
            page.wait_for_load_state("networkidle")
            page.goto(base + "/documents?kind=letter")
            assert page.locator("#spec-text").is_visible()
            page.screenshot(path=str(tmp_path / f"documents-{width}.png"), full_page=True)
            wide = page.evaluate("document.scrollingElement.scrollWidth")
            inner = page.evaluate("window.innerWidth")
            assert wide <= inner, (width, wide, wide_elements(page))
            box = page.locator("#spec-text").bounding_box()
            assert box is not None and box["width"] > inner * 0.6
            page.close()
