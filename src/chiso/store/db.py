"""Engines and transactions for SQLite and PostgreSQL.

A write transaction (`transaction(write=True)`, `run_write`) is serialised where it must be:
on SQLite it starts with `BEGIN IMMEDIATE`, so it holds the database's write lock from its
first read to its commit; on PostgreSQL it waits at most the lock timeout for the rows it locks
(`SELECT … FOR UPDATE`, `INSERT … ON CONFLICT` in the repositories). A conflict the database
reports (a lock held too long, a deadlock, a concurrent insert of the same key) becomes a
`ConflictError`, never a driver exception; `run_write` retries the ones the database asks to."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Float, Select, Table, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from chiso.errors import ChisoError, ConflictError, UsageError

__all__ = [
    "Database",
    "Query",
    "Session",
    "copy_rows",
    "insert_rows",
    "is_write",
    "make_engine",
    "serialises_writes",
]

Query = Select[*tuple[Any, ...]]
"""A query of any columns, as repositories build them."""

T = TypeVar("T")

LOCK_TIMEOUT = 30.0
"""Seconds a write waits for another writer's lock before it is refused (CHISO_DB_LOCK_TIMEOUT)."""
ATTEMPTS = 5
"""How many times `run_write` tries a unit of work the database asked to retry."""

_RETRY_STATES = {"40P01": "deadlock", "40001": "serialization failure", "23505": "unique violation"}
_TIMEOUT_STATES = {"55P03": "lock timeout", "57014": "statement timeout"}


def make_engine(url: str, lock_timeout: float = LOCK_TIMEOUT) -> Engine:
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
        return _sqlite_engine(url, parsed.database, lock_timeout)
    return create_engine(url, pool_pre_ping=True)


def _sqlite_engine(url: str, database: str | None, lock_timeout: float) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": lock_timeout})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def serialises_writes(session: Session) -> bool:
    """Whether a write transaction holds the whole database (SQLite) rather than row locks."""
    return session.get_bind().dialect.name == "sqlite"


def insert_rows(
    session: Session,
    table: Table,
    names: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    shared: Mapping[str, Any] | None = None,
) -> None:
    """Many rows (tuples in the order of `names`) into a table in bulk, with the columns in
    `shared` the same in every row (the timestamp of an import, its source, the actor): `COPY`
    on PostgreSQL; on SQLite one driver `executemany` per batch, the values going through each
    column's own type conversion — a shared value, or an object shared by many rows such as
    the same JSON document, converted once — straight to the driver, skipping the per-row
    statement machinery that costs more than the database itself; elsewhere a plain insert."""
    if not rows:
        return
    extra = dict(shared or {})
    columns = [*names, *extra]
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql":
        tail = tuple(extra.values())
        copy_rows(session, table.name, columns, (r + tail for r in rows))
        return
    if dialect.name != "sqlite":
        tail = tuple(extra.values())
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            session.execute(
                table.insert(), [dict(zip(columns, r + tail, strict=True)) for r in batch]
            )
        return
    _sqlite_executemany(session, table, names, rows, extra)


def _sqlite_executemany(
    session: Session,
    table: Table,
    names: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    shared: dict[str, Any],
) -> None:
    dialect = session.get_bind().dialect

    def processor(name: str) -> Callable[[Any], Any] | None:
        return table.c[name].type.dialect_impl(dialect).bind_processor(dialect)

    tail = tuple(
        v if v is None or (process := processor(n)) is None else process(v)
        for n, v in shared.items()
    )
    quote = dialect.identifier_preparer.quote
    columns = [*names, *shared]
    placeholders = ", ".join("?" for _ in columns)
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) "
        f"VALUES ({placeholders})"
    )
    processors = [processor(n) for n in names]
    params: Sequence[tuple[Any, ...]] = rows
    if any(processors):
        converted: list[Sequence[Any]] = []
        for index, (name, process) in enumerate(zip(names, processors, strict=True)):
            raw = [r[index] for r in rows]
            if process is None:
                converted.append(raw)
                continue
            plain: tuple[type, ...] = (float,) if isinstance(table.c[name].type, Float) else ()
            done: dict[int, Any] = {}
            out: list[Any] = []
            for v in raw:
                if v is None or type(v) in plain:
                    out.append(v)
                    continue
                key = id(v)
                if key not in done:
                    done[key] = process(v)
                out.append(done[key])
            converted.append(out)
        params = list(zip(*converted, strict=True))
    if tail:
        params = [r + tail for r in params]
    connection = session.connection()
    for start in range(0, len(params), BATCH):
        connection.exec_driver_sql(sql, params[start : start + BATCH])


BATCH = 5000


def copy_rows(
    session: Session,
    table_name: str,
    names: Sequence[str],
    rows: Iterable[Sequence[Any]],
    plain: bool = False,
) -> None:
    """Rows into a PostgreSQL table with `COPY … FROM STDIN`, in the session's transaction
    (JSON values serialised here; the driver adapts the rest). `plain`: the caller knows no
    row holds a JSON value, so each row goes to the driver as it is."""
    dialect = session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    sql = f"COPY {quote(table_name)} ({', '.join(map(quote, names))}) FROM STDIN"
    driver = session.connection().connection.driver_connection
    assert driver is not None
    dumps = json.dumps
    # The same document (one object shared by many rows) serialised once; each is kept here
    # so that its id cannot be reused by another object while the rows stream.
    done: dict[int, tuple[Any, str]] = {}

    def dumped(v: Any) -> str:
        found = done.get(id(v))
        if found is None:
            found = done[id(v)] = (v, dumps(v))
        return found[1]

    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        if plain:
            write = copy.write_row
            for row in rows:
                write(row)
            return
        for row in rows:
            copy.write_row([dumped(v) if isinstance(v, (dict, list)) else v for v in row])


