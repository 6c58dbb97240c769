"""Signing in and out."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from chiso.domain.access import Action, can
from chiso.services.accounts import sessions
from chiso.services.accounts.sessions import LoginRefused
from chiso.web.deps import COOKIE, caller, check_csrf, runtime
from chiso.web.render import page

router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return page(request, "login.html", next=next, error=None)


@router.post("/login")
def login(
    request: Request, username: str = Form(...), password: str = Form(...), next: str = Form("/")
) -> Response:
    rt = runtime(request)
    ip = request.client.host if request.client else "?"
    try:
        account = sessions.authenticate(rt, username.strip(), password, ip)
    except LoginRefused as exc:
        return page(request, "login.html", status=401, next=next, error=exc.message_vi)
    token, _csrf = sessions.start_session(rt, account)
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    if target == "/" and not can(account.role, Action.VIEW_AGGREGATES) and account.unit_key:
        target = f"/units/{account.unit_key}"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=sessions.SESSION_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    who = caller(request)
    if who is not None:
        await check_csrf(request, who)
        sessions.end_session(runtime(request), request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
