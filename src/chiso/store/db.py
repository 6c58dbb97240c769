"""Engines and transactions for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Select, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from chiso.errors import UsageError

__all__ = ["Database", "Query", "Session", "make_engine"]

Query = Select[*tuple[Any, ...]]
"""A query of any columns, as repositories build them."""


def make_engine(url: str) -> Engine:
    """SQLite gets foreign keys and WAL (several readers beside one writer, as on a server)."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise UsageError(
            f"Địa chỉ cơ sở dữ liệu không hợp lệ: {url}",
            f"invalid database URL: {url}",
            hint_vi="đặt CHISO_DATABASE_URL dạng sqlite:///duong/dan.sqlite3 hoặc "
            "postgresql+psycopg://user@host/db",
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database)
    return create_engine(url, pool_pre_ping=True)


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


class Database:
    """One engine and its session factory; `transaction()` is the unit of work of a service."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self, commit: bool = True) -> Iterator[Session]:
        """Everything inside commits together or not at all; `commit=False` is a dry run."""
        session = self._sessions()
        try:
            yield session
            if commit:
                session.commit()
            else:
                session.rollback()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
