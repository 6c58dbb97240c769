"""Signing in: argon2 password checks with rate limiting, browser sessions and API tokens
stored as SHA-256 hashes, and an audit entry for every sign-in and sign-out."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from chiso.domain.access import Account, Actor
from chiso.errors import ChisoError, NotFound
from chiso.services.runtime import Runtime
from chiso.store import accounts_repo, audit_repo

SESSION_DAYS = 7
LOCK_MINUTES = 15
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_IP = 20
HASHER = PasswordHasher()


class LoginRefused(ChisoError):
    exit_code = 1


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def authenticate(rt: Runtime, username: str, password: str, ip: str) -> Account:
    """The account, or LoginRefused with a reason a person can act on (never which part was wrong).
    Every attempt is recorded and committed before refusing, so that the limit holds."""
    with rt.db.transaction() as session:
        since = _now() - timedelta(minutes=LOCK_MINUTES)
        locked = (
            accounts_repo.failures(session, since, username=username) >= MAX_FAILURES_PER_USER
            or accounts_repo.failures(session, since, ip=ip) >= MAX_FAILURES_PER_IP
        )
        found = None if locked else accounts_repo.credentials(session, username)
        account = found[0] if found else None
        valid = found is not None and found[0].active and _verify(found[1], password)
        accounts_repo.add_attempt(session, username, ip, valid)
        action = "login.locked" if locked else "login.success" if valid else "login.failed"
        audit_repo.record(session, Actor(username), action, "login", username, None, {"ip": ip})
        if valid:
            accounts_repo.signed_in(session, username, _now())
    if locked:
        raise LoginRefused(
            f"Đăng nhập sai quá nhiều lần; vui lòng thử lại sau {LOCK_MINUTES} phút.",
            "login rate limited",
            hint_vi="liên hệ quản trị viên nếu quên mật khẩu.",
        )
    if not valid or account is None:
        raise LoginRefused("Tên đăng nhập hoặc mật khẩu không đúng.", "bad credentials")
    return account


def _verify(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def start_session(rt: Runtime, account: Account) -> tuple[str, str]:
    """A new browser session: (cookie value, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = _now() + timedelta(days=SESSION_DAYS)
    with rt.db.transaction() as session:
        accounts_repo.add_session(session, digest(token), account.id, csrf, expires)
    return token, csrf


def session_account(rt: Runtime, token: str) -> tuple[Account, str] | None:
    with rt.db.transaction() as session:
        return accounts_repo.session_of(session, digest(token), _now())


def end_session(rt: Runtime, token: str) -> None:
    with rt.db.transaction() as session:
        username = accounts_repo.end_session(session, digest(token))
        if username is not None:
            audit_repo.record(session, Actor(username), "logout", "login", username)


def create_token(rt: Runtime, username: str, name: str) -> str:
    """A new API token for an integrating system; only its hash is kept, so show it once."""
    token = "chiso_" + secrets.token_urlsafe(32)
    with rt.db.transaction() as session:
        account = accounts_repo.by_username(session, username)
        if account is None:
            raise NotFound(f"Không có tài khoản '{username}'.", "no such user")
        accounts_repo.add_token(session, account.id, name, digest(token))
        audit_repo.record(session, rt.actor, "token.create", "user", username, None, {"name": name})
    return token


def token_account(rt: Runtime, token: str) -> Account | None:
    with rt.db.transaction() as session:
        return accounts_repo.token_of(session, digest(token), _now())
