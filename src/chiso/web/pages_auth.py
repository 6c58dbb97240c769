"""Signing in and out: the login form carries its own CSRF token (a random value in a cookie
and in the form, which must match), the session cookie is HttpOnly, SameSite=Lax and Secure
unless CHISO_COOKIE_SECURE=false."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from chiso.domain.access import Action, can
from chiso.errors import ChisoError, RejectedInput
from chiso.services.accounts import sessions, users
from chiso.services.accounts.sessions import LoginRefused
from chiso.web.deps import COOKIE, Route, acting, caller, check_csrf, require, runtime
from chiso.web.render import page

router = APIRouter(route_class=Route, include_in_schema=False)

LOGIN_CSRF = "chiso_login_csrf"


def _form(request: Request, next: str, error: str | None, status: int = 200) -> Response:
    """The login form with a fresh CSRF token, also set as a cookie for the POST to match."""
    token = secrets.token_urlsafe(32)
    response = page(request, "login.html", status=status, next=next, error=error, login_csrf=token)
    response.set_cookie(
        LOGIN_CSRF,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=runtime(request).settings.cookie_secure,
        path="/login",
    )
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return _form(request, next, None)


@router.post("/login")
def login(
    request: Request,
    username: str = Form(...),
    password: str = Form(...),
    next: str = Form("/"),
    csrf: str = Form(""),
) -> Response:
    rt = runtime(request)
    expected = request.cookies.get(LOGIN_CSRF, "")
    if not expected or not secrets.compare_digest(expected.encode(), csrf.encode()):
        message = "Biểu mẫu đăng nhập đã hết hạn hoặc không hợp lệ; vui lòng đăng nhập lại."
        return _form(request, next, message, status=403)
    ip = request.client.host if request.client else "?"
    try:
        account = sessions.authenticate(rt, username.strip(), password, ip)
    except LoginRefused as exc:
        response = _form(request, next, exc.message_vi, status=429 if exc.wait_seconds else 401)
        if exc.wait_seconds:
            response.headers["Retry-After"] = str(exc.wait_seconds)
        return response
    token, _csrf = sessions.start_session(rt, account)
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    if target == "/" and not can(account.role, Action.VIEW_AGGREGATES) and account.unit_key:
        target = f"/units/{account.unit_key}"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=rt.settings.session_max_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=rt.settings.cookie_secure,
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    who = caller(request)
    if who is not None:
        await check_csrf(request, who)
        token = request.cookies.get(COOKIE, "")
        await run_in_threadpool(sessions.end_session, runtime(request), token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def _account_page(
    request: Request,
    message: str | None = None,
    error: ChisoError | None = None,
    status: int = 200,
) -> Response:
    return page(
        request,
        "account.html",
        status=status,
        message=message,
        error=error,
        min_length=users.MIN_PASSWORD,
    )


@router.get("/account")
def account(request: Request) -> Response:
    require(request, Action.VIEW_UNIT)
    return _account_page(request)


@router.post("/account/password")
async def change_password(request: Request) -> Response:
    """One's own password: the current one checked, every other session of the account ended."""
    who = require(request, Action.VIEW_UNIT)
    if who.via_token:
        raise HTTPException(403, "Mã truy cập API không đổi được mật khẩu.")
    await check_csrf(request, who)
    form = await request.form()
    new, confirm = str(form.get("new", "")), str(form.get("confirm", ""))
    try:
        if new != confirm:
            raise RejectedInput(
                "Hai lần nhập mật khẩu mới không giống nhau.",
                "new passwords differ",
                hint_vi="nhập lại mật khẩu mới ở cả hai ô.",
            )
        ended = users.change_own_password(
            acting(request, who),
            who.account.username,
            str(form.get("current", "")),
            new,
            keep_session=request.cookies.get(COOKIE),
        )
    except ChisoError as exc:
        return _account_page(request, error=exc, status=422)
    return _account_page(request, message=f"Đã đổi mật khẩu; đã đăng xuất {ended} phiên khác.")
