"""Signing in: argon2 password checks with progressive delays (never a lock-out), browser
sessions with an idle timeout and an absolute lifetime, API tokens with an expiry, both stored as
SHA-256 hashes, and an audit entry for every sign-in and sign-out.

Throttling: failures are counted over `WINDOW_MINUTES` for three keys: the username from one
address, the username from anywhere, and the address whatever the username. Past each key's free
attempts, the next attempt must wait `2^(n - free)` seconds after the newest failure, up to the
key's cap; an attempt that comes too early is answered "wait N seconds" without checking the
password and is not counted as a failure, so an attacker cannot lengthen the wait beyond the cap.
The real user, from their own address, waits at most `USER.cap` (30 s) after someone else's
failures and then signs in with the right password; sharing the guesser's address (a proxy),
at most `PAIR.cap` or `IP.cap` (60 s). Unknown and deactivated usernames cost one argon2 verification like
real ones, so the answer time does not tell which usernames exist."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from chiso.domain.access import Account, Actor, TokenInfo
from chiso.errors import ChisoError, NotFound, UsageError
from chiso.services import stamps
from chiso.services.runtime import Runtime
from chiso.store import accounts_repo, audit_repo

WINDOW_MINUTES = 15


@dataclass(frozen=True)
class Throttle:
    """Free failures for a key before each attempt must wait, and the longest wait (seconds)."""

    free: int
    cap: int

    def wait(self, failures: int, newest: datetime | None, now: datetime) -> float:
        if failures < self.free or newest is None:
            return 0.0
        delay = min(float(self.cap), 2.0 ** (failures - self.free))
        return max(0.0, delay - (now - newest).total_seconds())


PAIR = Throttle(free=3, cap=60)
"""One username from one address: the guesser's own address."""
USER = Throttle(free=10, cap=30)
"""One username from every address: a distributed guess; the real user waits at most 30 s."""
IP = Throttle(free=20, cap=60)
"""One address over every username: spraying; behind a shared proxy people wait at most 60 s."""


@cache
def hasher(cost: str = "standard") -> PasswordHasher:
    """The argon2 hasher of the configured cost: the library's parameters, or the cheapest ones
    for tests (CHISO_PASSWORD_HASH_COST=fast). A hash carries its parameters, so either verifies
    the other's hashes."""
    if cost == "fast":
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()


class LoginRefused(ChisoError):
    exit_code = 1

    def __init__(
        self, message_vi: str, message_en: str, *, wait_seconds: int = 0, hint_vi: str | None = None
    ) -> None:
        super().__init__(message_vi, message_en, hint_vi=hint_vi)
        self.wait_seconds = wait_seconds


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


TOUCH = accounts_repo.TOUCH_SECONDS


def _now() -> datetime:
    return datetime.now(UTC)


@cache
def _dummy_hash(cost: str) -> str:
    """A hash to verify against when the username is unknown: the same work as a real one."""
    return hasher(cost).hash(secrets.token_urlsafe(16))


def authenticate(rt: Runtime, username: str, password: str, ip: str) -> Account:
    """The account, or LoginRefused with a reason a person can act on (never which part was wrong).
    Every attempt is recorded and committed before refusing, so that the limits hold."""
    now = _now()
    with rt.db.transaction() as session:
        since = now - timedelta(minutes=WINDOW_MINUTES)
        wait = max(
            PAIR.wait(*accounts_repo.failures(session, since, username=username, ip=ip), now),
            USER.wait(*accounts_repo.failures(session, since, username=username), now),
            IP.wait(*accounts_repo.failures(session, since, ip=ip), now),
        )
        if wait > 0:
            seconds = math.ceil(wait)
            after = {"ip": ip, "wait_seconds": seconds}
            audit_repo.record(
                session, Actor(username), "login.delayed", "login", username, None, after
            )
        else:
            found = accounts_repo.credentials(session, username)
            checked = _verify(
                rt, found[1] if found else _dummy_hash(rt.settings.password_hash_cost), password
            )
            account = found[0] if found else None
            valid = checked and account is not None and account.active
            accounts_repo.add_attempt(session, username, ip, valid, now)
            action = "login.success" if valid else "login.failed"
            audit_repo.record(session, Actor(username), action, "login", username, None, {"ip": ip})
            if valid:
                accounts_repo.signed_in(session, username, now)
    if wait > 0:
        raise LoginRefused(
            f"Đã đăng nhập sai nhiều lần; vui lòng chờ {seconds} giây rồi thử lại.",
            f"login delayed {seconds}s",
            wait_seconds=seconds,
            hint_vi="mật khẩu đúng vẫn đăng nhập được sau khi chờ; "
            "liên hệ quản trị viên nếu quên mật khẩu.",
        )
    if not valid or account is None:
        raise LoginRefused("Tên đăng nhập hoặc mật khẩu không đúng.", "bad credentials")
    return account


