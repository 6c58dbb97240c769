"""Self-assessment rounds, each unit's file in a round, and its components."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.domain.access import Actor
from chiso.domain.assessment import Assessment, Item, Round, Status
from chiso.domain.periods import Period
from chiso.domain.scoring import Value
from chiso.domain.units import Unit
from chiso.store import models, units_repo
from chiso.store.tables import utcnow
from chiso.store.values_repo import fields, value_of

LOCKED = (Status.APPROVED.value, Status.PUBLISHED.value)
"""An approved or published file locks the unit's values of its period."""


def _round(r: models.AssessmentRound) -> Round:
    return Round(r.id, r.framework_id, Period.parse(r.period), r.opens_on, r.closes_on)


def round_of(session: Session, framework_id: str, period: Period) -> Round | None:
    found = _round_row(session, framework_id, period)
    return _round(found) if found else None


def _round_row(
    session: Session, framework_id: str, period: Period
) -> models.AssessmentRound | None:
    query = select(models.AssessmentRound).where(
        models.AssessmentRound.framework_id == framework_id,
        models.AssessmentRound.period == str(period),
    )
    return session.scalar(query)


def open_round(
    session: Session, framework_id: str, period: Period, window: tuple[date, date], actor: Actor
) -> tuple[Round, tuple[date, date] | None]:
    """Opens the round or moves its window; the round and the window it had before."""
    found = _round_row(session, framework_id, period)
    before = (found.opens_on, found.closes_on) if found else None
    if found is None:
        found = models.AssessmentRound(
            framework_id=framework_id, period=str(period), created_by=actor.name
        )
        session.add(found)
    found.opens_on, found.closes_on = window
    session.flush()
    return _round(found), before


def rounds(session: Session) -> list[Round]:
    """Every round, newest first."""
    query = select(models.AssessmentRound).order_by(models.AssessmentRound.id.desc())
    return [_round(r) for r in session.scalars(query)]


def assessments(session: Session, round_id: int) -> list[Assessment]:
    query = select(models.Assessment).where(models.Assessment.round_id == round_id)
    found = list(session.scalars(query))
    units = units_repo.by_ids(session, sorted({a.unit_id for a in found}))
    return [_assessment(a, units[a.unit_id]) for a in found]


def assessment_of(session: Session, round_id: int, unit_id: int) -> Assessment | None:
    found = _row(session, round_id, unit_id)
    if found is None:
        return None
    return _assessment(found, units_repo.by_ids(session, [unit_id])[unit_id])


def _row(session: Session, round_id: int, unit_id: int) -> models.Assessment | None:
    query = select(models.Assessment).where(
        models.Assessment.round_id == round_id, models.Assessment.unit_id == unit_id
    )
    return session.scalar(query)


def _assessment(a: models.Assessment, unit: Unit) -> Assessment:
    return Assessment(
        a.id, a.round_id, unit, Status(a.status), a.comment, a.submitted_at, a.updated_at
    )


def add_assessment(session: Session, round_id: int, unit_id: int, actor: Actor) -> Assessment:
    row = models.Assessment(
        round_id=round_id, unit_id=unit_id, status=Status.DRAFT.value, updated_by=actor.name
    )
    session.add(row)
    session.flush()
    session.refresh(row)
    return _assessment(row, units_repo.by_ids(session, [unit_id])[unit_id])


def set_state(
    session: Session,
    assessment_id: int,
    state: tuple[Status, str | None, datetime | None],
    actor: Actor,
) -> None:
    """Status, comment and submission time as given, and who changed the file last."""
    row = session.get_one(models.Assessment, assessment_id)
    status, row.comment, row.submitted_at = state
    row.status = status.value
    row.updated_at, row.updated_by = utcnow(), actor.name
    session.flush()


def items_of(session: Session, assessment_id: int) -> list[Item]:
    query = (
        select(models.AssessmentItem)
        .where(models.AssessmentItem.assessment_id == assessment_id)
        .order_by(models.AssessmentItem.id)
    )
    return [_item(i) for i in session.scalars(query)]


def _item(i: models.AssessmentItem) -> Item:
    return Item(
        i.id,
        i.indicator,
        value_of(i.self_value),
        i.explanation,
        i.decision,
        value_of(i.verified_value),
        i.reason,
    )


def _item_row(
    session: Session, assessment_id: int, indicator: str, actor: Actor
) -> models.AssessmentItem:
    query = select(models.AssessmentItem).where(
        models.AssessmentItem.assessment_id == assessment_id,
        models.AssessmentItem.indicator == indicator,
    )
    found = session.scalar(query)
    if found is None:
        found = models.AssessmentItem(
            assessment_id=assessment_id, indicator=indicator, updated_by=actor.name
        )
        session.add(found)
    return found


def save_claim(
    session: Session,
    assessment_id: int,
    indicator: str,
    claim: tuple[Value | None, str | None],
    actor: Actor,
) -> Item:
    """The unit's value and explanation for one component."""
    row = _item_row(session, assessment_id, indicator, actor)
    value, explanation = claim
    row.self_value = fields(value) if value else None
    row.explanation = explanation
    row.updated_at, row.updated_by = utcnow(), actor.name
    session.flush()
    return _item(row)


def save_finding(
    session: Session,
    assessment_id: int,
    indicator: str,
    finding: tuple[str, Value | None, str | None],
    actor: Actor,
) -> Item:
    """The council's decision on one component, with the verified value and why."""
    row = _item_row(session, assessment_id, indicator, actor)
    decision, value, reason = finding
    row.decision, row.reason = decision, reason
    row.verified_value = fields(value) if value else None
    row.updated_at, row.updated_by = utcnow(), actor.name
    session.flush()
    return _item(row)


def locked_units(
    session: Session, framework_id: str, periods: Collection[Period]
) -> dict[tuple[int, Period], str]:
    """(unit id, period) → status of files approved or published: their values are locked."""
    wanted = {str(p): p for p in periods}
    query = (
        select(models.Assessment.unit_id, models.AssessmentRound.period, models.Assessment.status)
        .join(models.AssessmentRound, models.Assessment.round_id == models.AssessmentRound.id)
        .where(
            models.AssessmentRound.framework_id == framework_id,
            models.AssessmentRound.period.in_(list(wanted)),
            models.Assessment.status.in_(LOCKED),
        )
    )
    return {(unit_id, wanted[period]): status for unit_id, period, status in session.execute(query)}
