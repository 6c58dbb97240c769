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
    known, unknown = [], []
    for _ in range(3):
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


def test_sessions_end_when_idle_or_too_old(web: Any) -> None:
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
