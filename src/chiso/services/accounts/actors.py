"""Who acts in a use case, as the rules see them, and whether they reach a unit."""

from __future__ import annotations

from chiso.domain.access import Actor, Role, in_scope
from chiso.errors import NotFound
from chiso.services.runtime import Runtime
from chiso.store import accounts_repo, units_repo
from chiso.store.db import Session


def reaches(session: Session, actor: Actor, unit_id: int) -> bool:
    """A reporter reaches their unit and the units under it; other roles reach every unit."""
    if actor.role is not Role.REPORTER:
        return True
    return in_scope(actor.role, actor.unit_id, units_repo.lineage_ids(session, unit_id))


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
