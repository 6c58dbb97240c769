"""Local accounts: creating them (least privilege by default), their roles, activity, passwords
and addresses, each change audited. A password change or reset ends the account's other browser
sessions; deactivating an account ends all of them."""

from __future__ import annotations

from functools import cache
from importlib import resources

from chiso.domain.access import Account, Role
from chiso.domain.text import fold
from chiso.errors import NotFound, RejectedInput, UsageError
from chiso.services.accounts import sessions
from chiso.services.accounts.sessions import hasher
from chiso.services.runtime import Runtime
from chiso.services.units.resolver import find_unit
from chiso.store import accounts_repo, audit_repo

MIN_PASSWORD = 12
RUNS = ("abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "0123456789")


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError as exc:
        raise UsageError(
            f"Vai trò '{role}' không hợp lệ.",
            f"bad role {role!r}",
            hint_vi="dùng admin, evaluator, reporter hoặc viewer.",
        ) from exc


def create_user(
    rt: Runtime,
    username: str,
    full_name: str,
    password: str,
    role: str = Role.VIEWER.value,
    unit: str | None = None,
    email: str | None = None,
) -> Account:
    """A new active account; without a role it is a viewer, the least privilege."""
    chosen = _role(role or Role.VIEWER.value)
    if not username.strip():
        raise RejectedInput("Cần nhập tên đăng nhập.", "empty username")
    check_password(password, username)
    if chosen is Role.REPORTER and not unit:
        raise RejectedInput("Báo cáo viên phải gắn với một đơn vị.", "reporter needs a unit")
    with rt.db.transaction() as session:
        if accounts_repo.by_username(session, username) is not None:
            raise RejectedInput(f"Tên đăng nhập '{username}' đã có.", "username exists")
        unit_id = find_unit(session, unit).id if unit else None
        password_hash = hasher(rt.settings.password_hash_cost).hash(password)
        account = accounts_repo.add_user(
            session, username, full_name, password_hash, chosen, unit_id, _checked_email(email)
        )
        after = {"role": chosen.value, "unit_id": unit_id}
        audit_repo.record(session, rt.actor, "user.create", "user", username, None, after)
        return account


@cache
def _common_words() -> frozenset[str]:
    text = resources.files("chiso.data").joinpath("accounts/common-words.txt").read_text("utf-8")
    return frozenset(w for w in text.split() if not w.startswith("#"))


def password_problem(password: str, username: str = "") -> str | None:
    """Why a password is too weak (Vietnamese), or None: at least 12 characters, not built from a
    common word, a run of keys or the username, at least 5 different characters."""
    if len(password) < MIN_PASSWORD:
        return f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự (đang có {len(password)})."
    folded = fold(password).replace(" ", "")
    letters = "".join(c for c in folded if c.isalpha())
    if len(set(password)) < 5:
        return "Mật khẩu lặp lại quá ít ký tự khác nhau."
    if any(folded in run * 2 or folded in (run * 2)[::-1] for run in RUNS):
        return "Mật khẩu là một dãy phím liền nhau, quá dễ đoán."
    if not letters or letters in _common_words():
        return "Mật khẩu quá phổ biến (chỉ có chữ số hoặc ghép từ một từ hay dùng)."
    name = fold(username).replace(" ", "")
    if len(name) >= 4 and name in folded:
        return "Mật khẩu không được chứa tên đăng nhập."
    return None


def check_password(password: str, username: str = "") -> None:
    problem = password_problem(password, username)
    if problem is not None:
        raise RejectedInput(
            problem,
            "password too weak",
            hint_vi=f"dùng một cụm từ dài từ {MIN_PASSWORD} ký tự, ví dụ ba bốn từ không liên quan.",
        )


def accounts(rt: Runtime) -> list[Account]:
    with rt.db.transaction() as session:
        return accounts_repo.all_accounts(session)


def missing_account(username: str) -> NotFound:
    return _missing(username)


def _missing(username: str) -> NotFound:
    return NotFound(
        f"Không có tài khoản '{username}'.",
        f"no user {username}",
        hint_vi="xem danh sách bằng `chiso users list` hoặc trang Quản trị.",
    )


def set_password(rt: Runtime, username: str, password: str) -> int:
    """An administrator's reset: the new password, every session of the account ended (so
    whoever held it is signed out); how many sessions were ended."""
    check_password(password, username)
    password_hash = hasher(rt.settings.password_hash_cost).hash(password)
    with rt.db.transaction() as session:
        if not accounts_repo.set_password_hash(session, username, password_hash):
            raise _missing(username)
        ended = accounts_repo.end_sessions(session, username)
        after = {"sessions_ended": ended}
        audit_repo.record(session, rt.actor, "user.password", "user", username, None, after)
        return ended


def change_own_password(
    rt: Runtime, username: str, current: str, new: str, keep_session: str | None = None
) -> int:
    """A person changing their own password: the current one must be right; every other
    session (the cookie value `keep_session` names the one kept) is ended; how many."""
    if not sessions.check_password(rt, username, current):
        raise RejectedInput(
            "Mật khẩu hiện tại không đúng.",
            "current password wrong",
            hint_vi="nhập lại mật khẩu đang dùng; quên thì nhờ quản trị viên đặt lại.",
        )
    if new == current:
        raise RejectedInput("Mật khẩu mới phải khác mật khẩu hiện tại.", "same password")
    check_password(new, username)
    keep = sessions.digest(keep_session) if keep_session else None
    with rt.db.transaction() as session:
        if not accounts_repo.set_password_hash(
            session, username, hasher(rt.settings.password_hash_cost).hash(new)
        ):
            raise _missing(username)
        ended = accounts_repo.end_sessions(session, username, keep=keep)
        after = {"sessions_ended": ended, "own": True}
        audit_repo.record(session, rt.actor, "user.password", "user", username, None, after)
        return ended


def set_role(rt: Runtime, username: str, role: str, unit: str | None = None) -> Account:
    """A new role (and for a reporter, their unit); the account's sessions carry on with it."""
    chosen = _role(role)
    if chosen is Role.REPORTER and not unit:
        raise RejectedInput(
            "Báo cáo viên phải gắn với một đơn vị.",
            "reporter needs a unit",
            hint_vi="chọn đơn vị, ví dụ 75.SYT.",
        )
    with rt.db.transaction() as session:
        unit_id = find_unit(session, unit).id if unit and chosen is Role.REPORTER else None
        try:
            before = accounts_repo.set_role(session, username, chosen, unit_id)
        except LookupError as exc:
            raise _missing(username) from exc
        after = {"role": chosen.value, "unit_id": unit_id}
        audit_repo.record(session, rt.actor, "user.role", "user", username, before, after)
        found = accounts_repo.by_username(session, username)
        assert found is not None
        return found


def set_active(rt: Runtime, username: str, active: bool) -> None:
    """Deactivating stops every sign-in, session and token of the account at once."""
    if not active and rt.actor.name == username:
        raise RejectedInput(
            "Không thể tự khóa tài khoản đang dùng.",
            "cannot deactivate oneself",
            hint_vi="nhờ một quản trị viên khác khóa tài khoản này.",
        )
    with rt.db.transaction() as session:
        try:
            before = accounts_repo.set_active(session, username, active)
        except LookupError as exc:
            raise _missing(username) from exc
        ended = 0 if active else accounts_repo.end_sessions(session, username)
        action = "user.activate" if active else "user.deactivate"
        after = {"active": active, "sessions_ended": ended}
        audit_repo.record(session, rt.actor, action, "user", username, {"active": before}, after)


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
            raise _missing(username) from exc
        audit_repo.record(
            session, rt.actor, "user.email", "user", username, {"email": before}, {"email": checked}
        )


def update_account(
    rt: Runtime,
    username: str,
    full_name: str,
    role: str,
    unit: str | None = None,
    email: str | None = None,
) -> Account:
    """An administrator's edit of an account from one form: name, role, the unit a reporter's
    scope starts from, address; one audit entry with what changed (old → new). A unit is kept
    only for a reporter; the account's sessions carry on with the new role and scope."""
    chosen = _role(role)
    name = full_name.strip()
    if not name:
        raise RejectedInput("Cần nhập họ tên.", "empty full name")
    if chosen is Role.REPORTER and not unit:
        raise RejectedInput(
            "Báo cáo viên phải gắn với một đơn vị.",
            "reporter needs a unit",
            hint_vi="chọn đơn vị, ví dụ Sở Y tế hoặc 75.SYT.",
        )
    address = _checked_email(email)
    with rt.db.transaction() as session:
        current = accounts_repo.by_username(session, username)
        if current is None:
            raise _missing(username)
        found = find_unit(session, unit) if unit and chosen is Role.REPORTER else None
        accounts_repo.set_full_name(session, username, name)
        accounts_repo.set_role(session, username, chosen, found.id if found else None)
        accounts_repo.set_email(session, username, address)
        was = {
            "full_name": current.full_name,
            "role": current.role.value,
            "unit": current.unit_key,
            "email": current.email,
        }
        now = {
            "full_name": name,
            "role": chosen.value,
            "unit": found.key if found else None,
            "email": address,
        }
        changed = [k for k in now if now[k] != was[k]]
        if changed:
            before = {k: was[k] for k in changed}
            after = {k: now[k] for k in changed}
            audit_repo.record(session, rt.actor, "user.update", "user", username, before, after)
        account = accounts_repo.by_username(session, username)
        assert account is not None
        return account
