"""Accounts, browser sessions, API tokens and sign-in attempts; passwords and tokens are kept
only as hashes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from chiso.domain.access import Account, Role
from chiso.store.models import ApiToken, LoginAttempt, User, WebSession


def _account(u: User) -> Account:
    unit = u.unit
    return Account(
        id=u.id,
        username=u.username,
        full_name=u.full_name,
        role=Role(u.role),
        unit_id=u.unit_id,
        unit_key=unit.key if unit else None,
        unit_name=unit.name if unit else None,
        active=u.active,
        email=u.email,
    )


def _user(session: Session, username: str) -> User | None:
    query = select(User).where(User.username == username).options(selectinload(User.unit))
    return session.scalar(query)


def by_username(session: Session, username: str) -> Account | None:
    user = _user(session, username)
    return _account(user) if user else None


def credentials(session: Session, username: str) -> tuple[Account, str] | None:
    """The account and its password hash, for signing in."""
    user = _user(session, username)
    return (_account(user), user.password_hash) if user else None


def all_accounts(session: Session) -> list[Account]:
    query = select(User).order_by(User.username).options(selectinload(User.unit))
    return [_account(u) for u in session.scalars(query)]


def with_email(session: Session) -> list[Account]:
    """Active accounts with an address to send digests to."""
    query = (
        select(User)
        .where(User.active.is_(True), User.email.is_not(None))
        .options(selectinload(User.unit))
    )
    return [_account(u) for u in session.scalars(query)]


def add_user(
    session: Session,
    username: str,
    full_name: str,
    password_hash: str,
    role: Role,
    unit_id: int | None,
    email: str | None,
) -> Account:
    user = User(
        username=username,
        full_name=full_name,
        password_hash=password_hash,
        role=role.value,
        unit_id=unit_id,
        email=email,
    )
    session.add(user)
    session.flush()
    session.refresh(user)
    return _account(user)


def set_password_hash(session: Session, username: str, password_hash: str) -> bool:
    user = _user(session, username)
    if user is not None:
        user.password_hash = password_hash
    return user is not None


def set_email(session: Session, username: str, email: str | None) -> str | None:
    """The address before the change; raises LookupError for an unknown account."""
    user = _user(session, username)
    if user is None:
        raise LookupError(username)
    before, user.email = user.email, email
    return before


def signed_in(session: Session, username: str, at: datetime) -> None:
    user = _user(session, username)
    if user is not None:
        user.last_login_at = at


def failures(
    session: Session, since: datetime, username: str | None = None, ip: str | None = None
) -> int:
    """Failed sign-ins since a moment, for one username or one address."""
    query = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.at >= since, LoginAttempt.success.is_(False))
    )
    if username is not None:
        query = query.where(LoginAttempt.username == username)
    else:
        query = query.where(LoginAttempt.ip == ip)
    return session.scalar(query) or 0


def add_attempt(session: Session, username: str, ip: str, success: bool) -> None:
    session.add(LoginAttempt(username=username, ip=ip, success=success))


def add_session(
    session: Session, digest: str, account_id: int, csrf: str, expires_at: datetime
) -> None:
    session.add(WebSession(id=digest, user_id=account_id, csrf_token=csrf, expires_at=expires_at))


def session_of(session: Session, digest: str, now: datetime) -> tuple[Account, str] | None:
    """The account of a live browser session and its CSRF token."""
    found = session.get(WebSession, digest)
    if found is None or _aware(found.expires_at) < now or not found.user.active:
        return None
    return _account(found.user), found.csrf_token


def end_session(session: Session, digest: str) -> str | None:
    """Deletes a browser session; the username it belonged to, if any."""
    found = session.get(WebSession, digest)
    if found is None:
        return None
    username = found.user.username
    session.delete(found)
    return username


def add_token(session: Session, account_id: int, name: str, digest: str) -> None:
    session.add(ApiToken(user_id=account_id, name=name, token_hash=digest))


def token_of(session: Session, digest: str, now: datetime) -> Account | None:
    """The account of a valid API token, noting its use."""
    query = select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked.is_(False))
    found = session.scalar(query)
    if found is None or not found.user.active:
        return None
    found.last_used_at = now
    return _account(found.user)


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
