"""A group the framework declares evaluated but unranked ("Sở, ban, ngành không cung cấp dịch
vụ công" of dti-department-500) is in the decision, its units without rank and with the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docx import Document
from openpyxl import load_workbook


def test_the_decision_lists_the_unranked_group_with_its_reason(
    cli: Any, province_db: str, tmp_path: Path
) -> None:
    values = tmp_path / "values.csv"
    values.write_text(
        "unit_code,period,indicator,numerator,denominator,value\n"
        "75.SYT,2025,signed_docs_rate,80,100,\n75.SYT,2025,dx_plan_issued,,,có\n"
        "75.TTRA,2025,signed_docs_rate,60,100,\n75.TTRA,2025,dx_plan_issued,,,có\n",
        encoding="utf-8",
    )
    code, _, err = cli(
        province_db, "data", "import", str(values), "--framework", "dti-department-500"
    )
    assert code == 0, err
    out = tmp_path / "qd.docx"
    code, _, err = cli(
        province_db, "report", "ranking", "--period", "2025",
        "--framework", "dti-department-500", "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    doc = Document(str(out))
    texts = [p.text for p in doc.paragraphs]
    at = texts.index("Sở, ban, ngành không cung cấp dịch vụ công")
    assert texts[at + 1] == "Bộ chỉ số quy định nhóm này được đánh giá nhưng không xếp hạng."
    rows = [[c.text for c in r.cells] for t in doc.tables for r in t.rows]
    lone = [r for r in rows if r[1].startswith("Thanh tra tỉnh")]
    assert len(lone) == 1 and lone[0][0] == "Không xếp hạng" and lone[0][3] not in ("", "—")
    sheet = [
        [c for c in row]
        for ws in load_workbook(out.with_suffix(".xlsx")).worksheets
        for row in ws.iter_rows(values_only=True)
    ]
    assert any("Thanh tra tỉnh" in [str(c) for c in row] for row in sheet)
