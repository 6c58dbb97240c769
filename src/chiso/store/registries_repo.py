"""The registries units keep: steering-committee members and community digital-technology
teams, each replaced as a whole roster per unit."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from chiso.store.models import CommitteeMember, CommunityTeam, CommunityTeamMember

Member = tuple[str, str, str]
"""(person, position, role in the committee)."""
Teams = dict[str, list[tuple[str, str]]]
"""Village → [(person, role)]; a village without members has no team yet."""


def committee_of(session: Session, unit_id: int) -> list[Member]:
    query = select(CommitteeMember).where(CommitteeMember.unit_id == unit_id)
    members = session.scalars(query.order_by(CommitteeMember.sort))
    return [(m.person, m.position, m.committee_role) for m in members]


def replace_committee(session: Session, unit_id: int, members: list[Member]) -> None:
    session.execute(delete(CommitteeMember).where(CommitteeMember.unit_id == unit_id))
    for sort, (person, position, role) in enumerate(members):
        member = CommitteeMember(
            unit_id=unit_id, person=person, position=position, committee_role=role, sort=sort
        )
        session.add(member)
    session.flush()


def teams_of(session: Session, unit_id: int) -> Teams:
    query = (
        select(CommunityTeam)
        .where(CommunityTeam.unit_id == unit_id)
        .options(selectinload(CommunityTeam.members))
        .order_by(CommunityTeam.id)
    )
    return {t.village: [(m.person, m.role) for m in t.members] for t in session.scalars(query)}


def replace_teams(session: Session, unit_id: int, villages: Teams) -> None:
    for team in session.scalars(select(CommunityTeam).where(CommunityTeam.unit_id == unit_id)):
        session.delete(team)
    session.flush()
    for village, members in villages.items():
        team = CommunityTeam(unit_id=unit_id, village=village)
        team.members = [CommunityTeamMember(person=p, role=r) for p, r in members]
        session.add(team)
    session.flush()
