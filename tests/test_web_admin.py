"""Administration from the web, checked in the database: editing an account (name, role, unit
scope, address) in one audited change that the account's live session obeys, a refusal that
keeps what was typed, the least privilege by default; the audit-log page (names, old → new,
filters, pages, who may read it); one value's history from the unit page, in the reporter's
scope; and the self-assessment progress a leader reads."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from chiso.domain.formatting import VIETNAM
from chiso.domain.frameworks import InputKind
from chiso.services.accounts import users
from chiso.services.assessments import cycle, rounds
from chiso.services.scoring import frameworks
from chiso.services.values.importer import import_values
from chiso.store import audit_repo

SIGNED = "Tỷ lệ văn bản điện tử được ký số"


def _csrf(client: Any, path: str) -> str:
    text = client.get(path).text
    marker = 'name="csrf" value="'
    at = text.index(marker) + len(marker)
    return str(text[at : text.index('"', at)])


def _account(web: Any, username: str) -> Any:
    return next(a for a in users.accounts(web.rt) if a.username == username)


def _entries(web: Any, action: str) -> list[Any]:
    with web.rt.db.transaction() as session:
        return [e for e in audit_repo.entries(session, "user", 500) if e.action == action]


def _rows(html: str) -> list[str]:
    """The text of each row of the log's table."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return [re.sub(r"<[^>]+>", " ", r) for r in body.split("</tr>") if "<td" in r]


def test_admin_edits_an_account_and_its_session_obeys(web: Any) -> None:
    viewer = web.client("viewer")
    assert viewer.get("/ranking").status_code == 200
    admin = web.client("admin")
    form = admin.get("/admin/users/viewer")
    assert form.status_code == 200 and 'value="Tài khoản viewer"' in form.text
    sent = {
        "csrf": _csrf(admin, "/admin/users/viewer"),
        "full_name": "Nguyễn Thị Lãnh Đạo",
        "role": "reporter",
        "unit": "Sở Y tế",
        "email": "lanhdao@donvi.gov.vn",
    }
    done = admin.post("/admin/users/viewer", data=sent)
    assert done.status_code == 200 and "Đã lưu tài khoản viewer" in done.text
    account = _account(web, "viewer")
    assert (account.full_name, account.role.value, account.unit_key, account.email) == (
        "Nguyễn Thị Lãnh Đạo",
        "reporter",
        "75.SYT",
        "lanhdao@donvi.gov.vn",
    )
    [entry] = _entries(web, "user.update")
    assert entry.actor == "admin" and entry.entity_key == "viewer"
    assert entry.before == {
        "full_name": "Tài khoản viewer",
        "role": "viewer",
        "unit": None,
        "email": None,
    }
    assert entry.after == {
        "full_name": "Nguyễn Thị Lãnh Đạo",
        "role": "reporter",
        "unit": "75.SYT",
        "email": "lanhdao@donvi.gov.vn",
    }
    # the live session has the new role and scope at once
    assert viewer.get("/ranking").status_code == 403
    assert viewer.get("/units/75.SYT").status_code == 200
    assert viewer.get("/units/75.SCT").status_code == 403
    # the same form again changes nothing and writes no entry
    again = admin.post("/admin/users/viewer", data=sent | {"csrf": _csrf(admin, "/admin")})
    assert again.status_code == 200 and len(_entries(web, "user.update")) == 1
    # the log names it: who, what, old → new
    log = admin.get("/audit", params={"user": "admin"}).text
    [row] = [r for r in _rows(log) if "Sửa tài khoản" in r]
    assert "Tài khoản admin (admin)" in row and "Tài khoản viewer" in row
    assert "vai trò: Lãnh đạo, theo dõi" in row and "vai trò: Báo cáo viên đơn vị" in row
    assert "đơn vị: không có" in row and "đơn vị: 75.SYT" in row


