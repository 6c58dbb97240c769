"""Self-assessment rounds: a submission window per framework and period, and where each unit's
file stands in it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from chiso.domain.assessment import Assessment, Round, Status, window_open
from chiso.domain.frameworks import Framework
from chiso.domain.periods import Period
from chiso.errors import NotFound, UsageError
from chiso.services.accounts.actors import reaches
from chiso.services.periods import parse_period
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.services.values.reporting import covered_units
from chiso.store import assessments_repo, audit_repo
from chiso.store.db import Session


@dataclass(frozen=True)
class RoundInfo:
    id: int
    framework_id: str
    framework_name: str
    period: Period
    opens_on: date
    closes_on: date
    counts: dict[Status, int]
    units: int | None
    """Units the round covers (None where a page does not need the count)."""
    on_time: int

    def is_open(self, today: date) -> bool:
        return window_open(self.opens_on, self.closes_on, today)


def framework_period(rt: Runtime, framework: str, period: str) -> tuple[Framework, Period]:
    return frameworks.get(rt, framework), parse_period(period)


def open_round(
    rt: Runtime, framework: str, period: str, opens_on: date, closes_on: date
) -> RoundInfo:
    """Opens the window, or moves it when the round exists (audited either way)."""
    chosen, when = framework_period(rt, framework, period)
    if closes_on < opens_on:
        raise UsageError(
            f"Ngày đóng ({closes_on:%d/%m/%Y}) trước ngày mở ({opens_on:%d/%m/%Y}).",
            "window closes before it opens",
            hint_vi="đặt --closes sau --opens.",
        )
    with rt.db.transaction() as session:
        window = (opens_on, closes_on)
        found, earlier = assessments_repo.open_round(session, chosen.id, when, window, rt.actor)
        before = (
            None if earlier is None else {"opens_on": str(earlier[0]), "closes_on": str(earlier[1])}
        )
        after = {"opens_on": str(opens_on), "closes_on": str(closes_on)}
        audit_repo.record(session, rt.actor, "round.open", "round", found.key, before, after)
        return round_info(session, found, chosen)


def round_info(
    session: Session, r: Round, framework: Framework, count_units: bool = True
) -> RoundInfo:
    files = assessments_repo.assessments(session, r.id)
    units = len(covered_units(session, framework, r.period)) if count_units else None
    on_time = sum(1 for a in files if _on_time(a, r))
    return RoundInfo(
        r.id,
        r.framework_id,
        framework.name,
        r.period,
        r.opens_on,
        r.closes_on,
        dict(Counter(a.status for a in files)),
        units,
        on_time,
    )


def _on_time(a: Assessment, r: Round) -> bool:
    return a.submitted_at is not None and a.submitted_at.date() <= r.closes_on


def rounds(rt: Runtime) -> list[RoundInfo]:
    with rt.db.transaction() as session:
        found = assessments_repo.rounds(session)
        return [round_info(session, r, frameworks.get(rt, r.framework_id)) for r in found]


def round_or_fail(session: Session, framework: Framework, period: Period) -> Round:
    found = assessments_repo.round_of(session, framework.id, period)
    if found is None:
        raise NotFound(
            f"Chưa mở đợt tự đánh giá {framework.id} kỳ {period}.",
            f"no assessment round {framework.id} {period}",
            hint_vi=f"mở đợt: chiso assess open --framework {framework.id} --period {period} "
            "--opens … --closes …",
        )
    return found


@dataclass(frozen=True)
class RosterRow:
    unit_key: str
    unit_name: str
    group: str
    status: Status
    submitted_at: datetime | None
    on_time: bool | None


def roster(rt: Runtime, framework: str, period: str) -> list[RosterRow]:
    """Every unit the round covers (a reporter sees their own), with where its file stands."""
    chosen, when = framework_period(rt, framework, period)
    with rt.db.transaction() as session:
        r = round_or_fail(session, chosen, when)
        by_unit = {a.unit.id: a for a in assessments_repo.assessments(session, r.id)}
        out = []
        for unit, group in covered_units(session, chosen, when):
            if not reaches(session, rt.actor, unit.id):
                continue
            a = by_unit.get(unit.id)
            at = a.submitted_at if a else None
            on_time = None if a is None or at is None else _on_time(a, r)
            status = a.status if a else Status.DRAFT
            out.append(RosterRow(unit.key, unit.name, group, status, at, on_time))
    return sorted(out, key=lambda r: (r.group, r.unit_name))
