"""Migrations match the models and `chiso db` reports the state, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from chiso.store import migrate
from chiso.store.db import Database
from chiso.store.models import Base


def test_migrations_match_models(empty_database_url: str) -> None:
    db = Database(empty_database_url)
    migrate.upgrade(db.engine)
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    db.dispose()


def test_db_commands(cli, empty_database_url: str) -> None:
    code, out, _ = cli(empty_database_url, "db", "status")
    assert code == 0
    assert "chưa khởi tạo" in out
    code, out, _ = cli(empty_database_url, "db", "upgrade")
    assert code == 0
    head = migrate.status(Database(empty_database_url).engine).head
    assert f"trống → {head}" in out
    code, out, _ = cli(empty_database_url, "db", "upgrade")
    assert "đã ở phiên bản mới nhất" in out
    code, out, _ = cli(empty_database_url, "db", "status")
    assert "Cấu trúc đã cập nhật" in out


def test_exit_codes(cli, database_url: str) -> None:
    assert cli(database_url, "units", "list", "--kind", "planet")[0] == 2
    assert cli(database_url, "units", "list", "--format", "pdf")[0] == 2
    code, _, err = cli(database_url, "units", "show", "không-có")
    assert code == 2
    assert "Không tìm thấy đơn vị" in err
    assert cli(database_url, "units", "nonsense")[0] == 2
    code, out, _ = cli(database_url, "period", "2023-Q3")
    assert code == 0
    assert "Quý III/2023" in out
    assert cli(database_url, "period", "2023-Q7")[0] == 2


def test_head_read_from_files_is_alembics_head(empty_database_url: str) -> None:
    db = Database(empty_database_url)
    assert migrate.head_revision() == migrate.status(db.engine).head
    assert migrate.current_revision(db.engine) is None
    migrate.upgrade(db.engine)
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    db.dispose()
