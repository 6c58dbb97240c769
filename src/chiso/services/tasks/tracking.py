"""Following tasks: the list (late first), one task with its reports and evidence, and progress
reports from the units that lead them."""

from __future__ import annotations

from datetime import date

from chiso.domain.access import Role
from chiso.domain.evidence import Evidence
from chiso.domain.tasks import TaskStatus, TaskView
from chiso.errors import NotFound, ProblemList, RejectedInput
from chiso.services import stamps
from chiso.services.accounts.actors import reaches
from chiso.services.assessments import evidence
from chiso.services.runtime import Runtime
from chiso.services.units.resolver import find_unit
from chiso.store import audit_repo, tasks_repo


def list_tasks(
    rt: Runtime, today: date | None = None, unit: str | None = None, overdue_only: bool = False
) -> list[TaskView]:
    """Tasks (of a unit: led by it or with it cooperating), the late ones first; a reporter
    sees those led by the units in their scope."""
    today = today or date.today()
    scope = (rt.actor.role, rt.actor.unit_id) if rt.actor.role is Role.REPORTER else None
    key = ("tasks", today, unit, overdue_only, scope)
    found = stamps.cached_tasks(rt, key, lambda: _list(rt, today, unit, overdue_only))
    return list(found)


def _list(rt: Runtime, today: date, unit: str | None, overdue_only: bool) -> tuple[TaskView, ...]:
    with rt.db.transaction() as session:
        unit_id = find_unit(session, unit).id if unit is not None else None
        found = tasks_repo.tasks(session, unit_id)
        if rt.actor.role is Role.REPORTER:
            found = [t for t in found if reaches(session, rt.actor, t.lead_id)]
    views = [TaskView.on(t, today) for t in found]
    if overdue_only:
        views = [v for v in views if v.standing.overdue]
    return tuple(
        sorted(views, key=lambda v: (-v.standing.overdue_days, v.standing.due or date.max, v.id))
    )


def get(
    rt: Runtime, task_id: int, today: date | None = None
) -> tuple[TaskView, dict[int, list[Evidence]]]:
    """A task with its reports, and the evidence of each report by report id; a task led by a
    unit outside the acting reporter's scope is not found, as if it did not exist."""
    with rt.db.transaction() as session:
        task = tasks_repo.task(session, task_id)
        if task is None or not reaches(session, rt.actor, task.lead_id):
            raise NotFound(f"Không có nhiệm vụ số {task_id}.", f"no task {task_id} in scope")
        files = evidence.of_owners(session, [f"update:{u.id}" for u in task.updates])
    return TaskView.on(task, today or date.today()), {
        int(owner.split(":")[1]): found for owner, found in files.items()
    }


def report_progress(
    rt: Runtime,
    task_id: int,
    status: str,
    progress: int,
    note: str,
    files: tuple[tuple[str, bytes], ...] = (),
    on: date | None = None,
) -> TaskView:
    """A progress report from the lead unit (or the office); done means 100%."""
    try:
        chosen = TaskStatus(status)
    except ValueError as exc:
        raise RejectedInput(
            f"Trạng thái '{status}' không hợp lệ.",
            "bad task status",
            hint_vi="dùng not_started, in_progress hoặc done.",
        ) from exc
    if not 0 <= progress <= 100 or not note.strip():
        raise RejectedInput(
            "Tiến độ phải từ 0 đến 100% và cần ghi nội dung báo cáo.", "bad progress report"
        )
    on = on or date.today()
    with evidence.staged(rt.settings) as blobs, rt.db.transaction() as session:
        task = tasks_repo.task(session, task_id)
        if task is None or not reaches(session, rt.actor, task.lead_id):
            raise NotFound(f"Không có nhiệm vụ số {task_id}.", f"no task {task_id} in scope")
        if rt.actor.role is Role.VIEWER:
            raise RejectedInput(
                f"Tài khoản {rt.actor.name} không báo cáo được nhiệm vụ do {task.lead_name} chủ trì.",
                "task outside the account's scope",
            )
        done = chosen is TaskStatus.DONE
        state = (chosen, 100 if done else progress, (task.completed_on or on) if done else None, on)
        report_id = tasks_repo.add_report(session, task.id, state, note.strip(), rt.actor)
        problems = ProblemList()
        for name, data in files:
            try:
                evidence.add(session, rt, blobs, f"update:{report_id}", name, data)
            except RejectedInput as exc:
                problems.add(f"tệp {name}", exc.message_vi, exc.message_en, exc.hint_vi)
        problems.raise_if_any("báo cáo tiến độ")
        blobs.write()
        before = {"status": task.status.value, "progress": task.progress}
        after = {"status": state[0].value, "progress": state[1], "note": note.strip()}
        key = f"{task.directive}/{task.code}"
        audit_repo.record(session, rt.actor, "task.progress", "task", key, before, after)
        updated = tasks_repo.task(session, task.id)
    assert updated is not None
    return TaskView.on(updated, on)
