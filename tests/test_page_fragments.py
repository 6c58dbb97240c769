"""The ranking table is rendered once per ranking and reused: a changed value renders it again,
another sort, group or language is another rendering, and the cached part never holds what
belongs to one caller."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from chiso.services.values.importer import import_values
from chiso.web.render import FRAGMENTS


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-unit="([^"]+)">', html)


def test_ranking_table_follows_the_data(web: Any, tmp_path: Path) -> None:
    admin, viewer = web.client("admin"), web.client("viewer")
    first = admin.get("/ranking", params={"period": "2026-10"})
    assert first.status_code == 200
    assert {"75.SYT", "75.STC", "75.SCT"} <= set(_rows(first.text))
    assert admin.get("/ranking", params={"period": "2026-10"}).text == first.text
    kept = sum(len(v) for v in FRAGMENTS._by_owner.values())
    assert kept >= 1

    variants = [
        {"period": "2026-10", "sort": "name"},
        {"period": "2026-10", "all_groups": "true"},
        {"period": "2026-09"},
        {"period": "2026-10", "lang": "en"},
    ]
    shown = [admin.get("/ranking", params=v).text for v in variants]
    assert len(set(shown)) == len(shown)
    assert sum(len(v) for v in FRAGMENTS._by_owner.values()) >= kept + 3
    FRAGMENTS._by_owner.clear()
    admin.get("/ranking", params={"lang": "vi"})
    assert [admin.get("/ranking", params=v).text for v in variants] == shown, "cached ≠ fresh"
    assert '<html lang="en">' in shown[-1]
    admin.get("/ranking", params={"lang": "vi"})
    # Another caller's page has their own name and token, the same table.
    other = viewer.get("/ranking", params={"period": "2026-10"}).text
    assert "Tài khoản viewer" in other and "Tài khoản admin" not in other
    assert _rows(other) == _rows(first.text)

    values = tmp_path / "change.csv"
    values.write_text(
        "unit_code,period,indicator,numerator,denominator\n75.SCT,2026-10,signed_docs_rate,99,100\n",
        encoding="utf-8",
    )
    owners = set(FRAGMENTS._by_owner)
    import_values(web.rt, values, "platform-usage")
    after = admin.get("/ranking", params={"period": "2026-10"}).text
    assert set(FRAGMENTS._by_owner) - owners, "the table of the older data was reused"
    FRAGMENTS._by_owner.clear()
    assert admin.get("/ranking", params={"period": "2026-10"}).text == after


def test_a_cached_unit_page_is_still_refused_outside_the_scope(web: Any) -> None:
    """The unit page's data is kept per data stamp whoever asked first; the scope check and the
    breadcrumbs of units above are the caller's at every view."""
    admin, reporter = web.client("admin"), web.client("reporter")
    assert admin.get("/units/75.SCT").status_code == 200
    assert admin.get("/units/75.SYT").status_code == 200
    assert reporter.get("/units/75.SCT").status_code == 403
    own = reporter.get("/units/75.SYT")
    assert own.status_code == 200
    assert 'href="/"' in admin.get("/units/75.SYT").text
    assert "Tổng quan" not in own.text.split("<main", 1)[1].split("<h1", 1)[0]
