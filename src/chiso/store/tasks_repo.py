"""Directives, the tasks they assign, and the progress reports on them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from chiso.domain.access import Actor
from chiso.domain.deadlines import Deadline, Recurrence
from chiso.domain.tasks import ProgressReport, Task, TaskStatus
from chiso.store import models
from chiso.store.db import Query
from chiso.store.models import Directive, TaskUpdate
from chiso.store.tables import utcnow

DIRECTIVE_FIELDS = ("issued_on", "subject", "issuer")
TASK_FIELDS = (
    "title",
    "lead_unit_id",
    "deadline_text",
    "due_on",
    "recurrence",
    "due_day",
    "status",
    "progress",
    "completed_on",
)


def directive(session: Session, number: str) -> tuple[int, dict[str, Any]] | None:
    """The id of a directive and its fields, by number."""
    found = session.scalar(select(Directive).where(Directive.number == number))
    if found is None:
        return None
    return found.id, {f: getattr(found, f) for f in DIRECTIVE_FIELDS}


def save_directive(session: Session, number: str, values: dict[str, Any]) -> int:
    found = session.scalar(select(Directive).where(Directive.number == number))
    if found is None:
        found = Directive(number=number, **values)
        session.add(found)
    else:
        for name, value in values.items():
            setattr(found, name, value)
    session.flush()
    return found.id


def columns(session: Session, directive_id: int, code: str) -> tuple[int, dict[str, Any]] | None:
    """A task's stored fields (those an import sets) with its partners' ids, to compare."""
    query = (
        select(models.Task)
        .where(models.Task.directive_id == directive_id, models.Task.code == code)
        .options(selectinload(models.Task.partners))
    )
    found = session.scalar(query)
    if found is None:
        return None
    values = {f: getattr(found, f) for f in TASK_FIELDS}
    return found.id, values | {"partners": sorted(u.id for u in found.partners)}


def save_task(
    session: Session,
    directive_id: int,
    code: str,
    values: dict[str, Any],
    partner_ids: Sequence[int],
    actor: Actor,
) -> None:
    """Creates the task or sets the given fields; its partners become `partner_ids`."""
    query = select(models.Task).where(
        models.Task.directive_id == directive_id, models.Task.code == code
    )
    found = session.scalar(query.options(selectinload(models.Task.partners)))
    if found is None:
        found = models.Task(directive_id=directive_id, code=code, updated_by=actor.name)
        found.status, found.progress = TaskStatus.NOT_STARTED.value, 0
        session.add(found)
    for name, value in values.items():
        setattr(found, name, value)
    found.partners = [session.get_one(models.Unit, i) for i in partner_ids]
    found.updated_at, found.updated_by = utcnow(), actor.name
    session.flush()


def _query() -> Query:
    return select(models.Task).options(
        selectinload(models.Task.directive),
        selectinload(models.Task.lead_unit),
        selectinload(models.Task.partners),
    )


def _task(t: models.Task, with_updates: bool = False) -> Task:
    recurrence = Recurrence(t.recurrence) if t.recurrence else None
    updates = tuple(
        ProgressReport(u.id, u.at, u.actor, TaskStatus(u.status), u.progress, u.note)
        for u in (t.updates if with_updates else ())
    )
    return Task(
        id=t.id,
        directive=t.directive.number,
        directive_date=t.directive.issued_on,
        directive_subject=t.directive.subject,
        issuer=t.directive.issuer,
        code=t.code,
        title=t.title,
        lead_id=t.lead_unit_id,
        lead_key=t.lead_unit.key,
        lead_name=t.lead_unit.name,
        lead_kind=t.lead_unit.kind,
        partners=tuple(p.name for p in t.partners),
        deadline=Deadline(t.deadline_text, t.due_on, recurrence, t.due_day),
        status=TaskStatus(t.status),
        progress=t.progress,
        completed_on=t.completed_on,
        last_report_on=t.last_report_on,
        updates=updates,
        partner_keys=tuple(sorted(p.key for p in t.partners)),
    )


def tasks(session: Session, unit_id: int | None = None) -> list[Task]:
    """Every task, or those a unit leads or cooperates on, by id."""
    query = _query().order_by(models.Task.id)
    if unit_id is not None:
        query = query.where(
            or_(
                models.Task.lead_unit_id == unit_id,
                models.Task.partners.any(models.Unit.id == unit_id),
            )
        )
    return [_task(t) for t in session.scalars(query)]


def task(session: Session, task_id: int) -> Task | None:
    """One task with its progress reports."""
    query = _query().where(models.Task.id == task_id).options(selectinload(models.Task.updates))
    found = session.scalar(query)
    return _task(found, with_updates=True) if found else None


def add_report(
    session: Session,
    task_id: int,
    state: tuple[TaskStatus, int, date | None, date],
    note: str,
    actor: Actor,
) -> int:
    """A progress report: `state` is (status, progress, completed on, reported on); the task
    takes that state. Returns the report's id."""
    status, progress, completed_on, on = state
    found = session.get_one(models.Task, task_id)
    found.status, found.progress = status.value, progress
    found.completed_on, found.last_report_on = completed_on, on
    found.updated_at, found.updated_by = utcnow(), actor.name
    report = TaskUpdate(
        task_id=task_id, actor=actor.name, status=status.value, progress=progress, note=note
    )
    session.add(report)
    session.flush()
    return report.id
