"""Administrators read English log lines: what each command did, every refusal with its English
text, every unexpected error with its traceback, and one line per web request (request id, user,
method, path, status, duration)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chiso.cli.main import run
from chiso.settings import Settings
from chiso.web.app import create_app
from tests.conftest import WEB_PASSWORD, point_cli_at

LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (INFO|WARNING|ERROR) (chiso\.[a-z.]+) \[([^\]]+)\] (.*)$"
)


def _lines(path: Path) -> list[tuple[str, str, str, str]]:
    found = [LINE.match(line) for line in path.read_text("utf-8").splitlines()]
    return [m.groups() for m in found if m]


def test_commands_log_what_they_did_and_what_they_refused(
    cli: Any, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_file = tmp_path / "logs" / "chiso.log"
    monkeypatch.setenv("CHISO_LOG_FILE", str(log_file))
    assert cli(database_url, "units", "list", "--kind", "province")[0] == 0
    code, _, err = cli(database_url, "units", "show", "không-có")
    assert code == 2 and "Không tìm thấy đơn vị" in err and "no unit matches" not in err
    lines = _lines(log_file)
    assert (
        lines[0][0],
        lines[0][1],
        lines[0][2],
        lines[0][3].rsplit(" in ", 1)[0],
    ) == ("INFO", "chiso.cli", "-", "chiso units list --kind province: exit 0")
    refusal = next(line for line in lines if line[0] == "WARNING")
    assert refusal[3] == "refused: no unit matches 'không-có'"
    assert cli(database_url, "period", "2023-Q3")[0] == 0
    assert len(_lines(log_file)) == len(lines), "a command needing no settings logs nothing"


def test_an_unexpected_error_is_logged_with_its_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, use_database: None
) -> None:
    broken = tmp_path / "not-a-database.sqlite3"
    broken.write_bytes(b"this is not a database at all" * 100)
    log_file = tmp_path / "chiso.log"
    monkeypatch.setenv("CHISO_LOG_FILE", str(log_file))
    point_cli_at(monkeypatch, f"sqlite:///{broken}")
    with pytest.raises(Exception, match="not a database"):
        run(["units", "list"])
    text = log_file.read_text("utf-8")
    assert "ERROR chiso.cli [-] unexpected error running chiso units list" in text
    assert "Traceback" in text and "not a database" in text


def test_requests_are_logged_one_line_each(province_db: str, tmp_path: Path) -> None:
    log_file = tmp_path / "web.log"
    settings = Settings(
        database_url=province_db, data_dir=tmp_path / "data", log_file=log_file, cookie_secure=False
    )
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        from chiso.services.accounts import users

        users.create_user(app.state.rt, "quantri", "Quản trị", WEB_PASSWORD, "admin")
        form = client.get("/login", headers={"X-Request-ID": "abc123"})
        assert form.status_code == 200
        csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
        client.post("/login", data={"username": "quantri", "password": WEB_PASSWORD, "csrf": csrf})
        page = client.get("/data").text
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        bad = {"file": ("x.csv", b"unit_code,period,indicator,value\nkhong-co,2026-10,x,1\n")}
        response = client.post(
            "/data/upload", data={"csrf": csrf, "framework": "platform-usage"}, files=bad
        )
        assert response.status_code == 422
        request_id = response.headers["X-Request-ID"]
    lines = _lines(log_file)
    assert lines[1][:3] == ("INFO", "chiso.web", "abc123") and lines[1][3].startswith(
        "- GET /login 200 "
    )
    upload = [line for line in lines if line[2] == request_id]
    assert upload[0][0] == "WARNING" and upload[0][3].startswith(
        "refused POST /data/upload for quantri: File x.csv rejected"
    )
    assert re.fullmatch(r"quantri POST /data/upload 422 [\d.]+ ms", upload[-1][3])
    assert lines[-1][3] == "stopped"
