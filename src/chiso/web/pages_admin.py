"""Administration: users, units, frameworks."""

from __future__ import annotations

import csv
import io
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from chiso.domain.access import Action, Role
from chiso.errors import ChisoError, RejectedInput
from chiso.services.accounts import sessions, users
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.services.units import catalogue, importer
from chiso.web.deps import acting, check_csrf, require, runtime
from chiso.web.render import page
from chiso.web.uploads import save_upload

router = APIRouter(include_in_schema=False)


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
    report = importer.import_units(rt, path, dry_run=form.get("mode") != "import")
    prefix = "Xem trước: " if report.dry_run else "Đã nhập: "
    counts = f"thêm {len(report.created)}, sửa {len(report.updated)}, giữ nguyên {report.unchanged}"
    return f"{prefix}{counts} đơn vị."


@router.post("/admin/frameworks")
async def upload_framework(request: Request) -> Response:
    return await _upload(request, "bo-chi-so.yaml", _framework_file)


def _framework_file(rt: Runtime, path: Path, form: FormData) -> str:
    framework = frameworks.read_file(path)
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