def _verify(rt: Runtime, stored: str, password: str) -> bool:
    try:
        return hasher(rt.settings.password_hash_cost).verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password(rt: Runtime, username: str, password: str) -> bool:
    """Whether the password is the account's (for changing one's own password)."""
    with rt.db.transaction() as session:
        found = accounts_repo.credentials(session, username)
    stored = found[1] if found else _dummy_hash(rt.settings.password_hash_cost)
    return _verify(rt, stored, password) and found is not None


def start_session(rt: Runtime, account: Account) -> tuple[str, str]:
    """A new browser session: (cookie value, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = _now()
    expires = now + timedelta(hours=rt.settings.session_max_hours)
    with rt.db.transaction() as session:
        accounts_repo.add_session(session, digest(token), account.id, csrf, now, expires)
    return token, csrf


def session_account(rt: Runtime, token: str) -> tuple[Account, str] | None:
    """The account of a live session: within its lifetime and used within the idle timeout.
    A worker remembers it under the stamps (`stamps`) it was read at: signing out, a change of
    role, scope, password or activity is audited and moves them, so every worker reads the
    session again at its next request; lifetime and idle time are checked at each request, and
    the database is read again once the use it noted is `TOUCH_SECONDS` old."""
    now = _now()
    key = ("session", digest(token))
    at = stamps.current(rt)
    known = rt.signed.get(key)
    if known is not None:
        stamp, account, csrf, expires, seen = known
        if stamp == at and now < expires and (now - seen).total_seconds() <= TOUCH:
            return account, csrf
    idle_since = now - timedelta(minutes=rt.settings.session_idle_minutes)
    with rt.db.transaction() as session:
        found = accounts_repo.session_of(session, key[1], now, idle_since)
    if found is None:
        rt.signed.drop(key)
        return None
    account, csrf, expires, seen = found
    rt.signed.put(key, (at, account, csrf, expires, seen))
    return account, csrf


def end_session(rt: Runtime, token: str) -> None:
    with rt.db.transaction() as session:
        username = accounts_repo.end_session(session, digest(token))
        if username is not None:
            audit_repo.record(session, Actor(username), "logout", "login", username)


def create_token(rt: Runtime, username: str, name: str, days: int | None = 90) -> str:
    """A new API token for an integrating system, valid `days` (None: until revoked); only its
    hash is kept, so show it once."""
    if days is not None and days < 1:
        raise UsageError(
            f"Số ngày hiệu lực {days} không hợp lệ.",
            f"bad token lifetime {days}",
            hint_vi="dùng một số ngày từ 1 trở lên.",
        )
    if not name.strip():
        raise UsageError(
            "Cần đặt tên cho mã truy cập (hệ thống nào dùng nó).", "token needs a name"
        )
    token = "chiso_" + secrets.token_urlsafe(32)
    now = _now()
    expires = now + timedelta(days=days) if days is not None else None
    with rt.db.transaction() as session:
        account = accounts_repo.by_username(session, username)
        if account is None:
            raise NotFound(f"Không có tài khoản '{username}'.", "no such user")
        token_id = accounts_repo.add_token(
            session, account.id, name.strip(), digest(token), now, expires
        )
        after = {
            "id": token_id,
            "name": name.strip(),
            "expires_at": expires.isoformat() if expires else None,
        }
        audit_repo.record(session, rt.actor, "token.create", "user", username, None, after)
    return token


def tokens(rt: Runtime, username: str | None = None) -> list[TokenInfo]:
    with rt.db.transaction() as session:
        return accounts_repo.tokens(session, username)


def revoke_token(rt: Runtime, token_id: int) -> TokenInfo:
    with rt.db.transaction() as session:
        found = accounts_repo.revoke_token(session, token_id)
        if found is None:
            raise NotFound(
                f"Không có mã truy cập số {token_id}.",
                f"no token {token_id}",
                hint_vi="xem số của mã bằng `chiso users token list` hoặc trang Quản trị.",
            )
        before = {"id": found.id, "name": found.name, "revoked": found.revoked}
        after = {**before, "revoked": True}
        audit_repo.record(session, rt.actor, "token.revoke", "user", found.username, before, after)
        return found


def token_account(rt: Runtime, token: str) -> Account | None:
    """The account of a valid API token, remembered like a session's (`session_account`): a
    revocation is audited; its last use is noted at most every `TOUCH_SECONDS`."""
    now = _now()
    key = ("token", digest(token))
    at = stamps.current(rt)
    known = rt.signed.get(key)
    if known is not None:
        stamp, account, expires, used = known
        alive = expires is None or now < expires
        if stamp == at and alive and (now - used).total_seconds() <= TOUCH:
            return cast(Account, account)
    with rt.db.transaction() as session:
        found = accounts_repo.token_of(session, key[1], now)
    if found is None:
        rt.signed.drop(key)
        return None
    rt.signed.put(key, (at, found[0], found[1], now))
    return found[0]
