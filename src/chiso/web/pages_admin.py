"""Administration: users, units, frameworks."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from chiso.domain.access import Action, Role
from chiso.errors import ChisoError
from chiso.services.accounts import users
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.services.units import catalogue, importer
from chiso.web.deps import acting, check_csrf, require, runtime
from chiso.web.render import page
from chiso.web.uploads import save_upload

router = APIRouter(include_in_schema=False)


def _page(
    request: Request, message: str | None = None, error: ChisoError | None = None, status: int = 200
) -> Response:
    rt = runtime(request)
    framework_list = frameworks.available(rt)
    return page(
        request,
        "admin.html",
        status=status,
        users=users.accounts(rt),
        roles=list(Role),
        message=message,
        error=error,
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
        users.create_user(
            acting(request, who),
            str(form.get("username", "")).strip(),
            str(form.get("full_name", "")).strip(),
            str(form.get("password", "")),
            str(form.get("role", "")),
            str(form.get("unit") or "") or None,
            str(form.get("email") or "") or None,
        )
    except ChisoError as exc:
        return _page(request, error=exc, status=422)
    return RedirectResponse("/admin", status_code=303)


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
            return _page(request, message="Chưa chọn tệp.")
        try:
            message = use(acting(request, who), path, form)
        except ChisoError as exc:
            return _page(request, error=exc, status=422)
    return _page(request, message=message)


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
    current = catalogue.show_unit(runtime(request), key).unit
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
            importer.import_units(acting(request, who), path)
        except ChisoError as exc:
            return page(request, "unit_edit.html", status=422, unit=current, error=exc)
    return RedirectResponse(f"/units/{current.key}", status_code=303)
