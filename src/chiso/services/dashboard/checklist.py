"""What a unit has to do this period and by when, for its reporter's landing page: the monthly
values not yet reported (due on the settings' day of the next month), the self-assessment files
still open to the unit (due when the round closes), and the tasks it leads that are not done
(due as their directive says)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from chiso.domain.periods import Period
from chiso.domain.tasks import TaskStatus, TaskView
from chiso.errors import NotFound, RejectedInput
from chiso.services.accounts.actors import ensure_reaches
from chiso.services.assessments import cycle, rounds
from chiso.services.dashboard.pages import USAGE
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.services.tasks import tracking
from chiso.services.units.resolver import find_unit
from chiso.services.values.reporting import covered_units
from chiso.store import values_repo


@dataclass(frozen=True)
class DueValues:
    """A framework's values of a period the unit has not reported."""

    framework_id: str
    framework_name: str
    period: Period
    due_on: date
    missing: list[str]
    """Names of the indicators without a value."""
    total: int


@dataclass(frozen=True)
class DueAssessment:
    framework_id: str
    framework_name: str
    period: Period
    due_on: date
    filled: int
    items: int
    status_label: str


@dataclass
class Checklist:
    unit_key: str
    unit_name: str
    today: date
    values: list[DueValues] = field(default_factory=list)
    assessments: list[DueAssessment] = field(default_factory=list)
    tasks: list[TaskView] = field(default_factory=list)
    """Tasks the unit leads that are not done, the late ones first."""

    @property
    def empty(self) -> bool:
        return not (self.values or self.assessments or self.tasks)


def due_period(today: date) -> Period:
    """The month whose values are being reported: the one before today's."""
    return Period.month_of(today.year, today.month).previous()


def due_on(rt: Runtime, month: Period) -> date:
    """A month's values are due on the settings' day (`CHISO_REPORT_DUE_DAY`) of the next."""
    after = month.next()
    return date(after.year, after.number, rt.settings.report_due_day)


def checklist(rt: Runtime, unit: str, today: date | None = None) -> Checklist:
    """The unit's list of what is due; a reporter reads only the units of their scope."""
    today = today or date.today()
    period = due_period(today)
    framework = frameworks.get(rt, USAGE)
    with rt.db.transaction() as session:
        found = find_unit(session, unit, period.end)
        ensure_reaches(session, rt.actor, found)
        covered = {u.id for u, _ in covered_units(session, framework, period)}
        stored = values_repo.values(session, framework.id, [period], [found.id])
    out = Checklist(found.key, found.name, today)
    if found.id in covered:
        leaves = [n for n in framework.leaves() if n.applies(found.kind) and n.input is not None]
        have = {v.indicator for v in stored}
        missing = [n.name for n in leaves if n.code not in have]
        if missing:
            out.values.append(
                DueValues(
                    framework.id,
                    framework.name,
                    period,
                    due_on(rt, period),
                    missing,
                    len(leaves),
                )
            )
    out.assessments = _assessments(rt, found.key, today)
    out.tasks = [
        t
        for t in tracking.list_tasks(rt, today, unit=found.key)
        if t.lead_key == found.key and t.status is not TaskStatus.DONE
    ]
    return out


def _assessments(rt: Runtime, unit: str, today: date) -> list[DueAssessment]:
    """Files of open rounds the unit can still edit (a draft, or returned to it)."""
    out = []
    for r in rounds.rounds(rt):
        if not r.is_open(today):
            continue
        try:
            view = cycle.view(rt, r.framework_id, str(r.period), unit)
        except (NotFound, RejectedInput):
            continue  # no such file, or the round's framework does not cover the unit
        if view.status.editable_by_unit:
            out.append(
                DueAssessment(
                    r.framework_id,
                    r.framework_name,
                    r.period,
                    r.closes_on,
                    view.filled,
                    len(view.items),
                    view.status.label_vi,
                )
            )
    return out
