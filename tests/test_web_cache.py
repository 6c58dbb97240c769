"""Pages and sign-ins remembered per worker under the data and accounts stamps: each account sees
what its own scope allows however the page was cached before, and a change is seen at the next
request (the same across worker processes: tests/test_web_workers.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from chiso.domain.periods import Period
from chiso.services.accounts import users as accounts
from chiso.services.values.importer import import_values
from tests.conftest import WEB_PASSWORD, login


def _reporter(web: Any, name: str, unit: str) -> TestClient:
    accounts.create_user(web.rt, name, f"Báo cáo {unit}", WEB_PASSWORD, "reporter", unit)
    client = TestClient(web.app, follow_redirects=False)
    assert login(client, name, WEB_PASSWORD).status_code == 303
    return client


def test_cached_unit_pages_keep_each_scope(web: Any) -> None:
    health, finance = _reporter(web, "bc-syt", "75.SYT"), _reporter(web, "bc-stc", "75.STC")
    for _ in range(2):  # the second time from the worker's caches
        assert web.client("admin").get("/units/75.SYT").status_code == 200
        mine = health.get("/units/75.SYT")
        assert mine.status_code == 200 and "Sở Y tế" in mine.text
        assert health.get("/units/75.STC").status_code == 403
        assert finance.get("/units/75.SYT").status_code == 403
        theirs = finance.get("/units/75.STC")
        assert theirs.status_code == 200 and "Sở Tài chính" in theirs.text
        assert "Sở Y tế</h1>" not in theirs.text
        assert health.get("/ranking").status_code == 403
    # a reporter's breadcrumbs stop at their scope; the administrator's reach the province
    assert 'href="/units/2025:75' not in health.get("/units/75.SYT").text
    assert 'href="/units/2025:75' in web.client("admin").get("/units/75.SYT").text


def test_scope_change_and_new_values_seen_at_the_next_request(web: Any, tmp_path: Path) -> None:
    health = _reporter(web, "bc-syt", "75.SYT")
    assert health.get("/units/75.SYT").status_code == 200
    assert health.get("/units/75.STC").status_code == 403
    accounts.set_role(web.rt, "bc-syt", "reporter", "75.STC")
    assert health.get("/units/75.SYT").status_code == 403
    assert health.get("/units/75.STC").status_code == 200
    accounts.set_role(web.rt, "bc-syt", "viewer")
    assert health.get("/ranking").status_code == 200
    before = web.client("viewer").get("/api/v1/rankings?period=2026-10").json()
    values = tmp_path / "more.csv"
    values.write_text(
        "unit_code,period,indicator,numerator,denominator,value\n"
        "75.SCT,2026-10,signed_docs_rate,99,100,\n",
        encoding="utf-8",
    )
    import_values(web.rt, values, "platform-usage")
    after = web.client("viewer").get("/api/v1/rankings?period=2026-10").json()

    def rate(body: dict[str, Any]) -> float:
        row = next(r for r in body["rows"] if r["unit"] == "75.SCT")
        return float(row["nodes"]["signed_docs_rate"])

    assert rate(after) > rate(before)
    accounts.set_active(web.rt, "bc-syt", False)
    assert health.get("/ranking").headers["location"].startswith("/login")


def test_a_cached_view_costs_the_same_with_more_history(
    web: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A view from the caches runs the same statements and formats the same periods however many
    months are stored (the overview's period filters once listed every month at each view)."""
    admin = web.client("admin")
    shown = ["/", "/ranking", "/units/75.SYT", "/indicators/signed_docs_rate"]
    statements = [0]
    labels = [0]

    def executed(*_args: object) -> None:
        statements[0] += 1

    label = Period.label_vi.fget
    assert label is not None

    def counted(period: Period) -> str:
        labels[0] += 1
        return label(period)

    monkeypatch.setattr(Period, "label_vi", property(counted))
    event.listen(web.rt.db.engine, "before_cursor_execute", executed)

    def costs() -> dict[str, tuple[int, int]]:
        found = {}
        for path in shown:
            assert admin.get(path).status_code == 200
            seen = []
            for _ in range(3):  # the least of three: background work only adds
                statements[0] = labels[0] = 0
                assert admin.get(path).status_code == 200
                seen.append((statements[0], labels[0]))
            found[path] = min(seen)
        return found

    before = costs()
    months = [Period.parse("2024-01").shifted(i) for i in range(14)]
    older = [
        f"75.{unit},{month},signed_docs_rate,{50 + i},100,"
        for i, month in enumerate(months)
        for unit in ("SYT", "SCT")
    ]
    values = tmp_path / "older.csv"
    header = "unit_code,period,indicator,numerator,denominator,value\n"
    values.write_text(header + "\n".join(older) + "\n", encoding="utf-8")
    import_values(web.rt, values, "platform-usage")
    try:
        assert costs() == before
    finally:
        event.remove(web.rt.db.engine, "before_cursor_execute", executed)
