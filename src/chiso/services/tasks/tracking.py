"""Tasks from directives: imported from the office's spreadsheet, updated by the units that lead
them (with evidence), and chased when late — on the unit pages, the overview, the committee
report and in a reminder letter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from chiso.domain.access import Role
from chiso.domain.deadlines import Deadline, Recurrence
from chiso.domain.tasks import Standing, TaskStatus, standing
from chiso.errors import NotFound, ProblemList, RejectedInput
from chiso.io.tasks_file import TaskRow, read_tasks_file
from chiso.services.accounts.actors import ADMIN, Actor, reaches
from chiso.services.assessments import evidence
from chiso.services.runtime import Runtime
from chiso.services.units.catalogue import resolve
from chiso.services.units.resolver import Matcher
from chiso.store import units_repo
from chiso.store.models import Directive, Task, TaskUpdate, Unit, utcnow


@dataclass(frozen=True)
class TaskView:
    id: int
    directive: str
    directive_date: date
    directive_subject: str
    issuer: str
    code: str
    title: str
    lead_id: int
    lead_key: str
    lead_name: str
    lead_kind: str
    partners: tuple[str, ...]
    deadline_text: str
    status: TaskStatus
    progress: int
    completed_on: date | None
    standing: Standing
    updates: tuple[dict[str, Any], ...] = ()


@dataclass
class TaskImportReport:
    source: str
    rows: int = 0
    directives: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    changes: list[str] = field(default_factory=list)


def _deadline_of(t: Task) -> Deadline:
    recurrence = Recurrence(t.recurrence) if t.recurrence else None
    return Deadline(t.deadline_text, t.due_on, recurrence, t.due_day)


def _view(t: Task, today: date, with_updates: bool = False) -> TaskView:
    status = TaskStatus(t.status)
    where = standing(_deadline_of(t), status, today, t.completed_on, t.last_report_on)
    updates = tuple(
        {"at": u.at, "actor": u.actor, "status": TaskStatus(u.status), "progress": u.progress,
         "note": u.note, "id": u.id}
        for u in t.updates
    ) if with_updates else ()  # fmt: skip
    return TaskView(
        t.id, t.directive.number, t.directive.issued_on, t.directive.subject, t.directive.issuer,
        t.code, t.title, t.lead_unit_id, t.lead_unit.key, t.lead_unit.name, t.lead_unit.kind,
        tuple(p.name for p in t.partners),
        t.deadline_text, status, t.progress, t.completed_on, where, updates,
    )  # fmt: skip


def import_tasks(rt: Runtime, path: Path, dry_run: bool = False) -> TaskImportReport:
    """All rows checked first; one transaction; the same file again changes nothing."""
    rows, problems = read_tasks_file(path)
    report = TaskImportReport(path.name, len(rows), dry_run=dry_run)
    with rt.db.transaction(commit=not dry_run) as session:
        matcher = Matcher(session)
        units = {r.where: _units(matcher, r, problems) for r in rows}
        problems.raise_if_any(path.name)
        directives: dict[str, Directive] = {}
        for r in rows:
            ids = units[r.where]
            lead, partners = (
                session.get_one(Unit, ids[0]),
                [session.get_one(Unit, i) for i in ids[1:]],
            )
            directive = directives.get(r.directive) or _directive(session, rt, r, report)
            directives[r.directive] = directive
            _upsert(session, rt, directive, r, lead, partners, report)
        report.directives = len(directives)
    return report


def _units(matcher: Matcher, r: TaskRow, problems: ProblemList) -> list[int]:
    """Ids of the lead unit then the cooperating ones; empty when one is not found."""
    found: list[int] = []
    named = [(r.lead, "đơn vị chủ trì")] + [(p, "đơn vị phối hợp") for p in r.partners]
    for name, column in named:
        unit, reason = matcher.match(name, r.issued_on)
        if unit is None:
            problems.add(f"{r.where}, {column}", reason or f"không thấy '{name}'", "unknown unit")
        else:
            found.append(unit.id)
    return found if len(found) == len(named) else []


def _directive(session: Session, rt: Runtime, r: TaskRow, report: TaskImportReport) -> Directive:
    found = session.scalar(select(Directive).where(Directive.number == r.directive))
    fields = {"issued_on": r.issued_on, "subject": r.subject, "issuer": r.issuer}
    if found is None:
        found = Directive(number=r.directive, **fields)
        session.add(found)
        units_repo.audit(session, rt.actor, "directive.create", "directive", r.directive, None,
                         {k: str(v) for k, v in fields.items()}, report.source)  # fmt: skip
    else:
        before = {k: str(getattr(found, k)) for k in fields}
        if before != {k: str(v) for k, v in fields.items()}:
            for key, value in fields.items():
                setattr(found, key, value)
            units_repo.audit(session, rt.actor, "directive.update", "directive", r.directive,
                             before, {k: str(v) for k, v in fields.items()}, report.source)  # fmt: skip
    session.flush()
    return found


def _upsert(
    session: Session, rt: Runtime, directive: Directive, r: TaskRow, lead: Unit,
    partners: list[Unit], report: TaskImportReport,
) -> None:  # fmt: skip
    query = select(Task).where(Task.directive_id == directive.id, Task.code == r.code)
    task = session.scalar(query.options(selectinload(Task.partners)))
    after: dict[str, Any] = {
        "title": r.title, "lead_unit_id": lead.id, "deadline_text": r.deadline.text,
        "due_on": r.deadline.due_on, "recurrence": r.deadline.recurrence.value if r.deadline.recurrence else None,
        "due_day": r.deadline.day,
    }  # fmt: skip
    if r.status is not None:
        after["status"] = r.status.value
    if r.progress is not None:
        after["progress"] = r.progress
    if r.completed_on is not None:
        after["completed_on"] = r.completed_on
    partner_ids = sorted(u.id for u in partners)
    key = f"{directive.number}/{r.code}"
    if task is None:
        task = Task(directive_id=directive.id, code=r.code, updated_by=rt.actor,
                    status=after.pop("status", TaskStatus.NOT_STARTED.value),
                    progress=after.pop("progress", 0), **after)  # fmt: skip
        task.partners = list(partners)
        session.add(task)
        report.created += 1
        units_repo.audit(
            session, rt.actor, "task.create", "task", key, None, _plain(after), report.source
        )
        report.changes.append(f"thêm {key}: {r.title[:60]}")
        return
    before = {k: getattr(task, k) for k in after} | {
        "partners": sorted(u.id for u in task.partners)
    }
    wanted = after | {"partners": partner_ids}
    if before == wanted:
        report.unchanged += 1
        return
    for name, value in after.items():
        setattr(task, name, value)
    task.partners = list(partners)
    task.updated_at, task.updated_by = utcnow(), rt.actor
    report.updated += 1
    units_repo.audit(
        session, rt.actor, "task.update", "task", key, _plain(before), _plain(wanted), report.source
    )
    report.changes.append(f"sửa {key}")


def _plain(d: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, date) else v for k, v in d.items()}


def _query() -> Any:
    return select(Task).options(
        selectinload(Task.directive), selectinload(Task.lead_unit), selectinload(Task.partners)
    )


def list_tasks(
    rt: Runtime, today: date | None = None, unit: str | None = None, overdue_only: bool = False,
    actor: Actor = ADMIN,
) -> list[TaskView]:  # fmt: skip
    """Tasks (of a unit: led by it or with it cooperating), the late ones first."""
    today = today or date.today()
    with rt.db.transaction() as session:
        query = _query().order_by(Task.id)
        if unit is not None:
            target = resolve(session, unit).id
            query = query.where(
                or_(Task.lead_unit_id == target, Task.partners.any(Unit.id == target))
            )
        tasks = list(session.scalars(query))
        if actor.role is Role.REPORTER:
            tasks = [t for t in tasks if reaches(session, actor, t.lead_unit_id)]
        views = [_view(t, today) for t in tasks]
    if overdue_only:
        views = [v for v in views if v.standing.overdue]
    return sorted(views, key=lambda v: (-v.standing.overdue_days, v.standing.due or date.max, v.id))


def get(
    rt: Runtime, task_id: int, today: date | None = None
) -> tuple[TaskView, dict[int, list[evidence.Evidence]]]:
    with rt.db.transaction() as session:
        task = session.scalar(
            _query().where(Task.id == task_id).options(selectinload(Task.updates))
        )
        if task is None:
            raise NotFound(f"Không có nhiệm vụ số {task_id}.", f"no task {task_id}")
        view = _view(task, today or date.today(), with_updates=True)
        files = evidence.of_owners(session, [f"update:{u.id}" for u in task.updates])
        return view, {int(k.split(":")[1]): v for k, v in files.items()}


def report_progress(
    rt: Runtime, task_id: int, status: str, progress: int, note: str,
    files: tuple[tuple[str, bytes], ...] = (), actor: Actor = ADMIN, on: date | None = None,
) -> TaskView:  # fmt: skip
    """A progress report from the lead unit (or the office); done means 100%."""
    try:
        chosen = TaskStatus(status)
    except ValueError as exc:
        raise RejectedInput(f"Trạng thái '{status}' không hợp lệ.", "bad task status",
                            hint_vi="dùng not_started, in_progress hoặc done.") from exc  # fmt: skip
    if not 0 <= progress <= 100 or not note.strip():
        raise RejectedInput(
            "Tiến độ phải từ 0 đến 100% và cần ghi nội dung báo cáo.", "bad progress report"
        )
    on = on or date.today()
    with rt.db.transaction() as session:
        task = session.scalar(
            _query().where(Task.id == task_id).options(selectinload(Task.updates))
        )
        if task is None:
            raise NotFound(f"Không có nhiệm vụ số {task_id}.", f"no task {task_id}")
        if actor.role is Role.VIEWER or not reaches(session, actor, task.lead_unit_id):
            raise RejectedInput(
                f"Tài khoản {actor.name} không báo cáo được nhiệm vụ do {task.lead_unit.name} chủ trì.",
                "task outside the account's scope",
            )
        before = {"status": task.status, "progress": task.progress}
        done = chosen is TaskStatus.DONE
        task.status, task.progress = chosen.value, 100 if done else progress
        task.completed_on = (task.completed_on or on) if done else None
        task.last_report_on = on
        task.updated_at, task.updated_by = utcnow(), actor.name
        update = TaskUpdate(
            task_id=task.id,
            actor=actor.name,
            status=task.status,
            progress=task.progress,
            note=note.strip(),
        )
        session.add(update)
        session.flush()
        problems = ProblemList()
        for name, data in files:
            try:
                evidence.add(session, rt, f"update:{update.id}", name, data)
            except RejectedInput as exc:
                problems.add(f"tệp {name}", exc.message_vi, exc.message_en, exc.hint_vi)
        problems.raise_if_any("báo cáo tiến độ")
        units_repo.audit(session, actor.name, "task.progress", "task", f"{task.directive.number}/{task.code}",
                         before, {"status": task.status, "progress": task.progress, "note": note.strip()})  # fmt: skip
        session.flush()
        return _view(task, on)
