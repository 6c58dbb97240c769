"""Accounts as an administrator expects (issue 11 item 7): throttling that never locks the real
user out, constant-time answers, login CSRF, sessions with idle and absolute limits, password
rules, role and activity changes, API tokens, audit and headers."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from chiso.services.accounts import sessions, users
from chiso.store.models import AuditEntry, LoginAttempt, WebSession
from tests.conftest import WEB_PASSWORD, login, login_csrf


def _fresh(web: Any) -> TestClient:
    return TestClient(web.app, follow_redirects=False)


def _actions(web: Any, entity: str) -> list[str]:
    with web.rt.db.transaction() as session:
        query = select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.id)
        return [e.action for e in session.scalars(query)]


def _age_failures(web: Any, seconds: float) -> None:
    """Moves every recorded attempt back in time, as if the client had waited."""
    with web.rt.db.transaction() as session:
        for attempt in session.scalars(select(LoginAttempt)):
            attempt.at = attempt.at - timedelta(seconds=seconds)


def test_failures_delay_the_guesser_but_never_lock_the_real_user(web: Any) -> None:
    attacker = _fresh(web)
    for _ in range(3):
        response = login(attacker, "viewer", "sai-mat-khau-roi")
        assert response.status_code == 401
        assert "không đúng" in response.text
    # the fourth attempt comes too early: refused without checking, asked to wait
    early = login(attacker, "viewer", WEB_PASSWORD)
    assert early.status_code == 429
    assert "chờ" in early.text and int(early.headers["Retry-After"]) >= 1
    # after the wait, the right password signs in (no lock)
    _age_failures(web, 2)
    assert login(attacker, "viewer", WEB_PASSWORD).status_code == 303
    actions = _actions(web, "login")
    assert actions.count("login.failed") == 3
    assert "login.delayed" in actions and "login.success" in actions
    assert "login.locked" not in actions


def test_a_flood_on_one_username_from_other_addresses_waits_at_most_the_cap(web: Any) -> None:
    now = datetime.now(UTC)
    with web.rt.db.transaction() as session:
        for i in range(200):
            session.add(
                LoginAttempt(
                    username="viewer", ip=f"10.0.{i // 250}.{i % 250}", success=False, at=now
                )
            )
    real = _fresh(web)
    response = login(real, "viewer", WEB_PASSWORD)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) <= sessions.USER.cap
    _age_failures(web, sessions.USER.cap + 1)
    assert login(real, "viewer", WEB_PASSWORD).status_code == 303


def test_one_address_spraying_usernames_is_slowed_not_locked(web: Any) -> None:
    now = datetime.now(UTC)
    with web.rt.db.transaction() as session:
        for i in range(sessions.IP.free + 30):
            session.add(
                LoginAttempt(username=f"khong-co-{i}", ip="testclient", success=False, at=now)
            )
    client = _fresh(web)
    response = login(client, "evaluator", WEB_PASSWORD)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) <= sessions.IP.cap
    _age_failures(web, sessions.IP.cap + 1)
    assert login(client, "evaluator", WEB_PASSWORD).status_code == 303


def test_unknown_usernames_take_as_long_as_real_ones(web: Any) -> None:
    def timed(username: str) -> float:
        start = time.perf_counter()
        with pytest.raises(sessions.LoginRefused):
            sessions.authenticate(web.rt, username, "sai-mat-khau-roi", f"192.0.2.{len(username)}")
        return time.perf_counter() - start

    sessions.authenticate(web.rt, "admin", WEB_PASSWORD, "192.0.2.200")  # warm both paths
    timed("khong-ai-ca")
    known, unknown = [], []
    for _ in range(5):
        known.append(timed("viewer"))
        unknown.append(timed("khong-ton-tai-ai"))
        _age_failures(web, 3600)
    ratio = statistics.median(known) / statistics.median(unknown)
    assert 0.33 < ratio < 3.0, (known, unknown)


def test_login_without_its_csrf_token_is_refused(web: Any) -> None:
    client = _fresh(web)
    data = {"username": "viewer", "password": WEB_PASSWORD, "next": "/"}
    assert client.post("/login", data=data).status_code == 403
    login_csrf(client)
    assert client.post("/login", data={**data, "csrf": "gia-mao"}).status_code == 403
    assert "chiso_session" not in client.cookies
    assert login(client, "viewer", WEB_PASSWORD).status_code == 303


def test_cookie_flags_follow_the_setting(web: Any) -> None:
    client = _fresh(web)
    response = login(client, "viewer", WEB_PASSWORD)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    web.rt.settings.cookie_secure = True
    try:
        secure = login(_fresh(web), "evaluator", WEB_PASSWORD).headers["set-cookie"].lower()
    finally:
        web.rt.settings.cookie_secure = False
    assert "; secure" in secure
    max_age = int(cookie.split("max-age=")[1].split(";")[0])
    assert max_age == web.rt.settings.session_max_hours * 3600


def test_sessions_end_when_idle_or_too_old(web: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    idle, old = _fresh(web), _fresh(web)
    login(idle, "viewer", WEB_PASSWORD)
    login(old, "evaluator", WEB_PASSWORD)
    assert idle.get("/").status_code == 200 and old.get("/").status_code == 200
    idle_digest = sessions.digest(idle.cookies["chiso_session"])
    old_digest = sessions.digest(old.cookies["chiso_session"])
    with web.rt.db.transaction() as session:
        gone = session.get(WebSession, idle_digest)
        assert gone is not None
        gone.last_seen_at = datetime.now(UTC) - timedelta(
            minutes=web.rt.settings.session_idle_minutes + 1
        )
        aged = session.get(WebSession, old_digest)
        assert aged is not None
        aged.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    # a worker remembers a session it has seen for up to TOUCH seconds, then reads it again
    later = datetime.now(UTC) + timedelta(seconds=sessions.TOUCH + 1)
    monkeypatch.setattr(sessions, "_now", lambda: later)
    assert idle.get("/").headers["location"].startswith("/login")
    assert old.get("/").headers["location"].startswith("/login")
    with web.rt.db.transaction() as session:
        assert session.get(WebSession, idle_digest) is None


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("ngan-qua-1", "ít nhất 12"),
        ("123456789012", "dãy phím"),
        ("Password1234!", "phổ biến"),
        ("MậtKhẩu2026!!", "phổ biến"),
        ("aaaaaaaaaaaaaa", "ít ký tự khác"),
        ("qwertyuiopas", "dãy phím"),
        ("nguyenvana-2026", "tên đăng nhập"),
    ],
)
def test_weak_passwords_are_refused(web: Any, password: str, why: str) -> None:
    from chiso.errors import RejectedInput

    with pytest.raises(RejectedInput) as refused:
        users.create_user(web.rt, "nguyenvana", "Nguyễn Văn A", password)
    assert why in refused.value.message_vi
    assert users.password_problem("ba-con-meo-den-2026", "nguyenvana") is None


def test_a_new_account_is_a_viewer(web: Any) -> None:
    account = users.create_user(web.rt, "moi", "Người mới", "ba-con-meo-den-2026")
    assert account.role.value == "viewer"


def _csrf_of(client: TestClient, path: str) -> str:
    text = client.get(path).text
    marker = 'name="csrf" value="'
    start = text.index(marker) + len(marker)
    return text[start : text.index('"', start)]


def test_own_password_change_ends_the_other_sessions(web: Any) -> None:
    here, elsewhere = _fresh(web), _fresh(web)
    login(here, "viewer", WEB_PASSWORD)
    login(elsewhere, "viewer", WEB_PASSWORD)
    csrf = _csrf_of(here, "/account")
    wrong = here.post(
        "/account/password",
        data={"csrf": csrf, "current": "khong-phai", "new": "ba-con-meo-den-2026",
              "confirm": "ba-con-meo-den-2026"},
    )  # fmt: skip
    assert wrong.status_code == 422 and "hiện tại không đúng" in wrong.text
    weak = here.post(
        "/account/password",
        data={
            "csrf": csrf,
            "current": WEB_PASSWORD,
            "new": "password1234",
            "confirm": "password1234",
        },
    )
    assert weak.status_code == 422 and "phổ biến" in weak.text
    done = here.post(
        "/account/password",
        data={"csrf": csrf, "current": WEB_PASSWORD, "new": "ba-con-meo-den-2026",
              "confirm": "ba-con-meo-den-2026"},
    )  # fmt: skip
    assert done.status_code == 200 and "đã đăng xuất 1 phiên" in done.text
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").headers["location"].startswith("/login")
    assert login(_fresh(web), "viewer", WEB_PASSWORD).status_code == 401
    assert login(_fresh(web), "viewer", "ba-con-meo-den-2026").status_code == 303
    assert "user.password" in _actions(web, "user")


def test_admin_changes_role_deactivates_and_resets(web: Any) -> None:
    admin = web.client("admin")
    victim = _fresh(web)
    login(victim, "evaluator", WEB_PASSWORD)
    assert victim.get("/data").status_code == 200
    csrf = _csrf_of(admin, "/admin")
    role = admin.post(
        "/admin/users/evaluator/role", data={"csrf": csrf, "role": "reporter", "unit": "75.SCT"}
    )
    assert role.status_code == 200 and "Báo cáo viên đơn vị" in role.text
    assert victim.get("/ranking").status_code == 403  # the live session has the new role
    off = admin.post("/admin/users/evaluator/active", data={"csrf": csrf, "active": "0"})
    assert off.status_code == 200 and "Đã khóa" in off.text
    assert victim.get("/").headers["location"].startswith("/login")
    assert login(_fresh(web), "evaluator", WEB_PASSWORD).status_code == 401
    admin.post("/admin/users/evaluator/active", data={"csrf": csrf, "active": "1"})
    reset = admin.post("/admin/users/evaluator/password", data={"csrf": csrf})
    assert reset.status_code == 200 and "chỉ hiện một lần" in reset.text
    new_password = reset.text.split("<code>")[1].split("</code>")[0]
    assert login(_fresh(web), "evaluator", WEB_PASSWORD).status_code == 401
    assert login(_fresh(web), "evaluator", new_password).status_code == 303
    assert reset.headers["cache-control"] == "no-store"
    assert {"user.role", "user.deactivate", "user.activate", "user.password"} <= set(
        _actions(web, "user")
    )
    refused = admin.post("/admin/users/admin/active", data={"csrf": csrf, "active": "0"})
    assert refused.status_code == 422 and "tự khóa" in refused.text


def test_tokens_from_the_admin_page(web: Any) -> None:
    admin = web.client("admin")
    csrf = _csrf_of(admin, "/admin")
    made = admin.post(
        "/admin/tokens", data={"csrf": csrf, "username": "evaluator", "name": "QLVB", "days": "30"}
    )
    assert made.status_code == 200
    token = made.text.split("<code>")[1].split("</code>")[0]
    assert token.startswith("chiso_")
    assert token not in admin.get("/admin").text  # shown once
    bearer = {"Authorization": f"Bearer {token}"}
    assert _fresh(web).get("/api/v1/units", headers=bearer).status_code == 200
    (info,) = sessions.tokens(web.rt, "evaluator")
    assert info.last_used_at is not None and info.expires_at is not None
    assert 29 <= (info.expires_at - info.created_at).days <= 30
    with web.rt.db.transaction() as session:
        from chiso.store.models import ApiToken

        stored = session.scalars(select(ApiToken)).one()
        assert stored.token_hash == sessions.digest(token) and token not in stored.token_hash
    revoked = admin.post(f"/admin/tokens/{info.id}/revoke", data={"csrf": csrf})
    assert revoked.status_code == 200 and "Đã thu hồi" in revoked.text
    assert _fresh(web).get("/api/v1/units", headers=bearer).status_code == 401
    assert {"token.create", "token.revoke"} <= set(_actions(web, "user"))


def test_expired_tokens_are_refused(web: Any) -> None:
    token = sessions.create_token(web.rt, "evaluator", "cũ", 1)
    from chiso.store.models import ApiToken

    with web.rt.db.transaction() as session:
        stored = session.scalars(select(ApiToken)).one()
        stored.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    bearer = {"Authorization": f"Bearer {token}"}
    assert _fresh(web).get("/api/v1/units", headers=bearer).status_code == 401


def test_tokens_and_accounts_from_the_cli(web: Any, cli: Any) -> None:
    url = web.rt.settings.effective_database_url
    code, out, err = cli(
        url, "users", "token", "create", "evaluator", "--name", "QLVB", "--days", "7"
    )
    assert code == 0, err
    token = next(line for line in out.splitlines() if line.startswith("chiso_"))
    assert sessions.token_account(web.rt, token) is not None
    code, out, _ = cli(url, "users", "token", "list", "evaluator")
    assert code == 0 and "QLVB" in out and "còn hiệu lực" in out
    (info,) = sessions.tokens(web.rt, "evaluator")
    assert cli(url, "users", "token", "revoke", str(info.id))[0] == 0
    assert sessions.token_account(web.rt, token) is None
    code, _, err = cli(url, "users", "token", "revoke", "9999")
    assert code == 2 and "Không có mã truy cập số 9999" in err
    code, out, err = cli(url, "users", "add", "moi", "--name", "Người mới")
    assert code == 0, err
    assert next(a for a in users.accounts(web.rt) if a.username == "moi").role.value == "viewer"
    assert cli(url, "users", "role", "moi", "evaluator")[0] == 0
    assert cli(url, "users", "deactivate", "moi")[0] == 0
    assert not next(a for a in users.accounts(web.rt) if a.username == "moi").active
    code, out, _ = cli(url, "users", "reset-password", "viewer")
    assert code == 0
    password = out.split("viewer: ")[1].split(" ")[0]
    assert login(_fresh(web), "viewer", password).status_code == 303


@pytest.mark.parametrize("role", ["reporter", "viewer", "evaluator"])
def test_only_an_administrator_reaches_the_account_pages(web: Any, role: str) -> None:
    client = web.client(role)
    assert client.get("/admin").status_code == 403
    csrf = web.csrf(role)
    for path, data in [
        ("/admin/users/viewer/role", {"role": "admin"}),
        ("/admin/users/viewer/active", {"active": "0"}),
        ("/admin/users/viewer/password", {}),
        ("/admin/tokens", {"username": role, "name": "x"}),
        ("/admin/tokens/1/revoke", {}),
    ]:
        assert client.post(path, data={"csrf": csrf, **data}).status_code == 403, path
    assert next(a for a in users.accounts(web.rt) if a.username == "viewer").role.value == "viewer"
    assert sessions.tokens(web.rt) == []


def test_exports_documents_evidence_ingest_and_refusals_are_audited(web: Any) -> None:
    evaluator = web.client("evaluator")
    assert evaluator.get("/ranking.csv?period=2026-10").status_code == 200
    assert evaluator.get("/ranking.xlsx?period=2026-10").status_code == 200
    assert evaluator.get("/data/template?period=2026-10").status_code == 200
    token = sessions.create_token(web.rt, "evaluator", "QLVB")
    record = {
        "doc_id": "vb-1",
        "unit_code": "75.SYT",
        "issued_at": "2026-10-02 08:00",
        "classified": False,
        "sent_online": True,
        "signed_personal": True,
        "signed_org": True,
    }
    ingest = _fresh(web).post(
        "/api/v1/records/documents", json=[record], headers={"Authorization": f"Bearer {token}"}
    )
    assert ingest.status_code == 200, ingest.text
    reporter = web.client("reporter")
    assert reporter.get("/ranking").status_code == 403
    with web.rt.db.transaction() as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    seen = {(e.actor, e.action, e.entity) for e in entries}
    assert ("evaluator", "export", "ranking") in seen
    assert ("evaluator", "export", "template") in seen
    assert ("evaluator", "records.ingest", "records") in seen
    refused = [e for e in entries if e.action == "refused"]
    assert refused and refused[-1].actor == "reporter" and refused[-1].entity_key == "/ranking"
    files = {e.entity_key for e in entries if e.action == "export"}
    assert "xep-hang-platform-usage-2026-10.csv" in files


def test_signed_in_pages_are_not_stored(web: Any) -> None:
    assert web.client("viewer").get("/").headers["cache-control"] == "no-store"
    assert web.client("admin").get("/admin").headers["cache-control"] == "no-store"
    assert _fresh(web).get("/login").headers["cache-control"] == "no-store"
    assert "no-store" not in web.client("viewer").get("/static/style.css").headers.get(
        "cache-control", ""
    )


def test_the_csp_allows_no_inline_style_or_script(web: Any) -> None:
    policy = web.client("viewer").get("/").headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy
    script = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script


def test_a_generated_document_is_audited(web: Any) -> None:
    viewer = web.client("viewer")
    data = {
        "csrf": web.csrf("viewer"),
        "kind": "letter",
        "action": "docx",
        "text": "period: 2026-10\nfindings: [signed_docs_rate]\n",
    }
    response = viewer.post("/documents/compose", data=data)
    with web.rt.db.transaction() as session:
        query = select(AuditEntry).where(AuditEntry.action == "document.make")
        made = list(session.scalars(query))
    assert response.status_code == 200, response.text
    assert [(e.actor, e.entity) for e in made] == [("viewer", "document")]
    assert made[0].after == {"kind": "letter", "format": "docx"}
