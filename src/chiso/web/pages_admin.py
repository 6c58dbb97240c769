"""Administration: users, units, frameworks; the audit log, a value's history and the
self-assessment progress leaders read."""

from __future__ import annotations

import csv
import io
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from chiso.domain.access import Action, Role
from chiso.errors import ChisoError, RejectedInput
from chiso.services.accounts import sessions, users
from chiso.services.assessments.progress import progress as assessment_progress_of
from chiso.services.dashboard.pages import USAGE
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.services.system import audit
from chiso.services.units import catalogue, importer
from chiso.web.deps import Route, acting, check_csrf, require, runtime
from chiso.web.render import TEMPLATES, page
from chiso.web.uploads import save_upload

router = APIRouter(route_class=Route, include_in_schema=False)


@dataclass(frozen=True)
class Secret:
    """A password or token shown once, right after it is made."""

    label: str
    value: str


def _page(
    request: Request,
    message: str | None = None,
    error: ChisoError | None = None,
    status: int = 200,
    secret: Secret | None = None,
) -> Response:
    rt = runtime(request)
    framework_list = frameworks.available(rt)
    return page(
        request,
        "admin.html",
        status=status,
        users=users.accounts(rt),
        tokens=sessions.tokens(rt),
        now=datetime.now(UTC),
        roles=list(Role),
        min_length=users.MIN_PASSWORD,
        message=message,
        error=error,
        secret=secret,
        frameworks=framework_list,
    )


@router.get("/admin")
def admin(request: Request) -> Response:
    require(request, Action.ADMINISTER)
    return _page(request)


@router.post("/admin/users")
async def add_user(request: Request) -> Response:
    who = require(request, Action.ADMINISTER)
    await check_csrf(request, who)
    form = await request.form()
    try:
        await run_in_threadpool(
            users.create_user,
            acting(request, who),
            str(form.get("username", "")).strip(),
            str(form.get("full_name", "")).strip(),
            str(form.get("password", "")),
            str(form.get("role") or "viewer"),
            str(form.get("unit") or "") or None,
            str(form.get("email") or "") or None,
        )
    except ChisoError as exc:
        return await run_in_threadpool(_page, request, None, exc, 422)
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/users/{username}/role")
async def change_role(request: Request, username: str) -> Response:
    who = require(request, Action.ADMINISTER)
    await check_csrf(request, who)
    form = await request.form()
    try:
        account = users.set_role(
            acting(request, who),
            username,
            str(form.get("role", "")),
            str(form.get("unit") or "").strip() or None,
        )
    except ChisoError as exc:
        return _page(request, error=exc, status=422)
    return _page(request, message=f"{username}: vai trò mới là {account.role.label_vi}.")


@router.post("/admin/users/{username}/active")
async def change_active(request: Request, username: str) -> Response:
    who = require(request, Action.ADMINISTER)
    await check_csrf(request, who)
    active = (await request.form()).get("active") == "1"
    try:
        users.set_active(acting(request, who), username, active)
    except ChisoError as exc:
        return _page(request, error=exc, status=422)
    done = "Đã mở lại" if active else "Đã khóa (mọi phiên và mã truy cập ngừng hiệu lực)"
    return _page(request, message=f"{done}: tài khoản {username}.")


@router.post("/admin/users/{username}/password")
async def reset_password(request: Request, username: str) -> Response:
    who = require(request, Action.ADMINISTER)
    await check_csrf(request, who)
    password = secrets.token_urlsafe(12)
    try:
        ended = users.set_password(acting(request, who), username, password)
    except ChisoError as exc:
        return _page(request, error=exc, status=422)
    return _page(
        request,
        message=f"Đã đặt lại mật khẩu của {username}; đã đăng xuất {ended} phiên.",
        secret=Secret(f"Mật khẩu mới của {username}", password),
    )


@router.post("/admin/tokens")
async def create_token(request: Request) -> Response:
    who = require(request, Action.ADMINISTER)
    await check_csrf(request, who)
    form = await request.form()
    username, name = str(form.get("username", "")), str(form.get("name", "")).strip()
    try:
        days = int(str(form.get("days") or "90"))
        token = sessions.create_token(acting(request, who), username, name, days or None)
    except ValueError:
        error = RejectedInput(
            "Số ngày hiệu lực phải là một số nguyên.",
            "token days not an integer",
            hint_vi="nhập ví dụ 90, hoặc 0 để mã có hiệu lực đến khi thu hồi.",
        )
        return _page(request, error=error, status=422)
    except ChisoError as exc:
        return _page(request, error=exc, status=422)
    return _page(
        request,
        message=f"Đã tạo mã truy cập “{name}” cho {username}.",
        secret=Secret("Mã truy cập", token),
    )


