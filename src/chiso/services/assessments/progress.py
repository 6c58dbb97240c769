"""How far each unit's self-assessment has got, for the leader: per round and unit, components
filled out of those due, components with evidence, explanations, the file's status, when it was
sent and whether on time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chiso.domain.assessment import Status
from chiso.services.accounts.actors import reaches
from chiso.services.assessments import evidence
from chiso.services.assessments.rounds import RoundInfo, round_info
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.services.values.reporting import covered_units
from chiso.store import assessments_repo


@dataclass(frozen=True)
class UnitProgress:
    unit_key: str
    unit_name: str
    group: str
    status: Status
    due: int
    """Components that apply to the unit and carry points."""
    filled: int
    with_evidence: int
    explained: int
    submitted_at: datetime | None
    on_time: bool | None

    @property
    def share(self) -> float:
        return self.filled / self.due if self.due else 0.0


@dataclass(frozen=True)
class RoundProgress:
    round: RoundInfo
    units: list[UnitProgress]

    @property
    def filled(self) -> int:
        return sum(u.filled for u in self.units)

    @property
    def due(self) -> int:
        return sum(u.due for u in self.units)

    @property
    def sent(self) -> int:
        return sum(1 for u in self.units if u.submitted_at is not None)


def progress(rt: Runtime) -> list[RoundProgress]:
    """Every round, newest first, each unit it covers (a reporter: their own) least advanced
    first within its group."""
    out = []
    with rt.db.transaction() as session:
        for r in reversed(assessments_repo.rounds(session)):
            framework = frameworks.get(rt, r.framework_id)
            files = {a.unit.id: a for a in assessments_repo.assessments(session, r.id)}
            rows = []
            for unit, group in covered_units(session, framework, r.period):
                if not reaches(session, rt.actor, unit.id):
                    continue
                due = [n for n in framework.leaves() if n.applies(unit.kind) and n.max_points > 0]
                codes = {n.code for n in due}
                a = files.get(unit.id)
                items = (
                    [i for i in assessments_repo.items_of(session, a.id) if i.indicator in codes]
                    if a
                    else []
                )
                owners = [f"item:{i.id}" for i in items]
                found = evidence.of_owners(session, owners) if owners else {}
                at = a.submitted_at if a else None
                rows.append(
                    UnitProgress(
                        unit.key,
                        unit.name,
                        group,
                        a.status if a else Status.DRAFT,
                        len(due),
                        sum(1 for i in items if i.self_value is not None),
                        sum(1 for o in owners if found.get(o)),
                        sum(1 for i in items if (i.explanation or "").strip()),
                        at,
                        None if at is None else at.date() <= r.closes_on,
                    )
                )
            rows.sort(key=lambda u: (u.group, u.share, u.unit_name))
            out.append(RoundProgress(round_info(session, r, framework), rows))
    return out
