"""Creating, upgrading and checking the application database."""

from __future__ import annotations

from dataclasses import dataclass

from chiso.domain.audit import ChainReport
from chiso.services.runtime import Runtime
from chiso.services.values.changes import verify_audit_chain
from chiso.settings import Settings
from chiso.store import migrate
from chiso.store.db import make_engine


@dataclass(frozen=True)
class DatabaseState:
    url: str
    before: str | None
    current: str | None
    head: str
    pending: list[str]


def status(settings: Settings) -> DatabaseState:
    engine = make_engine(settings.effective_database_url)
    try:
        state = migrate.status(engine)
        url = engine.url.render_as_string(hide_password=True)
    finally:
        engine.dispose()
    return DatabaseState(url, state.current, state.current, state.head, state.pending)


def upgrade(settings: Settings, revision: str = "head") -> DatabaseState:
    engine = make_engine(settings.effective_database_url)
    try:
        before = migrate.status(engine).current
        after = migrate.upgrade(engine, revision)
        url = engine.url.render_as_string(hide_password=True)
    finally:
        engine.dispose()
    return DatabaseState(url, before, after.current, after.head, after.pending)


def opened(rt: Runtime) -> str:
    """Opens the runtime's database now (initialising a brand-new one, refusing an old schema)
    and names it, password hidden, for the log."""
    return rt.db.engine.url.render_as_string(hide_password=True)


def check(rt: Runtime, framework_id: str | None = None) -> ChainReport:
    """The audit trail of every stored value adds up (see `changes.verify_audit_chain`)."""
    return verify_audit_chain(rt, framework_id)
