"""The overview: the steering committee's table, the ten lowest, the biggest drops, gains, who has
not reported, a period picker that works as a plain GET form, and a "so với" period."""

from __future__ import annotations

import re
from typing import Any


def test_overview_table_lists_and_compared_period(web: Any) -> None:
    client = web.client("admin")
    html = client.get("/").text
    assert "onchange" not in html
    assert 'form class="filters" method="get" action="/" data-autosubmit' in html
    table = re.search(r'<table class="cards steering">(.*?)</table>', html, re.S)
    assert table, html[:2000]
    row = re.search(r'<tr data-indicator="signed_docs_rate">(.*?)</tr>', table.group(1), re.S)
    assert row
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    assert len(cells) == 6
    assert ">60%<" in cells[1]
    assert re.search(r"\d+(,\d+)?%", cells[2]), cells[2]
    assert re.search(r">\d+</a>", cells[4]) and re.search(r">\d+</a>", cells[5])
    assert 'href="/indicators/signed_docs_rate?period=2026-10#duoi-chi-tieu"' in cells[5]
    assert "Mười đơn vị thấp nhất" in html and "Mười mức giảm lớn nhất" in html
    assert 'id="chua-bao-cao"' in html
    periods = re.findall(r'<select name="period">(.*?)</select>', html, re.S)[0]
    assert re.findall(r'<option value="([^"]+)"', periods) == ["2026-10", "2026-09"]
    # the later month compared with the earlier one, then the other way round
    heads = re.findall(r"<th[^>]*>([^<]*)</th>", html)
    assert heads[1:3] == ["tháng 10/2026", "tháng 9/2026"]
    back = client.get("/?period=2026-09&compare=2026-10").text
    heads = re.findall(r"<th[^>]*>([^<]*)</th>", back)
    assert heads[1:3] == ["tháng 9/2026", "tháng 10/2026"]
    assert re.search(r"<h1>[^<]*tháng 9/2026", back)
    assert "Mười mức giảm lớn nhất so với tháng 10/2026" in back
    assert back != html


def test_units_meeting_a_target_are_counted_only_where_there_is_one(web: Any) -> None:
    """Paperless meetings and official e-mail have no target: the steering table says "—" for
    both counts (it said every reporting unit "đạt"), as the committee report does; where there is
    a target the two counts add up to the units that reported."""
    from chiso.domain.findings import analyse
    from chiso.domain.periods import Period
    from chiso.services.dashboard import pages
    from tests.test_web_nav import _full_months

    _full_months(web)
    html = web.client("admin").get("/?period=2026-10").text
    table = re.search(r'<table class="cards steering">(.*?)</table>', html, re.S)
    assert table
    rows = dict(re.findall(r'<tr data-indicator="([^"]+)">(.*?)</tr>', table.group(1), re.S))
    cells = {
        code: [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for code, row in rows.items()
    }
    assert cells["paperless_meetings"][3:] == ["—", "—", "—"]
    assert cells["official_email_rate"][3:] == ["—", "—", "—"]
    data = pages.overview(web.rt, Period.parse("2026-10"))
    for card in data.cards:
        f = card.findings
        shown = cells[f.indicator.code]
        if f.indicator.target is None:
            continue
        assert shown[4:] == [str(f.met), str(f.not_met)]
        assert int(shown[4]) + int(shown[5]) == f.reported
        again = analyse(f.indicator, f.units)
        assert again.met == f.met
