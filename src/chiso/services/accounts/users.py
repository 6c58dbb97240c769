"""Local accounts: argon2 password hashes, browser sessions and API tokens stored as SHA-256
hashes, login rate limiting, and an audit entry for every login and account change."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso.domain.access import Role
from chiso.errors import ChisoError, NotFound, RejectedInput, UsageError
from chiso.services.runtime import Runtime
from chiso.services.units.catalogue import resolve
from chiso.store import units_repo
from chiso.store.models import ApiToken, LoginAttempt, User, WebSession

SESSION_DAYS = 7
LOCK_MINUTES = 15
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_IP = 20
_HASHER = PasswordHasher()


class LoginRefused(ChisoError):
    exit_code = 1


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    full_name: str
    role: Role
    unit_id: int | None
    unit_key: str | None
    unit_name: str | None
    active: bool
    email: str | None = None

    @classmethod
    def of(cls, u: User) -> Account:
        return cls(
            u.id,
            u.username,
            u.full_name,
            Role(u.role),
            u.unit_id,
            u.unit.key if u.unit else None,
            u.unit.name if u.unit else None,
            u.active,
            u.email,
        )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def create_user(
    rt: Runtime,
    username: str,
    full_name: str,
    password: str,
    role: str,
    unit: str | None = None,
    email: str | None = None,
) -> Account:
    try:
        chosen = Role(role)
    except ValueError as exc:
        raise UsageError(
            f"Vai trò '{role}' không hợp lệ.",
            f"bad role {role!r}",
            hint_vi="dùng admin, evaluator, reporter hoặc viewer.",
        ) from exc
    if len(password) < 8:
        raise RejectedInput("Mật khẩu phải có ít nhất 8 ký tự.", "password too short")
    if chosen is Role.REPORTER and not unit:
        raise RejectedInput("Báo cáo viên phải gắn với một đơn vị.", "reporter needs a unit")
    with rt.db.transaction() as session:
        if session.scalar(select(User).where(User.username == username)) is not None:
            raise RejectedInput(f"Tên đăng nhập '{username}' đã có.", "username exists")
        unit_id = resolve(session, unit).id if unit else None
        user = User(
            username=username,
            full_name=full_name,
            password_hash=_HASHER.hash(password),
            role=chosen.value,
            unit_id=unit_id,
            email=_checked_email(email),
        )
        session.add(user)
        session.flush()
        units_repo.audit(
            session,
            rt.actor,
            "user.create",
            "user",
            username,
            None,
            {"role": chosen.value, "unit_id": unit_id},
        )
        session.refresh(user)
        return Account.of(user)


def authenticate(rt: Runtime, username: str, password: str, ip: str) -> Account:
    """The account, or LoginRefused with a reason a person can act on (never which part was wrong).
    Every attempt is recorded and committed before refusing, so that the limit holds."""
    with rt.db.transaction() as session:
        since = _now() - timedelta(minutes=LOCK_MINUTES)
        locked = (
            _failures(session, since, username=username) >= MAX_FAILURES_PER_USER
            or _failures(session, since, ip=ip) >= MAX_FAILURES_PER_IP
        )
        user = None if locked else session.scalar(select(User).where(User.username == username))
        valid = user is not None and user.active and _verify(user.password_hash, password)
        _attempt(
            session,
            username,
            ip,
            valid,
            "login.locked" if locked else "login.success" if valid else "login.failed",
        )
        if valid and user is not None:
            user.last_login_at = _now()
            account = Account.of(user)
    if locked:
        raise LoginRefused(
            f"Đăng nhập sai quá nhiều lần; vui lòng thử lại sau {LOCK_MINUTES} phút.",
            "login rate limited",
            hint_vi="liên hệ quản trị viên nếu quên mật khẩu.",
        )
    if not valid:
        raise LoginRefused("Tên đăng nhập hoặc mật khẩu không đúng.", "bad credentials")
    return account


def _verify(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _failures(
    session: Session, since: datetime, username: str | None = None, ip: str | None = None
) -> int:
    query = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.at >= since, LoginAttempt.success.is_(False))
    )
    query = (
        query.where(LoginAttempt.username == username)
        if username is not None
        else query.where(LoginAttempt.ip == ip)
    )
    return session.scalar(query) or 0


def _attempt(session: Session, username: str, ip: str, success: bool, action: str) -> None:
    session.add(LoginAttempt(username=username, ip=ip, success=success))
    units_repo.audit(session, username, action, "login", username, None, {"ip": ip})


def start_session(rt: Runtime, account: Account) -> tuple[str, str]:
    """A new browser session: (cookie value, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with rt.db.transaction() as session:
        session.add(
            WebSession(
                id=_digest(token),
                user_id=account.id,
                csrf_token=csrf,
                expires_at=_now() + timedelta(days=SESSION_DAYS),
            )
        )
    return token, csrf


def session_account(rt: Runtime, token: str) -> tuple[Account, str] | None:
    with rt.db.transaction() as session:
        found = session.get(WebSession, _digest(token))
        if found is None or _aware(found.expires_at) < _now() or not found.user.active:
            return None
        return Account.of(found.user), found.csrf_token


def end_session(rt: Runtime, token: str) -> None:
    with rt.db.transaction() as session:
        found = session.get(WebSession, _digest(token))
        if found is not None:
            units_repo.audit(session, found.user.username, "logout", "login", found.user.username)
            session.delete(found)


def create_token(rt: Runtime, username: str, name: str) -> str:
    """A new API token for an integrating system; only its hash is kept, so show it once."""
    token = "chiso_" + secrets.token_urlsafe(32)
    with rt.db.transaction() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"Không có tài khoản '{username}'.", "no such user")
        session.add(ApiToken(user_id=user.id, name=name, token_hash=_digest(token)))
        units_repo.audit(session, rt.actor, "token.create", "user", username, None, {"name": name})
    return token


