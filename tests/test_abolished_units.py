"""A district or commune abolished on 1/7/2025 that is given a value for a later period is left
out of that period's evaluation (scope: the scheme in force on the period's last day, units that
existed in the period), with the reason said, and never listed or ranked on the ranking page, its
CSV, `/api/v1/rankings`, the ranking decision or a letter's appendix; the same unit with a value
for a 2024 period is listed and ranked there, and a 2025 commune is not listed in 2024."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from docx import Document

from chiso.domain.periods import Period
from chiso.services.scoring.evaluations import evaluation_for
from chiso.services.values.importer import import_values
from chiso.store import units_repo

DISTRICT = "legacy:694"
RATES = (
    "signed_docs_rate",
    "online_docs_rate",
    "official_email_rate",
    "online_applications_rate",
    "digitised_results_rate",
    "reports_on_system_rate",
)


def _api(client: Any, period: str) -> dict[str, Any]:
    body = client.get("/api/v1/rankings", params={"period": period, "all_groups": "true"}).json()
    assert body["period"] == period
    return {r["unit"]: r for r in body["rows"]}


def test_abolished_units_only_in_periods_when_they_existed(web, tmp_path: Path) -> None:
    rt = web.rt
    with rt.db.transaction() as session:
        every = units_repo.all_units(session)
    by_key = {u.key: u for u in every}
    district = by_key[DISTRICT]
    current = next(
        u for u in every if u.scheme == "2025" and u.kind == "commune" and u.parent_key == "2025:75"
    )
    # a commune of another district (a district over an evaluated commune is its roll-up)
    commune = next(
        u
        for u in every
        if u.scheme == "legacy" and u.kind == "commune" and u.parent_key not in (None, DISTRICT)
    )
    commune_key = commune.key
    assert district.valid_to is not None and district.valid_to.isoformat() == "2025-06-30"
    assert commune.valid_to is not None and commune.valid_to.isoformat() == "2025-06-30"
    rows = "".join(
        f"{key},{period},{code},{n},10\n"
        for key, n in ((DISTRICT, 9), (commune_key, 8), (current.key, 5))
        for period in ("2024-10", "2026-10")
        for code in RATES
    )
    values = tmp_path / "v.csv"
    values.write_text("unit_code,period,indicator,numerator,denominator\n" + rows, "utf-8")
    report = import_values(rt, values, "platform-usage")
    assert report.created == 36
    # stored, and said at once that no evaluation of that period will take them
    flagged = {(f.unit, f.message_vi) for f in report.flags if f.kind == "not_in_force"}
    assert len([f for f in report.flags if f.kind == "not_in_force"]) == 18
    assert (
        district.name,
        "đơn vị không tồn tại trong tháng 10/2026 (hiệu lực đến 30/06/2025): số liệu được lưu "
        "nhưng không được đánh giá, xếp hạng trong kỳ này",
    ) in flagged
    assert any(u == commune.name and "tháng 10/2026" in m for u, m in flagged)
    assert any(
        u == current.name and "tháng 10/2024 (có hiệu lực từ 01/07/2025)" in m for u, m in flagged
    )

    later = evaluation_for(rt, "platform-usage", Period.parse("2026-10"))
    assert (
        DISTRICT not in later.evaluation.by_unit() and commune_key not in later.evaluation.by_unit()
    )
    assert current.key in later.evaluation.by_unit()
    assert (
        later.excluded[DISTRICT] == "đơn vị theo danh mục 'legacy', kỳ 2026-10 dùng danh mục '2025'"
    )
    assert f"{commune.name}: đơn vị theo danh mục 'legacy'" in " ".join(later.notes)

    earlier = evaluation_for(rt, "platform-usage", Period.parse("2024-10"))
    assert {DISTRICT, commune_key} <= set(earlier.evaluation.by_unit())
    assert current.key not in earlier.evaluation.by_unit()
    assert "2025" in earlier.excluded[current.key]

    client = web.client("viewer")
    api = _api(client, "2026-10")
    assert current.key in api and DISTRICT not in api and commune_key not in api
    api_2024 = _api(client, "2024-10")
    assert api_2024[DISTRICT]["rank"] == 1 and api_2024[commune_key]["rank"] == 1
    assert current.key not in api_2024

    page = client.get("/ranking", params={"period": "2026-10", "all_groups": "true"}).text
    assert f'data-unit="{current.key}"' in page
    assert f'data-unit="{DISTRICT}"' not in page and f'data-unit="{commune_key}"' not in page
    page_2024 = client.get("/ranking", params={"period": "2024-10"}).text
    assert f'data-unit="{DISTRICT}"' in page_2024 and f'data-unit="{commune_key}"' in page_2024

    got = client.get("/ranking.csv", params={"period": "2026-10", "all_groups": "true"})
    rows = csv.DictReader(io.StringIO(got.text.lstrip("\ufeff")), delimiter=";")
    listed = {r["Mã đơn vị"] for r in rows}
    assert current.key in listed and not {DISTRICT, commune_key} & listed

    admin = web.client("admin")
    csrf = web.csrf("admin")
    spec = (
        "type: ranking\nagency: ubnd-tinh-dong-nai\ndate: 2026-11-05\nperiod: 2026-10\n"
        "framework: platform-usage\n"
    )
    got = admin.post(
        "/documents/compose", data={"kind": "ranking", "text": spec, "action": "docx", "csrf": csrf}
    )
    assert got.status_code == 200, got.text
    (tmp_path / "qd.docx").write_bytes(got.content)
    doc = Document(str(tmp_path / "qd.docx"))
    cells = " ".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert current.name.split(" ", 1)[1] in cells
    assert (
        district.name.split(" ", 1)[1] not in cells and commune.name.split(" ", 1)[1] not in cells
    )

    appendix = (
        "type: appendix\nagency: ubnd-tinh-dong-nai\ndate: 2026-11-05\nperiod: 2026-10\n"
        "indicators: [signed_docs_rate]\n"
    )
    got = admin.post(
        "/documents/compose",
        data={"kind": "appendix", "text": appendix, "action": "docx", "csrf": csrf},
    )
    assert got.status_code == 200, got.text
    (tmp_path / "pl.docx").write_bytes(got.content)
    names = " ".join(
        c.text for t in Document(str(tmp_path / "pl.docx")).tables for r in t.rows for c in r.cells
    )
    assert current.name.split(" ", 1)[1] in names
    assert district.name.split(" ", 1)[1] not in names
    assert commune.name.split(" ", 1)[1] not in names
