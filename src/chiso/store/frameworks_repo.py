"""Frameworks a province registered, kept as the YAML text that defines them (shipped ones are
read from the package)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.domain.access import Actor
from chiso.store.models import StoredFramework


def source_of(session: Session, framework_id: str) -> str | None:
    """The YAML of a registered framework."""
    found = session.get(StoredFramework, framework_id)
    return found.source_yaml if found else None


def registered(session: Session) -> list[tuple[str, str]]:
    """(id, YAML) of every registered framework, by id."""
    query = select(StoredFramework.id, StoredFramework.source_yaml).order_by(StoredFramework.id)
    return [(i, text) for i, text in session.execute(query)]


def save(session: Session, framework_id: str, name: str, text: str, actor: Actor) -> str | None:
    """Stores or replaces a framework; the name it had before (None when it is new)."""
    found = session.get(StoredFramework, framework_id)
    if found is None:
        framework = StoredFramework(
            id=framework_id, name=name, source_yaml=text, registered_by=actor.name
        )
        session.add(framework)
        return None
    before = found.name
    found.name, found.source_yaml = name, text
    return before
