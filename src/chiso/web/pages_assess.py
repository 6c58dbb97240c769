"""Self-assessment pages: rounds and their units, one unit's file (self values, explanations,
evidence with signature checks, the council's findings, scores side by side) and its steps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from chiso.domain.access import Action
from chiso.domain.assessment import Move
from chiso.errors import ChisoError, RejectedInput
from chiso.services.accounts import access_log
from chiso.services.assessments import cycle, evidence, rounds
from chiso.services.assessments.cycle import Entry
from chiso.services.scoring import frameworks
from chiso.web.deps import Caller, Route, acting, check_csrf, require, runtime
from chiso.web.render import page
from chiso.web.uploads import evidence_upload

router = APIRouter(route_class=Route, include_in_schema=False)


@router.get("/assessments")
def rounds_page(request: Request) -> Response:
    who = require(request, Action.ASSESS)
    rt = acting(request, who)
    found = rounds.rounds(rt)
    rosters = {r.id: rounds.roster(rt, r.framework_id, str(r.period)) for r in found}
    return page(
        request,
        "assessments.html",
        rounds=found,
        rosters=rosters,
        today=date.today(),
        framework_ids=frameworks.available_ids(rt),
    )


@router.post("/assessments/open")
async def open_round(request: Request) -> Response:
    who = require(request, Action.ADMINISTER)
    await check_csrf(request, who)
    form = await request.form()
    try:
        opens = date.fromisoformat(str(form.get("opens_on")))
        closes = date.fromisoformat(str(form.get("closes_on")))
        framework, period = str(form.get("framework", "")), str(form.get("period", ""))
        rt = acting(request, who)
        await run_in_threadpool(rounds.open_round, rt, framework, period, opens, closes)
    except (ChisoError, ValueError) as exc:
        raise HTTPException(422, getattr(exc, "message_vi", "Ngày không hợp lệ.")) from exc
    return RedirectResponse("/assessments", status_code=303)


def _file_page(
    request: Request,
    who: Caller,
    framework: str,
    period: str,
    unit: str,
    error: ChisoError | None = None,
    status: int = 200,
    message: str = "",
    typed: dict[str, Entry] | None = None,
) -> Response:
    view = cycle.view(acting(request, who), framework, period, unit)
    return page(
        request,
        "assessment.html",
        status=status,
        v=view,
        error=error,
        message=message,
        typed=typed or {},
        field_errors=_field_errors(error, [i.node.code for i in view.items]),
        moves_needing_reason={Move.RETURN, Move.UNAPPROVE},
    )


def _field_errors(error: ChisoError | None, codes: list[str]) -> dict[str, list[str]]:
    """Each problem of a refused save placed beside its component's field: a problem's place
    starts with the component's code ("1.2 Tên chỉ số")."""
    found: dict[str, list[str]] = {}
    for problem in error.problems if error else ():
        head = problem.where.split(" ", 1)[0]
        if head in codes:
            text = problem.message_vi + (f" ({problem.hint_vi})" if problem.hint_vi else "")
            found.setdefault(head, []).append(text)
    return found


@router.get("/assessments/{framework}/{period}/{unit}")
def file_page(request: Request, framework: str, period: str, unit: str) -> Response:
    who = require(request, Action.ASSESS)
    return _file_page(request, who, framework, period, unit)


@router.post("/assessments/{framework}/{period}/{unit}/save")
async def save(request: Request, framework: str, period: str, unit: str) -> Response:
    who = require(request, Action.ASSESS)
    await check_csrf(request, who)
    form = await request.form()
    entries: dict[str, Entry] = {}
    codes = {k[2:] for k in form if k.startswith(("v_", "e_", "f_"))}
    for code in sorted(codes):
        files = await evidence_upload(
            form.get("f_" + code), runtime(request).settings.evidence_max_mb
        )
        entries[code] = Entry(str(form.get("v_" + code, "")), str(form.get("e_" + code, "")), files)
    rt = acting(request, who)

    def save() -> str:
        cycle.save_self(rt, framework, period, unit, entries)
        return "Đã lưu hồ sơ."

    return await run_in_threadpool(_after, request, who, (framework, period, unit), save, entries)


@router.post("/assessments/{framework}/{period}/{unit}/review")
async def review(request: Request, framework: str, period: str, unit: str) -> Response:
    who = require(request, Action.ASSESS)
    await check_csrf(request, who)
    form = await request.form()
    rt = acting(request, who)

    def rule() -> str:
        if form.get("all") == "accept":
            cycle.accept_pending(rt, framework, period, unit)
        else:
            accept = form.get("decision") == "accept"
            code, value = str(form.get("code", "")), str(form.get("value", ""))
            reason = str(form.get("reason", ""))
            cycle.review(rt, framework, period, unit, code, accept, value, reason)
        return "Đã ghi kết quả thẩm định."

    return await run_in_threadpool(_after, request, who, (framework, period, unit), rule)


@router.post("/assessments/{framework}/{period}/{unit}/move")
async def move(request: Request, framework: str, period: str, unit: str) -> Response:
    who = require(request, Action.ASSESS)
    await check_csrf(request, who)
    form = await request.form()
    rt = acting(request, who)

    def step() -> str:
        try:
            chosen = Move(str(form.get("move", "")))
        except ValueError as exc:
            raise RejectedInput("Bước không hợp lệ.", "unknown move") from exc
        view = cycle.move(rt, framework, period, unit, chosen, str(form.get("reason", "")))
        return f"{chosen.label_vi}: hồ sơ chuyển sang '{view.status.label_vi}'."

    return await run_in_threadpool(_after, request, who, (framework, period, unit), step)


def _after(
    request: Request,
    who: Caller,
    file: tuple[str, str, str],
    work: Callable[[], str],
    typed: dict[str, Entry] | None = None,
) -> Response:
    """The file's page after `work`, with what it did, or with why it was refused; a refused
    form comes back with everything that was typed in it."""
    try:
        message = work()
    except ChisoError as exc:
        return _file_page(request, who, *file, error=exc, status=422, typed=typed)
    return _file_page(request, who, *file, message=message)


@router.get("/evidence/{evidence_id}")
def download(request: Request, evidence_id: int) -> Response:
    who = require(request, Action.VIEW_UNIT)
    rt = acting(request, who)
    found, data = evidence.content(rt, evidence_id)
    details = {"file": found.filename, "sha256": found.sha256}
    access_log.note(rt, access_log.EVIDENCE, "evidence", str(evidence_id), details)
    disposition = f"attachment; filename*=UTF-8''{_quote(found.filename)}"
    return Response(data, media_type=found.media_type, headers={"Content-Disposition": disposition})


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
