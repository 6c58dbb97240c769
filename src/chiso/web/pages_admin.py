"""Administration: users, units, frameworks."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from chiso.domain.access import Action, Role
from chiso.errors import ChisoError
from chiso.services.accounts import users
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


@router.post("/admin/units")
async def import_units(request: Request) -> Response:
    who = require(request, Action.ADMINISTER)
    await check_csrf(request, who)
    form = await request.form()
    with tempfile.TemporaryDirectory() as work:
        path = await save_upload(form.get("file"), Path(work), "don-vi.csv")
        if path is None:
            return _page(request, message="Chưa chọn tệp.")
        try:
            report = importer.import_units(
                acting(request, who), path, dry_run=form.get("mode") != "import"
            )
        except ChisoError as exc:
            return _page(request, error=exc, status=422)
    prefix = "Xem trước: " if report.dry_run else "Đã nhập: "
    return _page(
        request,
        message=f"{prefix}thêm {len(report.created)}, sửa {len(report.updated)}, giữ nguyên {report.unchanged} đơn vị.",
    )


@router.post("/admin/frameworks")
async def upload_framework(request: Request) -> Response:
    who = require(request, Action.ADMINISTER)
    await check_csrf(request, who)
    form = await request.form()
    with tempfile.TemporaryDirectory() as work:
        path = await save_upload(form.get("file"), Path(work), "bo-chi-so.yaml")
        if path is None:
            return _page(request, message="Chưa chọn tệp.")
        try:
            framework = frameworks.read_file(path)
            if form.get("mode") == "register":
                frameworks.register(acting(request, who), framework)
        except ChisoError as exc:
            return _page(request, error=exc, status=422)
    done = "Đã lưu" if form.get("mode") == "register" else "Hợp lệ"
    return _page(
        request,
        message=f"{done}: {framework.name} ({framework.id}) — {len(framework.leaves())} chỉ số lá, "
        f"{framework.root.max_points:g} điểm.",
    )


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
