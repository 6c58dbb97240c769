"""Who is asking, and may they: session cookies (HttpOnly, SameSite) with a CSRF token for forms,
bearer tokens for integrating systems, role and scope checks."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException, Request

from chiso.domain.access import Account, Action, Actor, Role, can, in_scope
from chiso.services.accounts import sessions
from chiso.services.runtime import Runtime
from chiso.services.units import catalogue

COOKIE = "chiso_session"


@dataclass(frozen=True)
class Caller:
    """A signed-in browser or an integrating system with a token."""

    account: Account
    csrf: str | None
    via_token: bool

    @property
    def role(self) -> Role:
        return self.account.role

    @property
    def actor(self) -> Actor:
        return self.account.actor


class LoginRequired(Exception):
    """A browser without a session asked for a page: send it to the login page."""


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.rt
    return rt


def caller(request: Request) -> Caller | None:
    if hasattr(request.state, "caller"):
        cached: Caller | None = request.state.caller
        return cached
    rt = runtime(request)
    found: Caller | None = None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        account = sessions.token_account(rt, header[7:].strip())
        found = Caller(account, None, True) if account else None
    elif COOKIE in request.cookies:
        session = sessions.session_account(rt, request.cookies[COOKIE])
        found = Caller(session[0], session[1], False) if session else None
    request.state.caller = found
    return found


def acting(request: Request, who: Caller) -> Runtime:
    """The runtime with the caller as actor, so every change is audited under their name."""
    return runtime(request).acting(who.actor)


def require(request: Request, action: Action, api: bool = False) -> Caller:
    who = caller(request)
    if who is None:
        if api or request.method != "GET":
            raise HTTPException(401, "Cần đăng nhập.")
        raise LoginRequired()
    if not can(who.role, action):
        raise HTTPException(
            403, "Tài khoản của bạn không có quyền xem trang này hoặc làm việc này."
        )
    return who


async def check_csrf(request: Request, who: Caller) -> None:
    """Forms posted from a browser session must carry the session's CSRF token."""
    if who.via_token:
        return
    form = await request.form()
    if not who.csrf or form.get("csrf") != who.csrf:
        raise HTTPException(
            403, "Phiên làm việc đã hết hạn hoặc biểu mẫu đã cũ; hãy tải lại trang rồi gửi lại."
        )


def require_unit(request: Request, who: Caller, unit_id: int) -> None:
    if who.role is Role.REPORTER and not in_scope(
        who.role, who.account.unit_id, catalogue.lineage_ids(runtime(request), unit_id)
    ):
        raise HTTPException(403, "Đơn vị này nằm ngoài phạm vi tài khoản của bạn.")
