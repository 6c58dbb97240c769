"""Forms never lose what was typed: a refused self-assessment or manual entry comes back with
every value and the error beside its field; a previewed file is stored by "Lưu" without being
chosen again, and only by the person who previewed it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select


def _open_round(web: Any) -> str:
    from chiso.services.assessments import rounds

    today = date.today()
    year = str(today.year)
    rounds.open_round(
        web.rt, "dti-department-500", year, today - timedelta(days=2), today + timedelta(days=5)
    )
    return f"/assessments/dti-department-500/{year}/75.SYT"


def test_refused_self_assessment_keeps_every_typed_value(web: Any) -> None:
    url = _open_round(web)
    client = web.client("reporter")
    page = client.get(url).text
    assert '<select name="v_2.1"' in page and "<option>có</option>" in page
    response = client.post(
        url + "/save",
        data={
            "csrf": web.csrf("reporter"),
            "v_2.1": "có",
            "e_2.1": "Quyết định 12/QĐ-SYT ban hành quy chế",
            "v_4.3": "47/50",
            "e_4.3": "Danh sách chứng thư",
            "v_2.4": "hai phần ba",
        },
    )
    assert response.status_code == 422
    html = response.text
    assert "Quyết định 12/QĐ-SYT ban hành quy chế" in html
    assert "Danh sách chứng thư" in html
    assert re.search(r'name="v_4.3" id="v_4.3" value="47/50"', html)
    assert re.search(r'name="v_2.4" id="v_2.4" value="hai phần ba"[^>]*aria-invalid="true"', html)
    assert "<option selected>có</option>" in html
    beside = re.search(r'<p class="error field-error" id="err_2.4" role="alert">([^<]+)</p>', html)
    assert beside and "hai phần ba" in beside.group(1)
    # nothing was stored: the page read afresh shows empty fields
    again = client.get(url).text
    assert "Quyết định 12/QĐ-SYT" not in again


def test_refused_manual_entry_keeps_every_typed_value(web: Any) -> None:
    response = web.client("admin").post(
        "/data/entry",
        data={
            "csrf": web.csrf("admin"),
            "framework": "platform-usage",
            "unit": "75.SCT",
            "period": "2026-10",
            "n_signed_docs_rate": "130",
            "d_signed_docs_rate": "100",
            "n_reports_on_system_rate": "7",
            "d_reports_on_system_rate": "9",
            "v_dx_plan_issued": "không",
        },
    )
    assert response.status_code == 422
    html = response.text
    assert 'value="130"' in html and 'value="100"' in html
    assert 'value="7"' in html and 'value="9"' in html
    assert "<option selected>không</option>" in html
    assert "130" in "".join(re.findall(r'<ul class="problems">(.*?)</ul>', html, re.S))


def test_unknown_unit_in_manual_entry_keeps_values(web: Any) -> None:
    response = web.client("admin").post(
        "/data/entry",
        data={
            "csrf": web.csrf("admin"),
            "unit": "Sở Không Có",
            "period": "2026-10",
            "n_signed_docs_rate": "31",
            "d_signed_docs_rate": "40",
        },
    )
    assert response.status_code == 422
    assert 'value="Sở Không Có"' in response.text and 'value="31"' in response.text


def test_save_after_preview_without_choosing_the_file_again(web: Any) -> None:
    from chiso.store.models import IndicatorValue

    body = (
        "unit_code,period,indicator,numerator,denominator\n75.SCT,2026-10,signed_docs_rate,77,100\n"
    )
    client = web.client("admin")
    preview = client.post(
        "/data/upload",
        data={"csrf": web.csrf("admin"), "framework": "platform-usage", "mode": "preview"},
        files={"file": ("xem-truoc.csv", body, "text/csv")},
    )
    assert preview.status_code == 200, preview.text[:300]
    token = re.search(r'name="preview" value="([^"]+)"', preview.text)
    assert token and "Xem trước (chưa lưu)" in preview.text

    with web.rt.db.transaction() as session:
        before = session.scalar(select(func.count()).select_from(IndicatorValue))
    # someone else cannot store another person's preview
    other = web.client("evaluator").post(
        "/data/upload",
        data={"csrf": web.csrf("evaluator"), "preview": token.group(1), "mode": "import"},
    )
    assert other.status_code == 400
    saved = client.post(
        "/data/upload",
        data={
            "csrf": web.csrf("admin"),
            "preview": token.group(1),
            "framework": "platform-usage",
            "mode": "import",
        },
    )
    assert saved.status_code == 200, saved.text[:300]
    assert "Đã lưu: xem-truoc.csv" in saved.text
    with web.rt.db.transaction() as session:
        after = session.scalar(select(func.count()).select_from(IndicatorValue))
        rows = session.scalars(select(IndicatorValue)).all()
    assert after >= before
    assert any(getattr(r, "numerator", None) == 77 for r in rows)
    bad = client.post(
        "/data/upload",
        data={"csrf": web.csrf("admin"), "preview": "../../etc", "mode": "import"},
    )
    assert bad.status_code == 400
