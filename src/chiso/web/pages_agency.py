"""Administration of the issuing agencies: each profile as the YAML a Văn phòng reviews, edited
and saved with the same checks and audit as `chiso agency import`; a new one from a stored unit."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from chiso.domain.access import Action
from chiso.errors import ChisoError
from chiso.services.documents import agencies
from chiso.web.deps import Caller, Route, acting, require, runtime
from chiso.web.render import page

router = APIRouter(route_class=Route, include_in_schema=False)


def _csrf(who: Caller, token: str) -> None:
    if not who.via_token and (not who.csrf or token != who.csrf):
        raise HTTPException(
            403, "Phiên làm việc đã hết hạn hoặc biểu mẫu đã cũ; hãy tải lại trang rồi gửi lại."
        )


def _page(
    request: Request,
    error: ChisoError | None = None,
    message: str | None = None,
    edited: tuple[str, str] | None = None,
    status: int = 200,
) -> Response:
    profiles = agencies.list_profiles(runtime(request))
    texts = {p.code: agencies.as_yaml(p) for p in profiles}
    if edited is not None:
        texts[edited[0]] = edited[1]
    return page(
        request,
        "agencies.html",
        status=status,
        profiles=profiles,
        texts=texts,
        error=error,
        message=message,
        how_to=agencies.HOW_TO,
    )


@router.get("/admin/agencies")
def agencies_page(request: Request) -> Response:
    require(request, Action.ADMINISTER)
    return _page(request)


@router.post("/admin/agencies")
def save_agency(
    request: Request, code: str = Form(""), text: str = Form(...), csrf: str = Form("")
) -> Response:
    who = require(request, Action.ADMINISTER)
    _csrf(who, csrf)
    try:
        profile = agencies.import_file(acting(request, who), text, "trang quản trị")
    except ChisoError as exc:
        return _page(request, error=exc, edited=(code or "mới", text), status=422)
    return _page(request, message=f"Đã lưu hồ sơ {profile.code}: {profile.short_name}.")


@router.post("/admin/agencies/from-unit")
def agency_from_unit(request: Request, unit: str = Form(...), csrf: str = Form("")) -> Response:
    who = require(request, Action.ADMINISTER)
    _csrf(who, csrf)
    try:
        profile = agencies.from_unit(acting(request, who), unit)
    except ChisoError as exc:
        return _page(request, error=exc, status=422)
    return _page(request, message=f"Đã lập hồ sơ {profile.code}: {profile.short_name}.")
