"""What every use case needs: the database and who is acting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from chiso.settings import Settings, get_settings
from chiso.store import migrate
from chiso.store.db import Database

Progress = Callable[[str, int, int], None]
"""progress(label, done, total): long work reports through this so the CLI can draw a bar."""


def no_progress(_label: str, _done: int, _total: int) -> None:
    return None


@dataclass
class Runtime:
    db: Database
    actor: str = "cli"
    settings: Settings = field(default_factory=get_settings)

    def close(self) -> None:
        self.db.dispose()


def open_runtime(settings: Settings | None = None, actor: str = "cli") -> Runtime:
    """Open the configured database, initialising it if it is brand new."""
    settings = settings or get_settings()
    db = Database(settings.effective_database_url)
    migrate.ensure_ready(db.engine)
    return Runtime(db, actor, settings)