def token_account(rt: Runtime, token: str) -> Account | None:
    with rt.db.transaction() as session:
        found = session.scalar(
            select(ApiToken).where(
                ApiToken.token_hash == _digest(token), ApiToken.revoked.is_(False)
            )
        )
        if found is None or not found.user.active:
            return None
        found.last_used_at = _now()
        return Account.of(found.user)


def accounts(rt: Runtime) -> list[Account]:
    with rt.db.transaction() as session:
        return [Account.of(u) for u in session.scalars(select(User).order_by(User.username))]


def lineage_ids(rt: Runtime, unit_id: int) -> list[int]:
    """The unit's id and its ancestors' ids, for scope checks."""
    with rt.db.transaction() as session:
        return units_repo.lineage_ids(session, unit_id)


def set_password(rt: Runtime, username: str, password: str) -> None:
    if len(password) < 8:
        raise RejectedInput("Mật khẩu phải có ít nhất 8 ký tự.", "password too short")
    with rt.db.transaction() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"Không có tài khoản '{username}'.", "no such user")
        user.password_hash = _HASHER.hash(password)
        units_repo.audit(session, rt.actor, "user.password", "user", username)


def _checked_email(email: str | None) -> str | None:
    text = (email or "").strip()
    if not text:
        return None
    if "@" not in text or " " in text or text.startswith("@") or text.endswith("@"):
        raise RejectedInput(f"Địa chỉ thư '{text}' không hợp lệ.", "bad e-mail address")
    return text


def set_email(rt: Runtime, username: str, email: str | None) -> None:
    """The address notification digests go to (None stops them)."""
    checked = _checked_email(email)
    with rt.db.transaction() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"Không có tài khoản '{username}'.", f"no user {username}")
        before = {"email": user.email}
        user.email = checked
        units_repo.audit(
            session, rt.actor, "user.email", "user", username, before, {"email": checked}
        )