def driver_rows(session: Session, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of one query as the driver's own cursor returns them, in the session's
    transaction: for reads of hundreds of thousands of plain rows, where SQLAlchemy's row
    objects cost more than the query. `sql` writes each parameter as `param_mark`'s."""
    driver = session.connection().connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def driver_executemany(session: Session, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """`sql` once per row through the driver's own cursor, in the session's transaction: the
    driver reads the rows as it goes (columns zipped, no list of tuples made first), where
    SQLAlchemy would build a parameter dictionary per row. `sql` writes each parameter as
    `param_mark`'s."""
    driver = session.connection().connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


def param_mark(session: Session) -> str:
    """How the driver's own cursor writes a parameter: `?` (sqlite3) or `%s` (psycopg)."""
    return "?" if serialises_writes(session) else "%s"


def is_write(session: Session) -> bool:
    """Whether the session's transaction was opened as a write transaction."""
    return bool(session.info.get("write"))


def conflict_of(exc: DBAPIError) -> ConflictError | None:
    """The refusal a driver error stands for when it is a conflict between writers."""
    state = getattr(exc.orig, "sqlstate", None) or ""
    text = str(exc.orig).lower()
    if state in _RETRY_STATES or "unique constraint failed" in text:
        what = _RETRY_STATES.get(state, "unique violation")
        return ConflictError(
            "Có người khác đang ghi cùng số liệu vào lúc này; không có dữ liệu nào được lưu.",
            f"concurrent write conflict ({what}); nothing stored",
            hint_vi="chạy lại lệnh hoặc gửi lại yêu cầu sau ít giây.",
            retryable=True,
        )
    if (
        state in _TIMEOUT_STATES
        or "database is locked" in text
        or "database table is locked" in text
    ):
        what = _TIMEOUT_STATES.get(state, "database is locked")
        return ConflictError(
            "Cơ sở dữ liệu đang bận ghi dữ liệu khác quá lâu; không có dữ liệu nào được lưu.",
            f"write refused: another writer held the lock too long ({what}); nothing stored",
            hint_vi="chờ lệnh nhập hoặc tính toán khác chạy xong rồi thử lại "
            "(thời gian chờ tối đa: CHISO_DB_LOCK_TIMEOUT).",
        )
    return None


def text_refusal_of(exc: DBAPIError) -> UsageError | None:
    """The refusal of text PostgreSQL cannot hold (a NUL byte, from a request parameter, a JSON
    string or a file's cell): nothing was read or stored, and the caller is told which character."""
    text = str(exc.orig).lower()
    state = getattr(exc.orig, "sqlstate", None) or ""
    if "nul (0x00)" in text or state in {"22021", "22P05"}:
        return UsageError(
            "Dữ liệu gửi lên có ký tự không hợp lệ (ký tự NUL, mã 0); không có gì được đọc hay lưu.",
            "text with a NUL (0x00) character refused by the database; nothing read or stored",
            hint_vi="bỏ ký tự NUL (\\x00, %00) khỏi tham số, trường hoặc ô của tệp rồi gửi lại.",
        )
    return None


class Database:
    """One engine and its session factory; `transaction()` is the unit of work of a service."""

    def __init__(self, url: str, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.url = url
        self.lock_timeout = lock_timeout
        self.engine = make_engine(url, lock_timeout)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self, commit: bool = True, write: bool = False) -> Iterator[Session]:
        """Everything inside commits together or not at all; `commit=False` is a dry run.
        `write=True` serialises it against other writers from its first statement."""
        session = self._sessions()
        try:
            if write:
                self._begin_write(session)
            yield session
            if commit:
                session.commit()
            else:
                session.rollback()
        except DBAPIError as exc:
            session.rollback()
            refusal: ChisoError | None = conflict_of(exc) or text_refusal_of(exc)
            if refusal is None:
                raise
            raise refusal from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def _begin_write(self, session: Session) -> None:
        session.info["write"] = True
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif connection.dialect.name == "postgresql":
            millis = max(1, int(self.lock_timeout * 1000))
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = {millis}")

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A bare connection for a quick read outside any unit of work (no ORM session)."""
        with self.engine.connect() as connection:
            yield connection

    def run_write(
        self, work: Callable[[Session], T], commit: bool = True, attempts: int = ATTEMPTS
    ) -> T:
        """`work` in a write transaction, run again (from the start, in a new transaction) when
        the database reports a conflict it asks to retry; `work` must change nothing outside
        the database before it returns."""
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction(commit, write=True) as session:
                    return work(session)
            except ConflictError as exc:
                if not exc.retryable or attempt == attempts:
                    raise
                time.sleep(random.uniform(0.01, 0.05) * attempt)
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()