def test_a_refused_edit_keeps_what_was_typed_and_changes_nothing(web: Any) -> None:
    admin = web.client("admin")
    sent = {
        "csrf": _csrf(admin, "/admin"),
        "full_name": "Trần Văn Thẩm Định Mới",
        "role": "reporter",
        "unit": "",
        "email": "tham-dinh@donvi.gov.vn",
    }
    refused = admin.post("/admin/users/evaluator", data=sent)
    assert refused.status_code == 422
    assert "Báo cáo viên phải gắn với một đơn vị" in refused.text
    assert 'value="Trần Văn Thẩm Định Mới"' in refused.text
    assert 'value="tham-dinh@donvi.gov.vn"' in refused.text
    assert '<option value="reporter" selected>' in refused.text
    account = _account(web, "evaluator")
    assert account.role.value == "evaluator" and account.full_name == "Tài khoản evaluator"
    assert not _entries(web, "user.update")
    unknown = admin.post("/admin/users/evaluator", data=sent | {"unit": "Xã Không Có Thật"})
    assert unknown.status_code == 422 and _account(web, "evaluator").unit_key is None
    forged = web.client("viewer").post("/admin/users/evaluator", data=sent)
    assert forged.status_code == 403 and _account(web, "evaluator").role.value == "evaluator"


def test_new_accounts_default_to_least_privilege_and_can_be_locked(web: Any) -> None:
    admin = web.client("admin")
    page = admin.get("/admin").text
    add = page.split('action="/admin/users"', 1)[1].split("</form>", 1)[0]
    assert '<option value="viewer" selected>' in add
    sent = {
        "csrf": _csrf(admin, "/admin"),
        "username": "moi",
        "full_name": "Người Mới",
        "password": "ba con ngua chay tren doi",
    }
    assert admin.post("/admin/users", data=sent).status_code == 303
    assert _account(web, "moi").role.value == "viewer"
    edit = admin.get("/admin/users/moi").text
    assert (
        'action="/admin/users/moi/active"' in edit and 'action="/admin/users/moi/password"' in edit
    )
    off = admin.post("/admin/users/moi/active", data={"csrf": sent["csrf"], "active": "0"})
    assert off.status_code == 200 and not _account(web, "moi").active
    assert "đã khóa" in admin.get("/admin/users/moi").text


def test_the_audit_log_filters_by_unit_indicator_person_and_dates(web: Any, tmp_path: Path) -> None:
    values = tmp_path / "sua.csv"
    values.write_text(
        "unit_code,period,indicator,numerator,denominator\n75.SYT,2026-10,signed_docs_rate,95,100\n",
        encoding="utf-8",
    )
    import_values(web.rt, values, "platform-usage")
    leader = web.client("viewer")
    got = leader.get("/audit", params={"unit": "Sở Y tế", "indicator": "signed_docs_rate"})
    assert got.status_code == 200
    rows = _rows(got.text)
    with web.rt.db.transaction() as session:
        stored = audit_repo.of_entity(session, "value", "%/75.SYT/%/signed_docs_rate")
    assert len(rows) == len(stored) == 3
    assert all(f"Sở Y tế · {SIGNED}" in r for r in rows)
    assert "tháng 10/2026" in rows[0] and "90/100" in rows[0] and "95/100" in rows[0]
    assert rows[0].index("90/100") < rows[0].index("95/100")  # old → new
    assert "signed_docs_rate" not in " ".join(rows) and "75.SYT" not in " ".join(rows)
    today = datetime.now(VIETNAM).date()  # the days a reader in Vietnam picks
    for since, until, some in (
        (today, today, True),
        (today + timedelta(days=1), None, False),
        (None, today - timedelta(days=1), False),
    ):
        params = {"unit": "75.SYT", "since": str(since or ""), "until": str(until or "")}
        found = _rows(leader.get("/audit", params=params).text)
        assert bool(found) is some, (since, until)
    assert leader.get("/audit", params={"since": "31/12/2026"}).status_code == 400
    missing = leader.get("/audit", params={"unit": "Xã Không Có Thật"})
    assert missing.status_code == 422 and "Xã Không Có Thật" in missing.text
    # pages of 50, newest first, none twice
    months = [f"{y}-{m:02d}" for y in range(2021, 2026) for m in range(1, 13)]
    older = tmp_path / "cu.csv"
    older.write_text(
        "unit_code,period,indicator,numerator,denominator\n"
        + "".join(f"75.SCT,{p},online_docs_rate,{i % 50},50\n" for i, p in enumerate(months)),
        encoding="utf-8",
    )
    import_values(web.rt, older, "platform-usage")
    first = leader.get("/audit").text
    total = int(re.search(r'data-total="(\d+)"', first)[1])  # type: ignore[index]
    assert total > 50 and 'rel="next"' in first
    ids = [int(x) for x in re.findall(r'data-entry="(\d+)"', first)]
    second = leader.get(re.search(r'rel="next" href="([^"]+)"', first)[1].replace("&amp;", "&"))  # type: ignore[index]
    more = [int(x) for x in re.findall(r'data-entry="(\d+)"', second.text)]
    assert len(ids) == 50 and ids == sorted(ids, reverse=True) and max(more) < min(ids)
    by_person = _rows(leader.get("/audit", params={"user": "viewer"}).text)
    assert by_person and all("Tài khoản viewer (viewer)" in r for r in by_person)
    assert web.client("reporter").get("/audit").status_code == 403


