"""Where a task stands on a given day: done, on time, due soon or overdue (and by how much)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import StrEnum

from chiso.domain.deadlines import Deadline


class TaskStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    @property
    def label_vi(self) -> str:
        return {
            TaskStatus.NOT_STARTED: "Chưa thực hiện",
            TaskStatus.IN_PROGRESS: "Đang thực hiện",
            TaskStatus.DONE: "Đã hoàn thành",
        }[self]


SOON_DAYS = 7


@dataclass(frozen=True)
class Standing:
    due: date | None
    overdue_days: int
    due_soon: bool
    done_late: bool
    done: bool = False
    duty: str = ""
    """ "Thường xuyên", "Khi có yêu cầu", "Không có thời hạn": a duty with no date."""

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0

    @property
    def label_vi(self) -> str:
        if self.overdue:
            return f"Quá hạn {self.overdue_days} ngày"
        if self.done_late:
            return "Hoàn thành quá hạn"
        if self.done:
            return "Hoàn thành đúng hạn"
        if self.duty:
            return self.duty
        if self.due_soon:
            return "Sắp đến hạn"
        return "Trong hạn"


def standing(
    deadline: Deadline,
    status: TaskStatus,
    today: date,
    completed_on: date | None = None,
    last_report_on: date | None = None,
    assigned_on: date | None = None,
) -> Standing:
    """A one-off task is overdue once its date has passed unfinished; a recurring duty is overdue
    when no report came in since its latest due date's period began."""
    if deadline.recurrence is not None:
        return _recurring(deadline, today, last_report_on, assigned_on)
    due = deadline.due_on
    if due is None:
        return Standing(None, 0, False, False, status is TaskStatus.DONE, deadline.label_vi)
    if status is TaskStatus.DONE:
        late = completed_on is not None and completed_on > due
        return Standing(due, 0, False, late, done=True)
    late_days = (today - due).days
    return Standing(due, max(late_days, 0), -SOON_DAYS <= late_days <= 0, False)


def _recurring(
    deadline: Deadline, today: date, last_report_on: date | None, assigned_on: date | None
) -> Standing:
    """An occurrence that fell due before the duty was assigned is not owed."""
    due = deadline.due_for(today)
    upcoming = deadline.next_due(today)
    soon = upcoming is not None and (upcoming - today).days <= SOON_DAYS
    if due is None or (assigned_on is not None and due < assigned_on):
        return Standing(upcoming, 0, soon, False)
    previous = deadline.due_for(date.fromordinal(due.toordinal() - 1))
    reported = last_report_on is not None and (previous is None or last_report_on > previous)
    if reported:
        return Standing(upcoming, 0, soon, False)
    return Standing(due, (today - due).days if today > due else 0, soon, False)


@dataclass(frozen=True)
class ProgressReport:
    """A lead unit's (or the office's) report on a task."""

    id: int
    at: datetime
    actor: str
    status: TaskStatus
    progress: int
    note: str


@dataclass(frozen=True, kw_only=True)
class Task:
    """A task as stored: the directive that assigned it, who leads it, its deadline and state."""

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
    deadline: Deadline
    status: TaskStatus
    progress: int
    completed_on: date | None
    last_report_on: date | None
    updates: tuple[ProgressReport, ...] = ()
    partner_keys: tuple[str, ...] = ()

    @property
    def deadline_text(self) -> str:
        return self.deadline.text

    def standing_on(self, today: date) -> Standing:
        return standing(
            self.deadline,
            self.status,
            today,
            self.completed_on,
            self.last_report_on,
            self.directive_date,
        )


@dataclass(frozen=True, kw_only=True)
class TaskView(Task):
    """A task with where it stands on the day it is looked at."""

    standing: Standing

    @classmethod
    def on(cls, task: Task, today: date) -> TaskView:
        stored = {f.name: getattr(task, f.name) for f in fields(Task)}
        return cls(**stored, standing=task.standing_on(today))
