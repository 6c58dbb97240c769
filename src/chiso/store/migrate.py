"""Schema upgrades through Alembic, driven from Python so the CLI and tests share one path."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from chiso.errors import DatabaseNotReady

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
_REVISION = re.compile(r'^revision: str = "([^"]+)"', re.M)
_DOWN = re.compile(r'^down_revision: str \| None = (?:"([^"]+)"|None)', re.M)


@cache
def head_revision() -> str:
    """The newest revision, read from the migration files without importing Alembic (which
    costs a quarter of a second on every command)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found:
            revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down and down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {sorted(heads)}")
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:
        return None


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

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
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

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
    from alembic import command

    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    return status(engine)


def ensure_ready(engine: Engine) -> None:
    """A brand-new database is initialised; an older schema must be upgraded on purpose."""
    if current_revision(engine) == head_revision():
        return
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
