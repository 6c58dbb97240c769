"""Local accounts: creating them, their passwords and addresses, each change audited."""

from __future__ import annotations

from chiso.domain.access import Account, Role
from chiso.errors import NotFound, RejectedInput, UsageError
from chiso.services.accounts.sessions import HASHER
from chiso.services.runtime import Runtime
from chiso.services.units.resolver import find_unit
from chiso.store import accounts_repo, audit_repo

MIN_PASSWORD = 8


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
    _check_password(password)
    if chosen is Role.REPORTER and not unit:
        raise RejectedInput("Báo cáo viên phải gắn với một đơn vị.", "reporter needs a unit")
    with rt.db.transaction() as session:
        if accounts_repo.by_username(session, username) is not None:
            raise RejectedInput(f"Tên đăng nhập '{username}' đã có.", "username exists")
        unit_id = find_unit(session, unit).id if unit else None
        password_hash = HASHER.hash(password)
        account = accounts_repo.add_user(
            session, username, full_name, password_hash, chosen, unit_id, _checked_email(email)
        )
        after = {"role": chosen.value, "unit_id": unit_id}
        audit_repo.record(session, rt.actor, "user.create", "user", username, None, after)
        return account


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise RejectedInput(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.", "password too short")


def accounts(rt: Runtime) -> list[Account]:
    with rt.db.transaction() as session:
        return accounts_repo.all_accounts(session)


def set_password(rt: Runtime, username: str, password: str) -> None:
    _check_password(password)
    with rt.db.transaction() as session:
        if not accounts_repo.set_password_hash(session, username, HASHER.hash(password)):
            raise NotFound(f"Không có tài khoản '{username}'.", "no such user")
        audit_repo.record(session, rt.actor, "user.password", "user", username)


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
        try:
            before = accounts_repo.set_email(session, username, checked)
        except LookupError as exc:
            raise NotFound(f"Không có tài khoản '{username}'.", f"no user {username}") from exc
        audit_repo.record(
            session, rt.actor, "user.email", "user", username, {"email": before}, {"email": checked}
        )
