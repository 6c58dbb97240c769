""" "thiếu số liệu" names the indicators a reader knows, never their codes: on the ranking page,
the unit page, the ranking CSV and XLSX, the ranking decision and `chiso evaluate`'s table."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from docx import Document
from openpyxl import load_workbook

CODES = (
    "signed_docs_rate",
    "online_docs_rate",
    "paperless_meetings",
    "official_email_rate",
    "online_applications_rate",
    "digitised_results_rate",
    "reports_on_system_rate",
    "dx_plan_issued",
)
SCT_NOTE = (
    "thiếu số liệu: 7 chỉ số (Tỷ lệ văn bản gửi, nhận và xử lý trên môi trường mạng; "
    "Số cuộc họp trên phần mềm họp không giấy; "
    "Tỷ lệ cán bộ, công chức sử dụng thư điện tử công vụ; "
    "Tỷ lệ hồ sơ thủ tục hành chính nộp trực tuyến; "
    "Tỷ lệ hồ sơ, kết quả giải quyết thủ tục hành chính được số hóa; "
    "Tỷ lệ báo cáo định kỳ thực hiện trên Hệ thống thông tin báo cáo; "
    "Ban hành kế hoạch chuyển đổi số năm)"
)


def _no_codes(text: str) -> None:
    for code in CODES:
        assert code not in text, code


def test_missing_data_is_named_by_indicator_everywhere(web, tmp_path: Path) -> None:
    client = web.client("admin")
    query = "framework=platform-usage&period=2026-10&all_groups=true"

    page = client.get(f"/ranking?{query}")
    assert page.status_code == 200
    assert SCT_NOTE in page.text.replace("\n", " ")
    notes = page.text.split('class="missing"')[1:]
    assert notes and all(n.split("</small>")[0].count("thiếu số liệu") == 1 for n in notes)
    _no_codes("".join(n.split("</small>")[0] for n in notes))

    unit = client.get("/units/75.SCT?framework=platform-usage&period=2026-10")
    assert unit.status_code == 200 and SCT_NOTE in unit.text.replace("\n", " ")

    got = client.get(f"/ranking.csv?{query}")
    assert got.status_code == 200
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][3] == "Mã đơn vị" and rows[0][-1] == "Thiếu số liệu"
    by_unit = {r[3]: r for r in rows[1:]}
    assert by_unit["75.SCT"][-1] == SCT_NOTE
    _no_codes(" ".join(r[-1] for r in rows[1:]))

    got = client.get(f"/ranking.xlsx?{query}")
    assert got.status_code == 200
    (tmp_path / "x.xlsx").write_bytes(got.content)
    cells = [str(c) for row in load_workbook(tmp_path / "x.xlsx").active.values for c in row if c]
    assert SCT_NOTE in cells
    _no_codes(" ".join(c for c in cells if "thiếu số liệu" in c))

    spec = (
        "type: ranking\nagency: ubnd-tinh-dong-nai\ndate: 2026-11-05\nperiod: 2026-10\n"
        "framework: platform-usage\n"
    )
    csrf = web.csrf("admin")
    got = client.post(
        "/documents/compose", data={"kind": "ranking", "text": spec, "action": "docx", "csrf": csrf}
    )
    assert got.status_code == 200, got.text
    (tmp_path / "qd.docx").write_bytes(got.content)
    doc = Document(str(tmp_path / "qd.docx"))
    text = "\n".join(
        [p.text for p in doc.paragraphs]
        + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    )
    assert "thiếu số liệu: 7 chỉ số (Tỷ lệ văn bản gửi, nhận" in text
    _no_codes(text)


def test_evaluate_names_the_missing_indicators(cli, database_url: str, tmp_path: Path) -> None:
    values = tmp_path / "v.csv"
    values.write_text(
        "unit_code,unit_name,period,indicator,value\n"
        "A,Xã Sơn Hà,2023-07,signed_docs_rate,80\nA,Xã Sơn Hà,2023-07,online_docs_rate,90\n"
        "A,Xã Sơn Hà,2023-07,official_email_rate,70\nA,Xã Sơn Hà,2023-07,dx_plan_issued,có\n"
        "A,Xã Sơn Hà,2023-07,reports_on_system_rate,50\nA,Xã Sơn Hà,2023-07,paperless_meetings,4\n",
        encoding="utf-8",
    )
    code, out, err = cli(
        database_url, "evaluate", "--framework", "platform-usage", "--values", str(values)
    )
    assert code == 0, err
    # the table's last column, its wrapped lines joined
    last = [line.split("│")[-2].strip() for line in out.splitlines() if line.count("│") > 2]
    assert " ".join(x for x in last if x) == (
        "thiếu số liệu: 2 chỉ số (Tỷ lệ hồ sơ thủ tục hành chính nộp trực tuyến; "
        "Tỷ lệ hồ sơ, kết quả giải quyết thủ tục hành chính được số hóa)"
    )
