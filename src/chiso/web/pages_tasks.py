"""Tasks: the list (late first), one task with its progress reports and evidence, and the form
a lead unit reports progress with; the reminder letter is on the documents page."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from chiso.domain.access import Action, Role
from chiso.domain.tasks import TaskStatus
from chiso.errors import ChisoError, RejectedInput
from chiso.services.documents import reminders
from chiso.services.tasks import tracking
from chiso.web.deps import Caller, Route, acting, check_csrf, require, runtime
from chiso.web.pages_documents import DOCX
from chiso.web.render import page
from chiso.web.uploads import evidence_upload

router = APIRouter(route_class=Route, include_in_schema=False)


@router.get("/tasks")
def task_list(request: Request, overdue: bool = False) -> Response:
    who = require(request, Action.VIEW_UNIT)
    found = tracking.list_tasks(acting(request, who), overdue_only=overdue)
    return page(request, "tasks.html", tasks=found, overdue=overdue)


def _task_page(
    request: Request, who: Caller, task_id: int, error: ChisoError | None = None, status: int = 200
) -> Response:
    view, files = tracking.get(acting(request, who), task_id)
    return page(
        request,
        "task.html",
        status=status,
        t=view,
        files=files,
        error=error,
        statuses=list(TaskStatus),
        can_report=who.role is not Role.VIEWER,
    )


@router.get("/tasks/reminder.docx")
def reminder(request: Request) -> Response:
    """The reminder letter for today's overdue tasks, ready to sign."""
    require(request, Action.VIEW_DOCUMENTS)
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / f"don-doc-nhiem-vu-{date.today():%Y%m%d}.docx"
        try:
            reminders.reminder(runtime(request), reminders.ReminderRequest(), out)
        except ChisoError as exc:
            raise HTTPException(404, exc.message_vi) from exc
        content = out.read_bytes()
    disposition = f'attachment; filename="{out.name}"'
    return Response(content, media_type=DOCX, headers={"Content-Disposition": disposition})


@router.get("/tasks/{task_id}")
def task_page(request: Request, task_id: int) -> Response:
    who = require(request, Action.VIEW_UNIT)
    return _task_page(request, who, task_id)


@router.post("/tasks/{task_id}/progress")
async def progress(request: Request, task_id: int) -> Response:
    who = require(request, Action.VIEW_UNIT)
    await check_csrf(request, who)
    form = await request.form()
    files = await evidence_upload(form.get("file"), runtime(request).settings.evidence_max_mb)
    rt = acting(request, who)

    def report() -> Response:
        try:
            percent = int(str(form.get("progress") or "0"))
            status, note = str(form.get("status", "")), str(form.get("note", ""))
            tracking.report_progress(rt, task_id, status, percent, note, files)
        except ValueError:
            refused = RejectedInput("Tiến độ phải là số từ 0 đến 100.", "bad progress")
            return _task_page(request, who, task_id, error=refused, status=422)
        except ChisoError as exc:
            return _task_page(request, who, task_id, error=exc, status=422)
        return _task_page(request, who, task_id)

    return await run_in_threadpool(report)
