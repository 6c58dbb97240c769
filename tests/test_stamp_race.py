"""Data versions stay exact when writers commit out of order. On PostgreSQL an audit id is taken
from a sequence when the row is inserted, not when it commits: a writer holding a smaller id can
commit after one holding a larger id, so `max(audit_log.id)` would not move when it does and every
cache stamped with it would serve the older data for good. The stamps must change at every commit
that audits something, and only then."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from chiso.domain.access import SYSTEM
from chiso.services import stamps
from chiso.services.runtime import Runtime, open_runtime
from chiso.settings import Settings
from chiso.store import audit_repo, migrate
from chiso.store.db import Database


def _audit(session: object, entity: str, key: str) -> None:
    audit_repo.record(session, SYSTEM, "test", entity, key, None, {"v": key})  # type: ignore[arg-type]


def _flushed_id(session: object) -> int:
    session.flush()  # type: ignore[attr-defined]
    found = session.execute(  # type: ignore[attr-defined]
        text("SELECT max(id) FROM audit_log")
    ).scalar()
    return int(found)


def test_the_writer_with_the_smaller_id_committing_last_moves_the_stamp(
    backend: str, rt: Runtime
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite holds one writer at a time: its ids are taken in commit order")
    before = stamps.read(rt)
    with rt.db.transaction() as first:
        _audit(first, "value", "a")
        first_id = _flushed_id(first)
        with rt.db.transaction() as second:
            _audit(second, "value", "b")
            assert _flushed_id(second) > first_id
        between = stamps.read(rt)
        assert between.data != before.data
    after = stamps.read(rt)
    assert after.data != between.data, "the smaller id's commit left the stamp unchanged"
    assert after.accounts == before.accounts and after.tasks == before.tasks


def _fail_after_auditing(rt: Runtime) -> None:
    with rt.db.transaction() as session:
        _audit(session, "value", "failed")
        session.flush()
        raise RuntimeError("refused")


def test_every_audited_commit_moves_only_its_entities(rt: Runtime) -> None:
    start = stamps.read(rt)
    with rt.db.transaction() as session:
        _audit(session, "unit", "u1")
        _audit(session, "login", "x")
    one = stamps.read(rt)
    assert one.data[0] == start.data[0]  # values untouched
    assert one.data[1] != start.data[1]  # units moved
    assert one.accounts[1] != start.accounts[1]
    assert one.tasks == start.tasks
    # A rolled-back or dry-run write, and a commit that audits nothing, move nothing.
    with rt.db.transaction(commit=False) as session:
        _audit(session, "value", "dry")
    with pytest.raises(RuntimeError, match="refused"):
        _fail_after_auditing(rt)
    with rt.db.transaction() as session:
        session.execute(text("SELECT 1"))
    assert stamps.read(rt) == one
    # Many steps in bulk move their entity once per commit.
    with rt.db.transaction() as session:
        audit_repo.record_many(session, SYSTEM, "test", "value", [("k1", None, {"v": 1}, None)] * 3)
    assert stamps.read(rt).data[0] != one.data[0]


def test_the_stamps_are_seeded_from_the_audit_log(empty_database_url: str, tmp_path: Path) -> None:
    """A database written before the counters existed starts them from its audit log, so the
    first stamps after the upgrade differ from none and later commits move them."""
    db = Database(empty_database_url)
    migrate.upgrade(db.engine, "0012")
    with db.engine.begin() as conn:
        for entity, n in (("value", 3), ("unit", 2)):
            for i in range(n):
                conn.execute(
                    text(
                        "INSERT INTO audit_log (at, actor, action, entity, entity_key) "
                        "VALUES (CURRENT_TIMESTAMP, 'old', 'test', :e, :k)"
                    ),
                    {"e": entity, "k": str(i)},
                )
    migrate.upgrade(db.engine)
    with db.engine.connect() as conn:
        assert audit_repo.newest_on(conn, ("value", "unit", "framework")) == (3, 2, 0)
    db.dispose()
    rt = open_runtime(Settings(database_url=empty_database_url, data_dir=tmp_path))
    try:
        with rt.db.transaction() as session:
            _audit(session, "framework", "f")
        assert stamps.read(rt).data == (3, 2, 1)
    finally:
        rt.close()


def test_two_writers_auditing_the_same_entities_in_opposite_orders_both_commit(
    backend: str, rt: Runtime
) -> None:
    """Each bumps both counters at commit, in sorted order whatever order it audited them in,
    so neither waits for a lock the other holds while waiting for its own (no deadlock, no
    retry), and each commit counts."""
    if backend != "postgresql":
        pytest.skip("SQLite holds one writer at a time")
    import threading

    before = stamps.read(rt)
    ready = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def write(order: tuple[str, str]) -> None:
        try:
            with rt.db.transaction() as session:
                for entity in order:
                    _audit(session, entity, "k")
                session.flush()
                ready.wait()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [
        threading.Thread(target=write, args=(order,))
        for order in (("value", "unit"), ("unit", "value"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    after = stamps.read(rt)
    assert after.data[0] == before.data[0] + 2
    assert after.data[1] == before.data[1] + 2


def test_an_import_of_new_values_moves_the_value_stamp(
    province_rt: Runtime, tmp_path: Path
) -> None:
    """New values are inserted and audited by SQL over a staged copy (`values_repo.insert_staged`),
    not through `audit_repo.record`: the value stamp must move all the same, on both backends,
    and not move again when the same file changes nothing."""
    from tests.test_stored_evaluations import _prepared, import_values

    rt = province_rt
    _prepared(rt, tmp_path)
    path = tmp_path / "new.csv"
    path.write_text(
        "unit_code,period,indicator,numerator,denominator\n"
        "75.SYT,2026-08,ky_so,10,100\n75.SCT,2026-08,ky_so,20,100\n",
        encoding="utf-8",
    )
    before = stamps.read(rt)
    import_values(rt, path, "thu-luu")
    moved = stamps.read(rt)
    assert moved.data[0] != before.data[0], "the import's new values left the value stamp"
    import_values(rt, path, "thu-luu")
    assert stamps.read(rt) == moved, "an import that changed nothing moved the stamp"
