"""Who had to report for a period and who did, on time or late against the deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from chiso.domain import grouping
from chiso.domain.frameworks import Framework
from chiso.domain.periods import Period
from chiso.domain.units import Unit
from chiso.services.periods import parse_period
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.services.scoring.evaluations import select_units
from chiso.services.units.catalogue import ListQuery, listed
from chiso.store import values_repo
from chiso.store.db import Session


@dataclass(frozen=True)
class Reporting:
    unit_key: str
    unit_name: str
    group: str
    status: str
    reported_at: datetime | None


STATUS_LABELS = {
    "on_time": "đúng hạn",
    "late": "muộn",
    "missing": "chưa báo cáo",
    "reported": "đã báo cáo",
}


def completeness(
    rt: Runtime,
    framework_ref: str,
    period_text: str,
    deadline: date | None = None,
    group: str | None = None,
) -> list[Reporting]:
    """Who reported for the period, on time or late against the deadline, or not at all: the
    units the framework evaluates then (a roll-up parent such as the province over its
    communes and departments is not a reporter of its own ranking)."""
    framework = frameworks.get(rt, framework_ref)
    period = parse_period(period_text)
    names = grouping.group_names(framework)
    with rt.db.transaction() as session:
        first = values_repo.reporters(session, framework.id, period)
        covered = covered_units(session, framework, period, group)
        kept = set(select_units(framework, [u for u, _ in covered], period)[0])
        out = [
            Reporting(u.key, u.name, names[g], _status(first.get(u.id), deadline), first.get(u.id))
            for u, g in covered
            if u.key in kept
        ]
    return sorted(out, key=lambda r: (r.group, r.status != "missing", r.unit_name))


def covered_units(
    session: Session, framework: Framework, period: Period, group: str | None = None
) -> list[tuple[Unit, str]]:
    """Units the framework covers on the period's last day, with their ranking group code."""
    out = []
    for u in listed(session, ListQuery(group=group, on=period.end)):
        g, _ = grouping.assign(framework, u.kind, list(u.groups))
        if g is not grouping.OUTSIDE:
            out.append((u, g.code))
    return out


def _status(at: datetime | None, deadline: date | None) -> str:
    if at is None:
        return "missing"
    if deadline is None:
        return "reported"
    return "on_time" if at.date() <= deadline else "late"
