"""Who acts in a use case, as the rules see them, and whether they reach a unit."""

from __future__ import annotations

from chiso.domain.access import Actor, Role, in_scope
from chiso.domain.units import Unit
from chiso.errors import Forbidden, NotFound
from chiso.services.runtime import Runtime
from chiso.store import accounts_repo, units_repo
from chiso.store.db import Session


def reaches(session: Session, actor: Actor, unit_id: int) -> bool:
    """A reporter reaches their unit and the units under it; other roles reach every unit."""
    if actor.role is not Role.REPORTER:
        return True
    return in_scope(actor.role, actor.unit_id, units_repo.lineage_ids(session, unit_id))


def reached_ids(session: Session, actor: Actor) -> set[int] | None:
    """The ids of every unit the actor reaches (`reaches` for many units at once: a reporter's
    unit and all the units under it); None for the roles that reach every unit."""
    if actor.role is not Role.REPORTER:
        return None
    if actor.unit_id is None:
        return set()
    found, frontier = {actor.unit_id}, [actor.unit_id]
    while frontier:
        below = [c for u in frontier for c in units_repo.child_ids(session, u) if c not in found]
        found.update(below)
        frontier = below
    return found


def ensure_reaches(session: Session, actor: Actor, unit: Unit) -> None:
    """Refuses (403) a unit outside the acting reporter's scope: the one scope check every read
    and write of one unit's data goes through, on the unit actually touched."""
    if not reaches(session, actor, unit.id):
        raise Forbidden(
            f"{unit.name} nằm ngoài phạm vi tài khoản {actor.name}.",
            f"unit {unit.key} outside the scope of {actor.name}",
            hint_vi="chỉ xem và ghi số liệu của đơn vị mình và các đơn vị trực thuộc.",
        )


def as_user(rt: Runtime, username: str | None) -> Runtime:
    """The runtime acting as a named active account (`--user`), or as it is."""
    if username is None:
        return rt
    with rt.db.transaction() as session:
        account = accounts_repo.by_username(session, username)
    if account is None or not account.active:
        raise NotFound(
            f"Không có tài khoản đang hoạt động '{username}'.", f"no active user {username}"
        )
    return rt.acting(account.actor)
