"""Data pages: upload a workbook or CSV (dry-run preview, full error report), download templates,
and a form to enter one unit's values."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from chiso.domain.access import Action, Role
from chiso.domain.periods import Period, PeriodError
from chiso.errors import ChisoError, RejectedInput
from chiso.services.accounts import access_log
from chiso.services.dashboard import pages as dashboard
from chiso.services.scoring import frameworks
from chiso.services.values import exchange, importer
from chiso.web.deps import Caller, Route, acting, check_csrf, require, runtime
from chiso.web.render import page
from chiso.web.uploads import keep_preview, kept_preview, save_upload

router = APIRouter(route_class=Route, include_in_schema=False)


@router.get("/data")
def data_page(
    request: Request,
    framework: str | None = None,
    unit: str | None = None,
    period: str | None = None,
) -> Response:
    """The data page; `framework`, `unit` and `period` open the manual-entry form of that unit
    and period, prefilled with its stored values."""
    who = require(request, Action.WRITE_VALUES)
    chosen = Entry(framework or dashboard.USAGE, unit or "", period or "")
    return _data_page(request, who, entry=chosen)


@dataclass(frozen=True)
class Entry:
    """The manual-entry form asked for: framework id, unit (name or code) and period as typed."""

    framework: str
    unit: str
    period: str


@dataclass
class Refused:
    """A refused manual entry: each problem beside the indicator it is about, the rest above."""

    beside: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    """Every problem as the top of the page lists it: the indicator's name, not a JSON path."""


_AT = re.compile(r"^nhap_tay\[(\d+)\](?:\.\w+)?$")


def _refused(
    error: ChisoError, records: list[dict[str, str | None]], names: dict[str, str]
) -> Refused:
    """`names`: the framework's indicator names by code."""
    out = Refused()
    for p in error.problems:
        at = _AT.match(p.where)
        index = int(at.group(1)) if at else -1
        text = f"{p.message_vi} ({p.hint_vi})" if p.hint_vi else p.message_vi
        if 0 <= index < len(records) and p.where.rpartition(".")[2] != "unit_code":
            code = str(records[index]["indicator"])
            out.beside.setdefault(code, []).append(text)
            out.summary.append(f"{names.get(code, code)}: {text}")
        elif text not in out.general:
            out.general.append(text if at else p.render_vi())
            out.summary.append(out.general[-1])
    return out


def _data_page(
    request: Request,
    who: Caller,
    result: object = None,
    error: ChisoError | None = None,
    status: int = 200,
    typed: dict[str, str] | None = None,
    preview: str = "",
    entry: Entry | None = None,
    refused: Refused | None = None,
) -> Response:
    rt = runtime(request)
    latest = dashboard.latest(rt, dashboard.USAGE)
    own = who.account.unit_key
    asked = entry or Entry(dashboard.USAGE, "", "")
    unit_text = asked.unit or (own or "")
    period_text = asked.period or (latest.label_vi if latest else "")
    sheet, sheet_error = None, None
    if unit_text and period_text:
        try:
            sheet = exchange.entry_sheet(
                acting(request, who), asked.framework, unit_text, period_text
            )
        except ChisoError as exc:
            sheet_error = exc
    if sheet is None and typed and "unit" in typed:
        sheet = exchange.blank_sheet(rt, asked.framework)
    if sheet is not None and sheet.period is not None:
        period_text = sheet.period.label_vi
    return page(
        request,
        "data.html",
        status=status,
        result=result,
        error=error,
        frameworks=frameworks.available(rt),
        latest=latest,
        own=own,
        typed=typed or {},
        preview=preview,
        entry=asked,
        entry_unit=sheet.unit.name if sheet and sheet.unit else unit_text,
        entry_period=period_text,
        sheet=sheet,
        sheet_error=sheet_error,
        refused=refused or Refused(),
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
                bounded=True,
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
    try:
        period = str(Period.parse(period))  # "tháng 10/2026" as typed → "2026-10"
    except PeriodError as exc:
        raise HTTPException(400, f"Kỳ '{period}' không hợp lệ.") from exc
    if framework not in frameworks.available_ids(runtime(request)):
        raise HTTPException(404, "Không có bộ chỉ số này.")
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / f"mau-{framework}-{period}.xlsx"  # both checked above: no path
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
    """One unit's values typed in the form, every indicator of the framework; stored through
    the values service (the checks of a file, audited); refused, the form comes back with what
    was typed and each error beside its indicator."""
    who = require(request, Action.WRITE_VALUES)
    await check_csrf(request, who)
    form = await request.form()
    unit, period, framework = (
        str(form.get("unit", "")),
        str(form.get("period", "")),
        str(form.get("framework") or dashboard.USAGE),
    )
    asked = Entry(framework, unit, period)
    records: list[dict[str, str | None]] = []
    for key, raw in form.items():
        base = {"unit_code": unit, "period": period, "indicator": key[2:]}
        if key.startswith("v_") and str(raw).strip():
            records.append({**base, "value": str(raw)})
        elif key.startswith("n_") and (str(raw).strip() or str(form.get("d_" + key[2:], ""))):
            denominator = str(form.get("d_" + key[2:], "")).strip()
            records.append({**base, "numerator": str(raw), "denominator": denominator or None})
    typed = _typed(form)
    if not records:
        error: ChisoError = RejectedInput(
            "Chưa nhập giá trị nào.",
            "manual entry without any value",
            hint_vi="điền ít nhất một chỉ số rồi bấm Lưu.",
        )
        return await run_in_threadpool(_data_page, request, who, None, error, 422, typed, "", asked)
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
        names = {n.code: n.name for n in frameworks.get(runtime(request), framework).nodes()}
        refused = _refused(exc, records, names)
        return await run_in_threadpool(
            _data_page, request, who, None, exc, exc.http_status, typed, "", asked, refused
        )
    return await run_in_threadpool(_data_page, request, who, report, None, 200, None, "", asked)
