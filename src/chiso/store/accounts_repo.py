"""Accounts, browser sessions, API tokens and sign-in attempts; passwords and tokens are kept
only as hashes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from chiso.domain.access import Account, Role, TokenInfo
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


def set_full_name(session: Session, username: str, full_name: str) -> str:
    """The name before the change; raises LookupError for an unknown account."""
    user = _user(session, username)
    if user is None:
        raise LookupError(username)
    before, user.full_name = user.full_name, full_name
    return before


def signed_in(session: Session, username: str, at: datetime) -> None:
    user = _user(session, username)
    if user is not None:
        user.last_login_at = at


def failures(
    session: Session, since: datetime, username: str | None = None, ip: str | None = None
) -> tuple[int, datetime | None]:
    """Failed sign-ins since a moment and the newest of them, for a username, an address or the
    pair of both (a success for that username starts the count again)."""
    last_success = select(func.max(LoginAttempt.at)).where(LoginAttempt.success.is_(True))
    query = select(func.count(), func.max(LoginAttempt.at)).where(
        LoginAttempt.at >= since, LoginAttempt.success.is_(False)
    )
    if username is not None:
        query = query.where(LoginAttempt.username == username)
        last_success = last_success.where(LoginAttempt.username == username)
        if ip is not None:
            last_success = last_success.where(LoginAttempt.ip == ip)
        succeeded = session.scalar(last_success)
        if succeeded is not None:
            query = query.where(LoginAttempt.at > succeeded)
    if ip is not None:
        query = query.where(LoginAttempt.ip == ip)
    row = session.execute(query).one()
    return int(row[0] or 0), _aware(row[1]) if row[1] is not None else None


def add_attempt(session: Session, username: str, ip: str, success: bool, at: datetime) -> None:
    session.add(LoginAttempt(username=username, ip=ip, success=success, at=at))
    session.flush()


def add_session(
    session: Session, digest: str, account_id: int, csrf: str, now: datetime, expires_at: datetime
) -> None:
    session.add(
        WebSession(
            id=digest,
            user_id=account_id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
        )
    )


TOUCH_SECONDS = 30
"""A session's or token's last use is noted when it is older than this."""


def session_of(
    session: Session, digest: str, now: datetime, idle_since: datetime
) -> tuple[Account, str, datetime, datetime] | None:
    """The account of a live browser session, its CSRF token, when it expires and when it was
    last seen (now, when that is noted); a session past its lifetime, idle since before
    `idle_since` or of a deactivated account is deleted."""
    found = session.get(WebSession, digest)
    if found is None:
        return None
    seen = _aware(found.last_seen_at or found.created_at)
    expires = _aware(found.expires_at)
    if expires < now or seen < idle_since or not found.user.active:
        session.delete(found)
        return None
    if (now - seen).total_seconds() > TOUCH_SECONDS:
        found.last_seen_at = seen = now
    return _account(found.user), found.csrf_token, expires, seen


def end_session(session: Session, digest: str) -> str | None:
    """Deletes a browser session; the username it belonged to, if any."""
    found = session.get(WebSession, digest)
    if found is None:
        return None
    username = found.user.username
    session.delete(found)
    return username


def end_sessions(session: Session, username: str, keep: str | None = None) -> int:
    """Deletes every browser session of an account except the one `keep` names; how many."""
    user = _user(session, username)
    if user is None:
        return 0
    query = delete(WebSession).where(WebSession.user_id == user.id)
    if keep is not None:
        query = query.where(WebSession.id != keep)
    return int(session.execute(query).rowcount or 0)  # type: ignore[attr-defined]


def set_role(session: Session, username: str, role: Role, unit_id: int | None) -> dict[str, object]:
    """The role and unit before the change; raises LookupError for an unknown account."""
    user = _user(session, username)
    if user is None:
        raise LookupError(username)
    before: dict[str, object] = {"role": user.role, "unit_id": user.unit_id}
    user.role, user.unit_id = role.value, unit_id
    return before


def set_active(session: Session, username: str, active: bool) -> bool:
    """Whether the account was active before; raises LookupError for an unknown account."""
    user = _user(session, username)
    if user is None:
        raise LookupError(username)
    before, user.active = user.active, active
    return before


def add_token(
    session: Session,
    account_id: int,
    name: str,
    digest: str,
    now: datetime,
    expires: datetime | None,
) -> int:
    token = ApiToken(
        user_id=account_id, name=name, token_hash=digest, created_at=now, expires_at=expires
    )
    session.add(token)
    session.flush()
    return token.id


def _token(t: ApiToken) -> TokenInfo:
    return TokenInfo(
        id=t.id,
        username=t.user.username,
        name=t.name,
        created_at=_aware(t.created_at),
        expires_at=_aware(t.expires_at) if t.expires_at else None,
        last_used_at=_aware(t.last_used_at) if t.last_used_at else None,
        revoked=t.revoked,
    )


def tokens(session: Session, username: str | None = None) -> list[TokenInfo]:
    query = select(ApiToken).join(User).options(selectinload(ApiToken.user))
    if username is not None:
        query = query.where(User.username == username)
    return [_token(t) for t in session.scalars(query.order_by(User.username, ApiToken.id))]


def revoke_token(session: Session, token_id: int) -> TokenInfo | None:
    """Revokes a token; the token as it was, or None when there is no such token."""
    found = session.get(ApiToken, token_id)
    if found is None:
        return None
    before = _token(found)
    found.revoked = True
    return before


def token_of(
    session: Session, digest: str, now: datetime
) -> tuple[Account, datetime | None] | None:
    """The account of a valid API token (not revoked, not expired) and when the token expires,
    noting its use."""
    query = select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked.is_(False))
    found = session.scalar(query)
    if found is None or not found.user.active:
        return None
    expires = None if found.expires_at is None else _aware(found.expires_at)
    if expires is not None and expires <= now:
        return None
    found.last_used_at = now
    return _account(found.user), expires


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
