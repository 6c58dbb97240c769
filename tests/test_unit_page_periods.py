"""A unit's page for a year shows each indicator's value as that year's score reads it: rolled
up from the months (said so), its chart the months of that year."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from chiso.services.values.importer import import_values


def _card(html: str, code: str) -> str:
    found = re.search(rf'<section class="indicator" data-code="{code}".*?</section>', html, re.S)
    assert found, code
    return found.group(0)


def test_a_year_shows_the_rolled_up_value_the_score_uses(web: Any, tmp_path: Path) -> None:
    values = tmp_path / "months.csv"
    values.write_text(
        "unit_code,period,indicator,numerator,denominator,value\n"
        "75.SYT,2025-01,signed_docs_rate,30,40,\n75.SYT,2025-02,signed_docs_rate,51,60,\n"
        "75.SCT,2025-01,signed_docs_rate,10,40,\n"
        "75.SYT,2025-01,paperless_meetings,,,3\n75.SYT,2025-02,paperless_meetings,,,4\n"
        "75.SYT,2024-12,paperless_meetings,,,9\n",
        encoding="utf-8",
    )
    import_values(web.rt, values, "platform-usage")
    html = web.client("admin").get("/units/75.SYT?period=2025").text
    rate = _card(html, "signed_docs_rate")
    # (30 + 51) / (40 + 60) = 81%: the ratio of the summed parts, as the score reads it
    assert "81" in rate.split('class="value')[1].split("</dd>")[0], rate
    assert "cộng từ các tháng" in rate
    meetings = _card(html, "paperless_meetings")
    value = meetings.split('class="value')[1].split("</dd>")[0]
    assert ">7" in value and "cộng từ các tháng" in value, value
    assert "chưa có số liệu" not in value
    chart = meetings.split('class="chart"')[1]
    assert "2025-01" in chart or "1/2025" in chart, chart[:3000]
    assert "2024-12" not in chart and "12/2024" not in chart
    month = _card(
        web.client("admin").get("/units/75.SYT?period=2025-02").text, "paperless_meetings"
    )
    assert "cộng từ các tháng" not in month and ">4" in month.split('class="value')[1]
