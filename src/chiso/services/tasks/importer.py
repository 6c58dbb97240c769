"""Tasks from the office's spreadsheet of directives: every row checked first, one transaction,
each change audited; the same file again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from chiso.domain.tasks import Task
from chiso.errors import ProblemList
from chiso.io.tasks_file import EXPORT_HEADER, TaskRow, read_tasks_file
from chiso.io.writers import write_table
from chiso.services.runtime import Runtime
from chiso.services.units.resolver import UnitResolver, resolver_for
from chiso.store import audit_repo, tasks_repo
from chiso.store.db import Session


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


def import_tasks(rt: Runtime, path: Path, dry_run: bool = False) -> TaskImportReport:
    rows, problems = read_tasks_file(path)
    return import_rows(rt, rows, problems, path.name, dry_run)


def import_rows(
    rt: Runtime, rows: list[TaskRow], problems: ProblemList, source: str, dry_run: bool = False
) -> TaskImportReport:
    """Rows from a file or from a meeting-conclusion notice: checked, stored in one transaction."""
    report = TaskImportReport(source, len(rows), dry_run=dry_run)
    with rt.db.transaction(commit=not dry_run) as session:
        resolver = resolver_for(session, [n for r in rows for n in (r.lead, *r.partners)])
        units = {r.where: _units(resolver, r, problems) for r in rows}
        problems.raise_if_any(source)
        directives: dict[str, int] = {}
        for r in rows:
            if r.directive not in directives:
                directives[r.directive] = _directive(session, rt, r, report)
            _upsert(session, rt, directives[r.directive], r, units[r.where], report)
        report.directives = len(directives)
    return report


def _units(resolver: UnitResolver, r: TaskRow, problems: ProblemList) -> list[int]:
    """Ids of the lead unit then the cooperating ones; empty when one is not found."""
    found: list[int] = []
    named = [(r.lead, "đơn vị chủ trì")] + [(p, "đơn vị phối hợp") for p in r.partners]
    for name, column in named:
        unit, reason = resolver.match(name, r.issued_on)
        if unit is None:
            problems.add(f"{r.where}, {column}", reason or f"không thấy '{name}'", "unknown unit")
        else:
            found.append(unit.id)
    return found if len(found) == len(named) else []


def _directive(session: Session, rt: Runtime, r: TaskRow, report: TaskImportReport) -> int:
    wanted = {"issued_on": r.issued_on, "subject": r.subject, "issuer": r.issuer}
    shown = _plain(wanted)
    found = tasks_repo.directive(session, r.directive)
    if found is None:
        action, before = "directive.create", None
    else:
        action, before = "directive.update", _plain(found[1])
        if before == shown:
            return found[0]
    directive_id = tasks_repo.save_directive(session, r.directive, wanted)
    audit_repo.record(
        session, rt.actor, action, "directive", r.directive, before, shown, report.source
    )
    return directive_id


def _upsert(
    session: Session,
    rt: Runtime,
    directive_id: int,
    r: TaskRow,
    unit_ids: list[int],
    report: TaskImportReport,
) -> None:
    deadline = r.deadline
    after: dict[str, Any] = {
        "title": r.title,
        "lead_unit_id": unit_ids[0],
        "deadline_text": deadline.text,
        "due_on": deadline.due_on,
        "recurrence": deadline.recurrence.value if deadline.recurrence else None,
        "due_day": deadline.day,
    }
    given = {"status": r.status.value if r.status else None, "progress": r.progress}
    after |= {k: v for k, v in given.items() if v is not None}
    if r.completed_on is not None:
        after["completed_on"] = r.completed_on
    partners = sorted(unit_ids[1:])
    key = f"{r.directive}/{r.code}"
    stored = tasks_repo.columns(session, directive_id, r.code)
    if stored is None:
        tasks_repo.save_task(session, directive_id, r.code, after, partners, rt.actor)
        created = {k: v for k, v in after.items() if k not in given}
        audit_repo.record(
            session, rt.actor, "task.create", "task", key, None, _plain(created), report.source
        )
        report.created += 1
        report.changes.append(f"thêm {key}: {r.title[:60]}")
        return
    before = {k: stored[1][k] for k in after} | {"partners": stored[1]["partners"]}
    wanted = after | {"partners": partners}
    if before == wanted:
        report.unchanged += 1
        return
    tasks_repo.save_task(session, directive_id, r.code, after, partners, rt.actor)
    audit_repo.record(
        session, rt.actor, "task.update", "task", key, _plain(before), _plain(wanted), report.source
    )
    report.updated += 1
    report.changes.append(f"sửa {key}")


def _plain(d: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, date) else v for k, v in d.items()}


def export_tasks(rt: Runtime, out: Path) -> int:
    """The tasks as the import reads them: units by key, partners separated by ';'."""
    with rt.db.transaction() as session:
        found = tasks_repo.tasks(session)
    return write_table(out, EXPORT_HEADER, [_export_row(t) for t in found], sheet="Nhiệm vụ")


def _export_row(t: Task) -> list[Any]:
    return [
        t.directive,
        t.directive_date,
        t.directive_subject,
        t.issuer,
        t.code,
        t.title,
        t.lead_key,
        "; ".join(t.partner_keys),
        t.deadline_text,
        t.status.label_vi,
        t.progress,
        t.completed_on,
    ]
