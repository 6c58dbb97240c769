"""Tasks: the list (late first), one task with its progress reports and evidence, and the form
a lead unit reports progress with; the reminder letter is on the documents page."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from chiso.domain.access import Action
from chiso.domain.tasks import TaskStatus
from chiso.errors import ChisoError
from chiso.services.documents import drafting as reports
from chiso.services.tasks import tracking as tasks
from chiso.web.deps import Caller, acting, check_csrf, require, runtime
from chiso.web.pages_assess import actor_of
from chiso.web.pages_documents import DOCX
from chiso.web.render import page
from chiso.web.uploads import evidence_upload

router = APIRouter(include_in_schema=False)


@router.get("/tasks")
def task_list(request: Request, overdue: bool = False) -> Response:
    who = require(request, Action.VIEW_UNIT)
    found = tasks.list_tasks(runtime(request), overdue_only=overdue, actor=actor_of(who))
    return page(request, "tasks.html", tasks=found, overdue=overdue)


def _task_page(
    request: Request, who: Caller, task_id: int, error: ChisoError | None = None, status: int = 200
) -> Response:
    view, files = tasks.get(runtime(request), task_id)
    return page(request, "task.html", status=status, t=view, files=files, error=error,
                statuses=list(TaskStatus), can_report=who.role.value != "viewer")  # fmt: skip


@router.get("/tasks/reminder.docx")
def reminder(request: Request) -> Response:
    """The reminder letter for today's overdue tasks, ready to sign."""
    require(request, Action.VIEW_DOCUMENTS)
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / f"don-doc-nhiem-vu-{date.today():%Y%m%d}.docx"
        try:
            reports.reminder(runtime(request), reports.ReminderRequest(), out)
        except ChisoError as exc:
            raise HTTPException(404, exc.message_vi) from exc
        content = out.read_bytes()
    return Response(content, media_type=DOCX,
                    headers={"Content-Disposition": f'attachment; filename="{out.name}"'})  # fmt: skip


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
    try:
        percent = int(str(form.get("progress") or "0"))
        tasks.report_progress(acting(request, who), task_id, str(form.get("status", "")), percent,
                              str(form.get("note", "")), files, actor_of(who))  # fmt: skip
    except ValueError:
        return _task_page(request, who, task_id, status=422,
                          error=ChisoError("Tiến độ phải là số từ 0 đến 100.", "bad progress"))  # fmt: skip
    except ChisoError as exc:
        return _task_page(request, who, task_id, error=exc, status=422)
    return _task_page(request, who, task_id)
