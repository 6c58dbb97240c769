"""Who acts in a use case, as the rules see them, and whether they reach a unit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.domain.access import Role, in_scope
from chiso.errors import NotFound
from chiso.services.runtime import Runtime
from chiso.store import units_repo
from chiso.store.models import User


@dataclass(frozen=True)
class Actor:
    """A name for the audit log, a role, and for a reporter the unit they answer for."""

    name: str
    role: Role
    unit_id: int | None = None


ADMIN = Actor("cli", Role.ADMIN)


def reaches(session: Session, actor: Actor, unit_id: int) -> bool:
    """A reporter reaches their unit and the units under it; other roles reach every unit."""
    if actor.role is not Role.REPORTER:
        return True
    return in_scope(actor.role, actor.unit_id, units_repo.lineage_ids(session, unit_id))


def actor_for(rt: Runtime, username: str | None) -> Actor:
    """The command line acts as the administrator unless told to act as a named account."""
    if username is None:
        return Actor(rt.actor, Role.ADMIN)
    with rt.db.transaction() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            raise NotFound(
                f"Không có tài khoản đang hoạt động '{username}'.", f"no active user {username}"
            )
        return Actor(user.username, Role(user.role), user.unit_id)
