"""The reminder letter to the units leading overdue tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from chiso.documents import reminder as reminder_doc
from chiso.documents.spec import DocumentSpec
from chiso.domain.units import letter_name
from chiso.errors import UsageError
from chiso.services.documents.drafts import draft
from chiso.services.runtime import Runtime
from chiso.services.tasks import tracking


@dataclass
class ReminderRequest:
    on: date | None = None
    unit: str | None = None
    report_days: int = 7
    spec: DocumentSpec = field(default_factory=lambda: DocumentSpec("reminder"))
    wording: Path | None = None


def reminder(rt: Runtime, req: ReminderRequest, out: Path) -> list[Path]:
    """The reminder for the tasks overdue on the day (of one unit, or all)."""
    on = req.on or date.today()
    late = tracking.list_tasks(rt, on, req.unit, overdue_only=True)
    if not late:
        raise UsageError(
            f"Không có nhiệm vụ nào quá hạn tính đến ngày {on:%d/%m/%Y}.",
            "no overdue task",
            hint_vi="không cần công văn đôn đốc; xem danh sách bằng `chiso tasks list`.",
        )
    rows = [
        reminder_doc.LateTask(
            t.title,
            t.directive,
            t.directive_date,
            t.lead_name,
            letter_name(t.lead_name, t.lead_kind),
            t.deadline.label_vi,
            t.standing.due,
            t.progress,
            t.standing.overdue_days,
        )
        for t in late
    ]
    spec = req.spec
    spec.date = on
    d = draft(rt, spec, "reminder", req.wording)
    return [reminder_doc.compose(rows, on, d, req.report_days).save(out)]
