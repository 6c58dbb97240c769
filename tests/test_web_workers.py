"""`chiso serve` with several worker processes: a value changed through one request is the figure
every worker serves next (the page cache of each process is stamped by the database)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from chiso.services.accounts import sessions
from chiso.services.accounts import users as accounts
from chiso.services.runtime import Runtime
from chiso.services.values.importer import import_values
from tests.browsing import free_port

PASSWORD = "mat-khau-thu-1"


def _signed_rate(client: httpx.Client, headers: dict[str, str]) -> float | None:
    """The 75.SYT index of signed_docs_rate in 2026-10, asked on a new connection each time so
    that the kernel spreads the requests over the workers."""
    response = client.get(
        "/api/v1/rankings",
        params={"period": "2026-10"},
        headers={**headers, "Connection": "close"},
    )
    assert response.status_code == 200, response.text
    row = next(r for r in response.json()["rows"] if r["unit"] == "75.SYT")
    value = row["nodes"]["signed_docs_rate"]
    return None if value is None else float(value)


def _children(pid: int) -> list[int]:
    """The processes whose parent is pid (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _wait(client: httpx.Client, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read() if server.stderr else b""
        try:
            if client.get("/login").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not start")


def test_every_worker_serves_a_changed_value(
    province_rt: Runtime, province_db: str, tmp_path: Path
) -> None:
    values = tmp_path / "values.csv"
    values.write_text(
        "unit_code,period,indicator,numerator,denominator,value\n"
        "75.SYT,2026-10,signed_docs_rate,50,100,\n75.SCT,2026-10,signed_docs_rate,30,100,\n",
        encoding="utf-8",
    )
    import_values(province_rt, values, "platform-usage")
    accounts.create_user(province_rt, "evaluator", "Người đánh giá", PASSWORD, "evaluator", None)
    headers = {"Authorization": "Bearer " + sessions.create_token(province_rt, "evaluator", "t")}
    env = {
        **os.environ,
        "CHISO_DATABASE_URL": province_db,
        "CHISO_DATA_DIR": str(tmp_path / "data"),
        "CHISO_WEB_WORKERS": "2",
        "CHISO_COOKIE_SECURE": "false",
    }
    chiso = str(Path(sys.executable).with_name("chiso"))
    port = free_port()
    server = subprocess.Popen(
        [chiso, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            _wait(client, server)
            workers = [c for c in _children(server.pid) if b"spawn_main" in _cmdline(c)]
            assert len(workers) == 2, workers
            before = {_signed_rate(client, headers) for _ in range(24)}
            assert len(before) == 1
            (old,) = before
            changed = client.post(
                "/api/v1/values",
                headers=headers,
                json={
                    "framework": "platform-usage",
                    "values": [
                        {
                            "unit_code": "75.SYT",
                            "period": "2026-10",
                            "indicator": "signed_docs_rate",
                            "numerator": 95,
                            "denominator": 100,
                        }
                    ],
                },
            )
            assert changed.status_code == 200, changed.text
            assert changed.json()["updated"] == 1
            after = {_signed_rate(client, headers) for _ in range(24)}
            assert len(after) == 1 and after != before, (before, after)
            (new,) = after
            assert old is not None and new is not None and new > old
            _accounts_changed_reach_every_worker(province_rt, client, headers)
    finally:
        server.terminate()
        server.wait(timeout=30)
    log = server.stderr.read().decode() if server.stderr else ""
    assert "Traceback" not in log, log


def _accounts_changed_reach_every_worker(
    rt: Runtime, client: httpx.Client, headers: dict[str, str]
) -> None:
    """Each worker remembers who a session or token signs in (per accounts stamp): a role
    change, a sign-out and a deactivation made through any process are what every worker
    applies at its next request."""
    api = "/api/v1/rankings?period=2026-10"

    def token(h: dict[str, str]) -> set[int]:
        return {
            client.get(api, headers={**h, "Connection": "close"}).status_code for _ in range(24)
        }

    assert token(headers) == {200}
    accounts.set_role(rt, "evaluator", "reporter", "75.SYT")
    assert token(headers) == {403}
    accounts.set_role(rt, "evaluator", "evaluator")
    assert token(headers) == {200}
    accounts.create_user(rt, "viewer", "Người xem", PASSWORD, "viewer", None)

    def signed_in() -> httpx.Cookies:
        with httpx.Client(base_url=client.base_url, timeout=60) as browser:
            form = browser.get("/login").text
            csrf = form.split('name="csrf" value="')[1].split('"')[0]
            data = {"username": "viewer", "password": PASSWORD, "next": "/", "csrf": csrf}
            assert browser.post("/login", data=data).status_code == 303
            return browser.cookies

    def pages(cookies: httpx.Cookies) -> set[int]:
        found = set()
        for _ in range(24):
            with httpx.Client(base_url=client.base_url, timeout=60, cookies=cookies) as c:
                found.add(c.get("/ranking", headers={"Connection": "close"}).status_code)
        return found

    first = signed_in()
    assert pages(first) == {200}
    with httpx.Client(base_url=client.base_url, timeout=60, cookies=first) as browser:
        csrf = browser.get("/account").text.split('name="csrf" value="')[1].split('"')[0]
        assert browser.post("/logout", data={"csrf": csrf}).status_code == 303
    assert pages(first) == {303}  # to the login page, in every worker
    second = signed_in()
    assert pages(second) == {200}
    accounts.set_active(rt, "viewer", False)
    assert pages(second) == {303}
    assert token(headers) == {200}
    accounts.set_active(rt, "evaluator", False)
    assert token(headers) == {401}
