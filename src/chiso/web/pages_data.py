"""Data pages: upload a workbook or CSV (dry-run preview, full error report), download templates,
and a form to enter one unit's values."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from chiso.domain.access import Action, Role
from chiso.errors import ChisoError, RejectedInput
from chiso.services.accounts import access_log
from chiso.services.dashboard import pages as dashboard
from chiso.services.scoring import frameworks
from chiso.services.values import exchange, importer
from chiso.web.deps import Caller, acting, check_csrf, require, runtime
from chiso.web.render import page
from chiso.web.uploads import keep_preview, kept_preview, save_upload

router = APIRouter(include_in_schema=False)


@router.get("/data")
def data_page(request: Request) -> Response:
    return _data_page(request, require(request, Action.WRITE_VALUES))


def _data_page(
    request: Request,
    who: Caller,
    result: object = None,
    error: ChisoError | None = None,
    status: int = 200,
    typed: dict[str, str] | None = None,
    preview: str = "",
) -> Response:
    latest = dashboard.latest(runtime(request), dashboard.USAGE)
    return page(
        request,
        "data.html",
        status=status,
        result=result,
        error=error,
        frameworks=frameworks.available_ids(runtime(request)),
        latest=latest,
        own=who.account.unit_key,
        typed=typed or {},
        preview=preview,
    )


def _previews(request: Request) -> Path:
    return runtime(request).settings.data_dir / "previews"


def _typed(form: object) -> dict[str, str]:
    """What was typed in a form (files and the CSRF token left out), to fill it again."""
    items = form.items() if hasattr(form, "items") else []
    return {k: v for k, v in items if isinstance(v, str) and k != "csrf"}


@router.post("/data/upload")
async def upload(request: Request) -> Response:
    who = require(request, Action.WRITE_VALUES)
    await check_csrf(request, who)
    form = await request.form()
    dry_run = form.get("mode") != "import"
    framework = str(form.get("framework") or "") or None
    period = str(form.get("period") or "") or None
    owner = who.account.username
    typed = _typed(form)
    with tempfile.TemporaryDirectory() as work:
        path = await save_upload(form.get("file"), Path(work), "tai-len.csv")
        if path is None:
            path = kept_preview(str(form.get("preview", "")), _previews(request), owner)
        if path is None:
            raise HTTPException(400, "Chưa chọn tệp để tải lên.")
        token = keep_preview(path, _previews(request), owner) if dry_run else ""
        try:
            report = await run_in_threadpool(
                importer.import_values,
                acting(request, who),
                path,
                framework,
                period,
                dry_run=dry_run,
                source="web",
            )
        except ChisoError as exc:
            return await run_in_threadpool(
                _data_page, request, who, None, exc, exc.http_status, typed, token
            )
    return await run_in_threadpool(_data_page, request, who, report, None, 200, typed, token)


@router.get("/data/template")
def template(
    request: Request,
    framework: str = dashboard.USAGE,
    period: str | None = None,
    group: str | None = None,
) -> Response:
    who = require(request, Action.WRITE_VALUES)
    if period is None:
        raise HTTPException(400, "Chọn kỳ báo cáo để tải mẫu.")
    parent = who.account.unit_key if who.role is Role.REPORTER else None
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / f"mau-{framework}-{period}.xlsx"
        exchange.template(runtime(request), framework, period, path, group or None, parent)
        content = path.read_bytes()
    details = {"file": path.name, "framework": framework, "period": period, "group": group}
    access_log.note(acting(request, who), access_log.EXPORT, "template", path.name, details)
    return Response(
        content,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{path.name}"'},
    )


@router.post("/data/entry")
async def entry(request: Request) -> Response:
    """One unit's values typed in the form; stored through the same checks as a file."""
    who = require(request, Action.WRITE_VALUES)
    await check_csrf(request, who)
    form = await request.form()
    unit, period, framework = (
        str(form.get("unit", "")),
        str(form.get("period", "")),
        str(form.get("framework") or dashboard.USAGE),
    )
    records: list[dict[str, str | None]] = []
    for key, raw in form.items():
        base = {"unit_code": unit, "period": period, "indicator": key[2:]}
        if key.startswith("v_") and str(raw).strip():
            records.append({**base, "value": str(raw)})
        elif key.startswith("n_") and str(raw).strip():
            denominator = str(form.get("d_" + key[2:], ""))
            records.append({**base, "numerator": str(raw), "denominator": denominator or None})
    typed = _typed(form)
    if not records:
        error: ChisoError = RejectedInput(
            "Chưa nhập giá trị nào.",
            "manual entry without any value",
            hint_vi="điền ít nhất một chỉ số rồi bấm Lưu.",
        )
        return await run_in_threadpool(_data_page, request, who, None, error, 422, typed)
    try:
        report = await run_in_threadpool(
            importer.import_records,
            acting(request, who),
            records,
            framework,
            period or None,
            source="form",
            array="nhap_tay",
        )
    except ChisoError as exc:
        return await run_in_threadpool(_data_page, request, who, None, exc, exc.http_status, typed)
    return await run_in_threadpool(_data_page, request, who, report)
