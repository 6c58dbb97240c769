"""Creating and upgrading the application database."""

from __future__ import annotations

from dataclasses import dataclass

from chiso.settings import Settings, get_settings
from chiso.store import migrate
from chiso.store.db import make_engine


@dataclass(frozen=True)
class DatabaseState:
    url: str
    before: str | None
    current: str | None
    head: str
    pending: list[str]


def _state(settings: Settings, before: str | None, status: migrate.SchemaStatus) -> DatabaseState:
    engine_url = make_engine(settings.effective_database_url).url
    url = engine_url.render_as_string(hide_password=True)
    return DatabaseState(url, before, status.current, status.head, status.pending)


def status(settings: Settings | None = None) -> DatabaseState:
    settings = settings or get_settings()
    engine = make_engine(settings.effective_database_url)
    try:
        state = migrate.status(engine)
    finally:
        engine.dispose()
    return _state(settings, state.current, state)


def upgrade(revision: str = "head", settings: Settings | None = None) -> DatabaseState:
    settings = settings or get_settings()
    engine = make_engine(settings.effective_database_url)
    try:
        before = migrate.status(engine).current
        after = migrate.upgrade(engine, revision)
    finally:
        engine.dispose()
    return _state(settings, before, after)
