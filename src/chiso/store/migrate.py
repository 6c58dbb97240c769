"""Schema upgrades through Alembic, driven from Python so the CLI and tests share one path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from chiso.errors import DatabaseNotReady

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str
    pending: list[str]
    is_empty: bool

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def status(engine: Engine) -> SchemaStatus:
    script = ScriptDirectory.from_config(alembic_config(engine))
    head = script.get_current_head() or ""
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        is_empty = not inspect(conn).get_table_names()
    pending = [
        rev.revision
        for rev in script.iterate_revisions(head, current or "base")
        if rev.revision != current
    ]
    return SchemaStatus(current, head, list(reversed(pending)), is_empty)


def upgrade(engine: Engine, revision: str = "head") -> SchemaStatus:
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    return status(engine)


def ensure_ready(engine: Engine) -> None:
    """A brand-new database is initialised; an older schema must be upgraded on purpose."""
    state = status(engine)
    if state.up_to_date:
        return
    if state.is_empty:
        upgrade(engine)
        return
    raise DatabaseNotReady(
        f"Cơ sở dữ liệu đang ở phiên bản {state.current or 'chưa có'}, cần nâng cấp lên {state.head}.",
        f"database schema at {state.current}, needs {state.head}",
        hint_vi="chạy `chiso db upgrade` (nên sao lưu cơ sở dữ liệu trước).",
    )
