"""Frameworks a province registered, kept as the YAML text that defines them (shipped ones are
read from the package)."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from chiso.domain.access import Actor
from chiso.store.tables import frameworks

F = frameworks.c


def source_of(session: Session, framework_id: str) -> str | None:
    """The YAML of a registered framework."""
    found: str | None = session.scalar(select(F.source_yaml).where(F.id == framework_id))
    return found


def registered(session: Session) -> list[tuple[str, str]]:
    """(id, YAML) of every registered framework, by id."""
    query = select(F.id, F.source_yaml).order_by(F.id)
    return [(i, text) for i, text in session.execute(query)]


def save(session: Session, framework_id: str, name: str, text: str, actor: Actor) -> str | None:
    """Stores or replaces a framework; the name it had before (None when it is new)."""
    before: str | None = session.scalar(select(F.name).where(F.id == framework_id))
    if before is None:
        session.execute(
            insert(frameworks).values(
                id=framework_id, name=name, source_yaml=text, registered_by=actor.name
            )
        )
        return None
    session.execute(
        update(frameworks).where(F.id == framework_id).values(name=name, source_yaml=text)
    )
    return before
