"""What a reviewer read on the web app in English or as raw values: refusals, token expiries and
framework codes in the audit log, the units file's columns, a missing field's code, a form called
a file, upload problems out of row order, no favicon, and the self-assessment deadline."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from chiso.errors import Problem
from chiso.services.accounts import sessions
from tests.test_web_admin import _rows


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_audit_log_reads_refusals_expiries_and_frameworks_in_vietnamese(web: Any) -> None:
    reporter = web.client("reporter")
    assert reporter.get("/units/2025:75").status_code == 403  # the province, above Sở Y tế
    sessions.create_token(web.rt, "admin", "QLVB", days=90)
    admin = web.client("admin")
    template = admin.get(
        "/data/template", params={"framework": "platform-usage", "period": "2026-10"}
    )
    assert template.status_code == 200
    rows = " | ".join(_rows(admin.get("/audit").text))
    rows = re.sub(r"[\w.-]+\.xlsx", "", rows)  # the file's own name may hold the code
    for english in ("outside the scope", "method:", "path:", "expires_at", "platform-usage"):
        assert english not in rows, english
    with web.rt.db.transaction() as session:
        from chiso.store import units_repo

        province = units_repo.by_keys(session, ["2025:75"])["2025:75"].name
    assert f"Truy cập bị từ chối: trang {province}" in rows
    assert f"lý do: {province} nằm ngoài phạm vi tài khoản reporter" in rows
    assert re.search(r"hết hạn: \d\d/\d\d/20\d\d", rows)
    assert "bộ chỉ số: Theo dõi sử dụng nền tảng dùng chung" in rows


def test_admin_page_explains_the_units_file_and_names_frameworks(web: Any) -> None:
    html = web.client("admin").get("/admin").text
    assert "các cột:" not in html
    assert "<code>parent_code</code> — mã đơn vị cấp trên" in html
    assert "<code>groups</code> — các nhóm xếp hạng" in html
    outside_code = re.sub(r"<code>.*?</code>", "", html)
    assert "(platform-usage)" not in outside_code and "platform-usage" not in outside_code


def test_a_missing_page_parameter_is_named_in_vietnamese(web: Any) -> None:
    answer = web.client("admin").get("/history", params={"unit": "75.SXD"})
    assert answer.status_code == 400
    text = _text(answer.text)
    assert "Chỉ tiêu: thiếu trường bắt buộc" in text
    assert "indicator:" not in text
    api = web.client("admin").get("/api/v1/values", params={"bogus": "1"})
    assert "Chỉ tiêu" not in api.text  # the API keeps its parameter names


def test_a_refused_self_assessment_form_is_not_called_a_file(web: Any) -> None:
    from chiso.services.assessments import rounds

    today = date.today()
    year = str(today.year)
    rounds.open_round(
        web.rt, "dti-department-500", year, today - timedelta(days=2), today + timedelta(days=5)
    )
    url = f"/assessments/dti-department-500/{year}/75.SYT"
    client = web.client("reporter")
    answer = client.post(url + "/save", data={"csrf": web.csrf("reporter"), "v_2.4": "hai phần ba"})
    assert answer.status_code == 422
    text = _text(answer.text)
    assert "Tệp hồ sơ" not in text and "bị từ chối" not in text
    assert "Hồ sơ tự đánh giá của Sở Y tế chưa lưu được: 1 lỗi" in text
    # the round's deadline, where nothing was submitted yet
    listing = _text(web.client("admin").get("/assessments").text)
    deadline = (today + timedelta(days=5)).strftime("%d/%m/%Y")
    assert f"Sở Y tế Soạn hạn {deadline}" in listing or f"hạn {deadline}" in listing
    assert "Chưa nộp —" not in listing


def test_upload_problems_come_in_row_then_column_order(web: Any, tmp_path: Path) -> None:
    lines = ["unit_code,period,indicator,numerator,denominator"]
    lines += [f"75.SYT,2026-0{m},signed_docs_rate,10,100" for m in range(1, 9)]
    lines[5] = "Không Có Thật,2026-05,signed_docs_rate,10,100"  # row 6: an unknown unit
    lines.insert(9, "75.SYT,2026-09,signed_docs_rate,hai,100")  # row 10: not a number
    csv = "\n".join(lines) + "\n"
    admin = web.client("admin")
    answer = admin.post(
        "/data/upload",
        data={"csrf": web.csrf("admin"), "framework": "platform-usage", "mode": "preview"},
        files={"file": ("so-lieu.csv", csv.encode(), "text/csv")},
    )
    listed = re.findall(
        r"dòng (\d+)", "".join(re.findall(r'<ul class="problems">(.*?)</ul>', answer.text, re.S))
    )
    assert len(listed) >= 2, answer.text[-3000:]
    assert [int(n) for n in listed] == sorted(int(n) for n in listed)


def test_reading_order_sorts_rows_then_cells_and_keeps_the_rest() -> None:
    from chiso.errors import reading_order

    found = reading_order(
        [
            Problem("a.csv, dòng 10, cột value", "x", "x"),
            Problem("tệp", "thiếu cột", "missing column"),
            Problem("a.csv, dòng 6, cột unit_code", "y", "y"),
            Problem("b.xlsx, trang Data, ô D7", "z", "z"),
            Problem("b.xlsx, trang Data, ô AA3", "w", "w"),
            Problem("b.xlsx, trang Data, ô C7", "v", "v"),
            Problem("a.csv, dòng 6", "u", "u"),
        ]
    )
    assert [p.where for p in found] == [
        "a.csv, dòng 6, cột unit_code",
        "a.csv, dòng 6",
        "a.csv, dòng 10, cột value",
        "tệp",
        "b.xlsx, trang Data, ô AA3",
        "b.xlsx, trang Data, ô C7",
        "b.xlsx, trang Data, ô D7",
    ]


def test_favicon_is_served_and_linked(web: Any) -> None:
    anonymous = web.client(None)
    icon = anonymous.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in icon.content
    login = anonymous.get("/login").text
    link = re.search(r'<link rel="icon" href="(/static/favicon\.svg\?v=[0-9a-f]{16})"', login)
    assert link and anonymous.get(link.group(1)).content == icon.content