@router.post("/admin/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: int) -> Response:
    who = require(request, Action.ADMINISTER)
    await check_csrf(request, who)
    try:
        found = sessions.revoke_token(acting(request, who), token_id)
    except ChisoError as exc:
        return _page(request, error=exc, status=422)
    return _page(
        request, message=f"Đã thu hồi mã số {found.id} ({found.name}) của {found.username}."
    )


Use = Callable[[Runtime, Path, FormData], str]
"""What an administrator's upload is for: it does the work and says what it did."""


async def _upload(request: Request, default_name: str, use: Use) -> Response:
    """An uploaded file handed to `use` inside a private working folder; a refusal is shown."""
    who = require(request, Action.ADMINISTER)
    await check_csrf(request, who)
    form = await request.form()
    with tempfile.TemporaryDirectory() as work:
        path = await save_upload(form.get("file"), Path(work), default_name)
        if path is None:
            return await run_in_threadpool(_page, request, "Chưa chọn tệp.")
        try:
            message = await run_in_threadpool(use, acting(request, who), path, form)
        except ChisoError as exc:
            return await run_in_threadpool(_page, request, None, exc, 422)
    return await run_in_threadpool(_page, request, message)


@router.post("/admin/units")
async def import_units(request: Request) -> Response:
    return await _upload(request, "don-vi.csv", _units_file)


def _units_file(rt: Runtime, path: Path, form: FormData) -> str:
    report = importer.import_units(rt, path, dry_run=form.get("mode") != "import", bounded=True)
    prefix = "Xem trước: " if report.dry_run else "Đã nhập: "
    counts = f"thêm {len(report.created)}, sửa {len(report.updated)}, giữ nguyên {report.unchanged}"
    return f"{prefix}{counts} đơn vị."


@router.post("/admin/frameworks")
async def upload_framework(request: Request) -> Response:
    return await _upload(request, "bo-chi-so.yaml", _framework_file)


def _framework_file(rt: Runtime, path: Path, form: FormData) -> str:
    framework = frameworks.read_upload(rt, path)
    register = form.get("mode") == "register"
    if register:
        frameworks.register(rt, framework)
    size = f"{len(framework.leaves())} chỉ số lá, {framework.root.max_points:g} điểm"
    return f"{'Đã lưu' if register else 'Hợp lệ'}: {framework.name} ({framework.id}) — {size}."


@router.get("/admin/units/{key:path}")
def edit_unit_form(request: Request, key: str) -> Response:
    require(request, Action.ADMINISTER)
    detail = catalogue.show_unit(runtime(request), key)
    return page(request, "unit_edit.html", unit=detail.unit, error=None)


@router.post("/admin/units/{key:path}")
async def edit_unit(request: Request, key: str) -> Response:
    """Edits go through the units importer: same checks, same audit, one row."""
    who = require(request, Action.ADMINISTER)
    await check_csrf(request, who)
    form = await request.form()
    current = (await run_in_threadpool(catalogue.show_unit, runtime(request), key)).unit
    row = [
        current.key,
        str(form.get("name", "")).strip(),
        current.kind,
        str(form.get("parent_code", "")).strip(),
        str(form.get("groups", "")).strip(),
        str(form.get("short_name", "")).strip(),
    ]
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "sua-don-vi.csv"
        buffer = io.StringIO()
        csv.writer(buffer).writerows(
            [["code", "name", "kind", "parent_code", "groups", "short_name"], row]
        )
        path.write_text(buffer.getvalue(), encoding="utf-8")
        try:
            await run_in_threadpool(importer.import_units, acting(request, who), path)
        except ChisoError as exc:
            return page(request, "unit_edit.html", status=422, unit=current, error=exc)
    return RedirectResponse(f"/units/{current.key}", status_code=303)


def _account_page(
    request: Request,
    username: str,
    error: ChisoError | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    account = next((u for u in users.accounts(runtime(request)) if u.username == username), None)
    if account is None:
        raise users.missing_account(username)
    return page(
        request,
        "account_edit.html",
        status=status,
        crumbs=[("/admin", "Quản trị"), (request.url.path, account.full_name)],
        account=account,
        roles=list(Role),
        error=error,
        typed=typed or {},
    )


@router.get("/admin/users/{username}")
def edit_account_form(request: Request, username: str) -> Response:
    require(request, Action.ADMINISTER)
    return _account_page(request, username)


@router.post("/admin/users/{username}")
async def edit_account(request: Request, username: str) -> Response:
    """Name, role, unit scope and address in one audited change; a refusal keeps what was typed."""
    who = require(request, Action.ADMINISTER)
    await check_csrf(request, who)
    form = await request.form()
    typed = {k: str(form.get(k) or "").strip() for k in ("full_name", "role", "unit", "email")}
    try:
        account = await run_in_threadpool(
            users.update_account,
            acting(request, who),
            username,
            typed["full_name"],
            typed["role"],
            typed["unit"] or None,
            typed["email"] or None,
        )
    except ChisoError as exc:
        return await run_in_threadpool(_account_page, request, username, exc, typed, 422)
    return _page(request, message=f"Đã lưu tài khoản {account.username} ({account.full_name}).")


def _links(base: str, params: dict[str, str], found: audit.AuditPage) -> dict[str, Any]:
    """The previous and next pages' addresses, with the same filters."""
    here = found.query.page

    def at(n: int) -> str:
        return f"{base}?{urlencode({k: v for k, v in params.items() if v} | {'page': n})}"

    return {
        "prev_url": at(here - 1) if here > 1 else None,
        "next_url": at(here + 1) if here < found.pages else None,
    }


def _day(text: str | None, label: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise HTTPException(
            400, f"Ngày {label} '{text}' không hợp lệ (cần dạng 2026-10-31)."
        ) from exc


@router.get("/audit")
def audit_log(
    request: Request,
    unit: str | None = None,
    indicator: str | None = None,
    user: str | None = None,
    since: str | None = None,
    until: str | None = None,
    page_number: int = Query(1, alias="page", ge=1, le=100_000),
) -> Response:
    """Who changed what, when, old → new, for administrators and leaders."""
    who = require(request, Action.VIEW_AGGREGATES)
    rt = acting(request, who)
    query = audit.AuditQuery(
        (unit or "").strip() or None,
        indicator or None,
        user or None,
        _day(since, "từ"),
        _day(until, "đến"),
        page_number,
    )
    found = audit.search(rt, query)
    params = {"unit": unit or "", "indicator": indicator or "", "user": user or ""}
    params |= {"since": since or "", "until": until or ""}
    return page(
        request,
        "audit.html",
        status=422 if found.error else 200,
        crumbs=[("/", "Tổng quan"), ("/audit", "Nhật ký thay đổi")],
        found=found,
        history=False,
        indicators=audit.indicators(rt),
        people=audit.people(rt),
        error=found.error,
        params=params,
        **_links("/audit", params, found),
    )


@router.get("/history")
def value_history(
    request: Request,
    unit: str,
    indicator: str,
    page_number: int = Query(1, alias="page", ge=1, le=100_000),
) -> Response:
    """One unit's value of one indicator, every change (reporters: their units only)."""
    who = require(request, Action.VIEW_UNIT)
    found = audit.value_history(acting(request, who), unit, indicator, page_number)
    if found.error:
        raise found.error
    params = {"unit": unit, "indicator": indicator}
    return page(
        request,
        "audit.html",
        found=found,
        history=True,
        crumbs=[
            (f"/units/{found.query.unit}", found.unit_name or ""),
            (request.url.path, "Lịch sử số liệu"),
        ],
        params=params,
        **_links("/history", params, found),
    )


def _history_indicators(request: Request) -> list[tuple[str, str]]:
    """(code, name) of the monthly framework's indicators, for the unit page's history links."""
    return [(n.code, n.name) for n in frameworks.get(runtime(request), USAGE).leaves()]


TEMPLATES.env.globals["history_indicators"] = _history_indicators


@router.get("/assessments/progress")
def assessment_progress(request: Request) -> Response:
    """Where every unit's self-assessment stands, for leaders (and the office, the council)."""
    who = require(request, Action.VIEW_AGGREGATES)
    found = assessment_progress_of(acting(request, who))
    crumbs = [("/", "Tổng quan"), ("/assessments/progress", "Tiến độ tự đánh giá")]
    return page(request, "assessment_progress.html", rounds=found, crumbs=crumbs)
