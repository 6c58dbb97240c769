"""Fixtures: every database test runs on SQLite and, when CHISO_TEST_POSTGRES_URL is set,
on a fresh PostgreSQL database too."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from chiso.cli.main import run
from chiso.services.runtime import Runtime, open_runtime
from chiso.services.units.seed import seed
from chiso.settings import Settings, get_settings

pytest_plugins = ["tests.browsing"]
"""The browser tests' demo server, chromium and axe-core, shared by every browser test module."""

os.environ.setdefault("CHISO_PASSWORD_HASH_COST", "fast")
"""The cheapest argon2 parameters in tests only, so the role matrix does not spend its time hashing
(every Settings() a test makes, and every server it starts, reads it)."""
os.environ.setdefault("CHISO_PRECOMPUTE_PERIODS", "0")
"""Apps and servers started by tests evaluate nothing in the background, so a test's own writes and
counts never race a background evaluation (tests/test_precompute.py turns it on where it is the
subject)."""

POSTGRES_URL = os.environ.get("CHISO_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def _create_postgres_database() -> tuple[str, str]:
    assert POSTGRES_URL
    name = f"chiso_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False), name


def _drop_postgres_database(name: str) -> None:
    assert POSTGRES_URL
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _database(backend: str, directory: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'chiso.sqlite3'}"
        return
    url, name = _create_postgres_database()
    try:
        yield url
    finally:
        _drop_postgres_database(name)


@pytest.fixture(scope="session")
def migrated_template(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database at the newest schema, made once per backend (and test worker) and
    cloned by `database_url`: a test then pays a file copy or a `CREATE DATABASE … TEMPLATE`
    instead of running every migration again."""
    directory = tmp_path_factory.mktemp(f"migrated-{backend}")
    for url in _database(backend, directory):
        rt = open_runtime(Settings(database_url=url, data_dir=directory))
        if backend == "sqlite":
            with rt.db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            rt.db  # noqa: B018 (opening the database migrates it)
        rt.close()
        yield url


@pytest.fixture
def database_url(backend: str, migrated_template: str, tmp_path: Path) -> Iterator[str]:
    """A database of its own, at the newest schema and holding nothing yet, for a test that
    changes things."""
    yield from _clone(backend, migrated_template, tmp_path)


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all (what `chiso db upgrade` starts from)."""
    yield from _database(backend, tmp_path)


@pytest.fixture(scope="session")
def seeded_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The national units (2025 and legacy) with lineage, seeded once per backend; read only."""
    directory = tmp_path_factory.mktemp(f"seeded-{backend}")
    for url in _database(backend, directory):
        rt = open_runtime(Settings(database_url=url, data_dir=directory))
        seed(rt, "all")
        rt.close()
        yield url


@pytest.fixture
def use_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Clears the settings cache so CHISO_* variables set by a test take effect."""
    monkeypatch.setenv("CHISO_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def point_cli_at(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("CHISO_DATABASE_URL", url)
    get_settings.cache_clear()


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], use_database: None):
    """cli(url, *args) → (exit code, stdout, stderr), running `chiso` in this process."""

    def invoke(url: str, *args: str) -> tuple[int, str, str]:
        point_cli_at(monkeypatch, url)
        capsys.readouterr()
        code = run(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.fixture
def rt(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    runtime = open_runtime(Settings(database_url=database_url, data_dir=tmp_path))
    yield runtime
    runtime.close()


def _clone(backend: str, source_url: str, directory: Path) -> Iterator[str]:
    """A fresh copy of a prepared database: a file copy for SQLite, a template for PostgreSQL."""
    if backend == "sqlite":
        import shutil

        source = Path(make_url(source_url).database or "")
        target = directory / "clone.sqlite3"
        shutil.copy(source, target)
        yield f"sqlite:///{target}"
        return
    assert POSTGRES_URL
    name = f"chiso_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(source_url).database}"'))
    admin.dispose()
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        _drop_postgres_database(name)


@pytest.fixture(scope="session")
def province_template(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Đồng Nai 2025 with its communes and departments, and the legacy Đồng Nai and Bình Phước
    with their districts and communes, built once per backend and cloned by `province_db`."""
    from chiso.services.system.demo import build_demo

    directory = tmp_path_factory.mktemp(f"province-{backend}")
    for url in _database(backend, directory):
        rt = open_runtime(Settings(database_url=url, data_dir=directory))
        build_demo(rt)
        if backend == "sqlite":
            with rt.db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        rt.close()
        yield url


@pytest.fixture
def province_db(backend: str, province_template: str, tmp_path: Path) -> Iterator[str]:
    yield from _clone(backend, province_template, tmp_path)


@pytest.fixture
def province_rt(province_db: str, tmp_path: Path) -> Iterator[Runtime]:
    runtime = open_runtime(Settings(database_url=province_db, data_dir=tmp_path / "data"))
    yield runtime
    runtime.close()


WEB_USERS = {
    "admin": ("admin", None),
    "evaluator": ("evaluator", None),
    "viewer": ("viewer", None),
    "reporter": ("reporter", "75.SYT"),
}
WEB_PASSWORD = "mat-khau-thu-1"


def login_csrf(client: Any) -> str:
    """The CSRF token of a fresh login form (its cookie stays in the client)."""
    text = str(client.get("/login").text)
    marker = 'name="csrf" value="'
    start = text.index(marker) + len(marker)
    return text[start : text.index('"', start)]


def login(client: Any, username: str, password: str, next: str = "/") -> Any:
    """Signs a TestClient in through the login form, CSRF token included."""
    data = {"username": username, "password": password, "next": next, "csrf": login_csrf(client)}
    return client.post("/login", data=data)


@pytest.fixture
def web(province_db: str, tmp_path: Path) -> Iterator[Any]:
    """The web app on the demo province with values for two departments and one account per role;
    `web.client(role)` is a logged-in TestClient (None for anonymous). The app runs its
    lifespan, as under a server: the runtime is built at start and closed at the end."""
    from fastapi.testclient import TestClient

    from chiso.web.app import create_app

    settings = Settings(
        database_url=province_db, data_dir=tmp_path / "web-data", cookie_secure=False
    )
    app = create_app(settings)
    with TestClient(app):
        yield _web(app, tmp_path)


def _web(app: Any, tmp_path: Path) -> Any:
    from fastapi.testclient import TestClient

    from chiso.services.accounts import users as accounts
    from chiso.services.values.importer import import_values

    rt = app.state.rt
    for role, (name, unit) in WEB_USERS.items():
        accounts.create_user(rt, name, f"Tài khoản {role}", WEB_PASSWORD, role, unit)
    values = tmp_path / "web-values.csv"
    values.write_text(
        "unit_code,period,indicator,numerator,denominator,value\n"
        "75.SYT,2026-09,signed_docs_rate,80,100,\n75.SCT,2026-09,signed_docs_rate,40,100,\n"
        "75.SYT,2026-10,signed_docs_rate,90,100,\n75.SCT,2026-10,signed_docs_rate,30,100,\n"
        "75.STC,2026-10,signed_docs_rate,60,100,\n75.SYT,2026-10,dx_plan_issued,,,có\n",
        encoding="utf-8",
    )
    import_values(rt, values, "platform-usage")

    class Web:
        def __init__(self) -> None:
            self.app = app
            self.rt = rt
            self.clients: dict[str | None, Any] = {}

        def client(self, role: str | None) -> Any:
            if role not in self.clients:
                client = TestClient(app, follow_redirects=False)
                if role is not None:
                    response = login(client, WEB_USERS[role][0], WEB_PASSWORD)
                    assert response.status_code == 303, response.text
                self.clients[role] = client
            return self.clients[role]

        def csrf(self, role: str) -> str:
            page = self.client(role).get(
                "/units/75.SYT"
                if role == "reporter"
                else "/documents"
                if role == "viewer"
                else "/data"
            )
            marker = 'name="csrf" value="'
            start = page.text.index(marker) + len(marker)
            return str(page.text[start : page.text.index('"', start)])

    return Web()


# The facts tests over both engines: DuckDB in process, and Spark through a Spark Connect server
# (local[1], 127.0.0.1, a free port in 15051–15059, UI off, one shuffle partition) started once
# per test session from the installed pyspark; skipped only when pyspark is not installed.
PORTS = range(15051, 15060)


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 15051–15059")


@pytest.fixture(scope="session")
def spark_remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("pyspark is not installed (uv sync --extra spark)")
    port = _free_port()
    log = tmp_path_factory.mktemp("spark") / "server.log"
    with log.open("w") as errors:
        server = subprocess.Popen(
            [sys.executable, "-m", "chiso.facts.spark_server", "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            cwd=Path(__file__).parent.parent,
        )
    try:
        assert server.stdout is not None
        deadline = time.monotonic() + 120
        line = ""
        while time.monotonic() < deadline and not line.startswith("ready"):
            line = server.stdout.readline()
            if not line and server.poll() is not None:
                tail = log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the Spark Connect server did not start:\n{tail}")
        yield f"sc://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="session")
def spark_engine(spark_remote: str) -> Iterator[Any]:
    from chiso.facts.engine import EngineConfig, connect

    engine = connect(EngineConfig("spark", spark_remote))
    yield engine
    engine.con._session.stop()


@pytest.fixture(params=["duckdb", "spark"])
def engine(request: pytest.FixtureRequest) -> Any:
    from chiso.facts.engine import connect

    if request.param == "spark":
        return request.getfixturevalue("spark_engine")
    return connect()
