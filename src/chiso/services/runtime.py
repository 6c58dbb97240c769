"""The application object every use case receives: settings, the database, who is acting and the
page cache. Built once per command-line invocation and once per web app, and closed with it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from chiso.domain.access import SYSTEM, Actor
from chiso.settings import Settings, get_settings

if TYPE_CHECKING:
    from chiso.store.db import Database

T = TypeVar("T")

Progress = Callable[[str, int, int], None]
"""progress(label, done, total): long work reports through this so the CLI can draw a bar."""


def no_progress(_label: str, _done: int, _total: int) -> None:
    return None


class Connection:
    """The database of a runtime, opened (and initialised if brand new) on first use, so that a
    command that needs none never opens one; shared by the runtime's acting copies."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._db: Database | None = None
        self._lock = threading.Lock()

    def get(self) -> Database:
        with self._lock:
            if self._db is None:
                # SQLAlchemy loads with the first use too: `chiso facts compute` imports it
                # while the analytics engine scans the records.
                from chiso.store import migrate
                from chiso.store.db import Database

                db = Database(self._settings.effective_database_url, self._settings.db_lock_timeout)
                try:
                    migrate.ensure_ready(db.engine)
                except BaseException:
                    db.dispose()
                    raise
                self._db = db
            return self._db

    @property
    def is_open(self) -> bool:
        return self._db is not None

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.dispose()
                self._db = None


class PageCache:
    """What pages show, kept per data stamp (many readers, few writers); concurrent first
    requests for one page wait for one computation instead of each doing it."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._entries: dict[Hashable, Any] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, stamp: Hashable, key: Hashable, compute: Callable[[], T]) -> T:
        full = (stamp, key)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if full not in self._entries:
                value = compute()
                with self._guard:
                    if len(self._entries) >= self._size:
                        self._entries.pop(next(iter(self._entries)))
                    self._entries[full] = value
                    if len(self._locks) > 4 * self._size:
                        self._locks = {k: v for k, v in self._locks.items() if v.locked()}
            return cast(T, self._entries[full])


class Memo:
    """A small per-process map (oldest entries go first past `size`), safe across threads: what a
    worker remembers between requests, such as who a session cookie signs in."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._entries: dict[Hashable, Any] = {}
        self._guard = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._guard:
            return self._entries.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        with self._guard:
            self._entries.pop(key, None)
            if len(self._entries) >= self._size:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = value

    def drop(self, key: Hashable) -> None:
        with self._guard:
            self._entries.pop(key, None)


@dataclass(frozen=True)
class Runtime:
    settings: Settings = field(default_factory=get_settings)
    actor: Actor = SYSTEM
    connection: Connection | None = None
    pages: PageCache = field(default_factory=PageCache)
    signed: Memo = field(default_factory=Memo)
    """Who each session or token signs in, with the accounts stamp it was read at."""

    def __post_init__(self) -> None:
        if self.connection is None:
            object.__setattr__(self, "connection", Connection(self.settings))

    @property
    def db(self) -> Database:
        assert self.connection is not None
        return self.connection.get()

    def acting(self, actor: Actor) -> Runtime:
        """The same application acting for someone else (a signed-in user, `--user`)."""
        return replace(self, actor=actor)

    def close(self) -> None:
        assert self.connection is not None
        self.connection.close()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def open_runtime(settings: Settings | None = None, actor: Actor = SYSTEM) -> Runtime:
    """The configured application; its database opens on first use."""
    return Runtime(settings or get_settings(), actor)
