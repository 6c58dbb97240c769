"""Who is asking, and may they: session cookies (HttpOnly, SameSite) with a CSRF token for forms,
bearer tokens for integrating systems, role and scope checks."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request
from fastapi.routing import APIRoute

from chiso.domain.access import Account, Action, Actor, Role, can, in_scope
from chiso.services import stamps
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


DEFERRED: ContextVar[MutableMapping[str, Any] | None] = ContextVar(
    "chiso_caller_deferred", default=None
)
"""The scope of a request that changes nothing, whose caller and data stamps are looked up in its
endpoint's thread rather than before it (`web.limits.Route`)."""


class Unsigned(Exception):
    """An API request from nobody signed in, found in its endpoint's thread: the 401 the
    middleware gives to the others."""


class Route(APIRoute):
    """A route whose synchronous endpoint, for a request that changes nothing, first reads the
    data stamps and looks the caller up in the thread it runs in: one hand-off to a thread per
    view instead of two (under 32 users each is a wait in the thread pool's queue)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint) and not hasattr(endpoint, "__wrapped__"):
            endpoint = _signed_in_here(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _signed_in_here(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        scope = DEFERRED.get()
        if scope is None or "caller" in scope["state"]:
            return endpoint(*args, **kwargs)
        who, found = who_at(Request(scope), True)
        if who is None and str(scope.get("path", "")).startswith("/api/"):
            raise Unsigned()
        assert found is not None
        with stamps.pinned(found):
            return endpoint(*args, **kwargs)

    return run


def who_at(request: Request, reading: bool) -> tuple[Caller | None, stamps.Stamps | None]:
    """The caller, and for a request that changes nothing the data stamps read first, under
    which the caller is looked up and every cache of the request is keyed."""
    if not reading:
        return caller(request), None
    found = stamps.read(runtime(request))
    with stamps.pinned(found):
        return caller(request), found


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