def test_value_history_from_the_unit_page_in_the_reporters_scope(web: Any) -> None:
    reporter = web.client("reporter")
    unit_page = reporter.get("/units/75.SYT").text
    link = "/history?unit=75.SYT&amp;indicator=signed_docs_rate"
    assert link in unit_page and SIGNED in unit_page
    got = reporter.get(link.replace("&amp;", "&"))
    assert got.status_code == 200 and SIGNED in got.text
    rows = _rows(got.text)
    assert len(rows) == 2
    assert "tháng 10/2026" in rows[0] and "90/100" in rows[0]
    assert "tháng 9/2026" in rows[1] and "80/100" in rows[1]
    assert "web-values.csv" in rows[0]
    outside = reporter.get("/history", params={"unit": "75.SCT", "indicator": "signed_docs_rate"})
    assert outside.status_code == 403


def test_the_leader_sees_self_assessment_progress(web: Any) -> None:
    today = date.today()
    year = str(today.year)
    rounds.open_round(
        web.rt, "dti-department-500", year, today - timedelta(days=5), today + timedelta(days=5)
    )
    framework = frameworks.get(web.rt, "dti-department-500")
    yes_no = [
        n
        for n in framework.leaves()
        if n.input is InputKind.YES_NO and n.applies("department") and n.max_points > 0
    ][:2]
    assert len(yes_no) == 2
    admin = web.rt.acting(_account(web, "admin").actor)
    entries = {
        yes_no[0].code: cycle.Entry("có", "Đã ban hành kế hoạch"),
        yes_no[1].code: cycle.Entry("không", ""),
    }
    cycle.save_self(admin, "dti-department-500", year, "75.SYT", entries)
    leader = web.client("viewer")
    page = leader.get("/").text
    assert 'href="/assessments/progress"' in page
    got = leader.get("/assessments/progress")
    assert got.status_code == 200
    row = re.search(r'<tr data-unit="75.SYT">(.*?)</tr>', got.text, re.S)
    assert row is not None
    due = len([n for n in framework.leaves() if n.applies("department") and n.max_points > 0])
    assert f'data-filled="2" data-due="{due}"' in row[1]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)
    assert "Sở Y tế" in cells[0] and cells[3].strip() == "1" and "Đang soạn" in cells[4]
    other = re.search(r'<tr data-unit="75.SCT">(.*?)</tr>', got.text, re.S)
    assert other is not None and f'data-filled="0" data-due="{due}"' in other[1]
    assert "chưa gửi" in other[1]
    assert web.client("reporter").get("/assessments/progress").status_code == 403
