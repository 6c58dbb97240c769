"""Cold first views on a fresh demo, SQLite and PostgreSQL: `chiso demo --no-serve` in an empty
data folder (a fresh database), `chiso serve`, sign in as the demo's admin, then the first request
of each kind of page right after the server answers; then `chiso data import` of one changed
value and, after `CHISO_BENCH_SETTLE` seconds (default 10: the time a person takes to go from
the import to a page), the same pages again. Goal: every first view under 500 ms.

`CHISO_BENCH_BACKENDS` (sqlite,postgresql), `CHISO_BENCH_PORT` (8810), `CHISO_BENCH_PG_DATABASE`
(default: the admin URL's database + `_cold`, `chiso_bench_cold` for `postgres`; dropped and made
again) change what runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.measure import database_name
from bench.verdicts import Verdict

GOAL_MS = 500.0
PORT = int(os.environ.get("CHISO_BENCH_PORT", "8810"))
SETTLE = float(os.environ.get("CHISO_BENCH_SETTLE", "10"))
POSTGRES = os.environ.get(
    "CHISO_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
UNIT = "75.SYT"
GROUP = "so-ban-nganh"
"""The province's departments, a ranking group of platform-usage (a 404 here: it was renamed)."""


def _chiso() -> str:
    return str(Path(sys.executable).with_name("chiso"))


def _demo(folder: Path, env: dict[str, str]) -> tuple[str, tuple[int, int]]:
    """A fresh demo: the admin's password and the newest month (year, month) it printed."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    out = subprocess.run(
        [_chiso(), "demo", "--no-serve"], env=env, check=True, capture_output=True, text=True
    ).stdout
    password = re.search(r"Tài khoản admin / mật khẩu (\S+)", out)
    newest = re.search(r"→ tháng (\d+)/(\d+)", out)
    if password is None or newest is None:
        raise RuntimeError(f"unexpected demo output:\n{out}")
    return password.group(1), (int(newest.group(2)), int(newest.group(1)))


def _fresh_postgres(name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)


def _sign_in(base: str, password: str) -> dict[str, str]:
    """The session cookie as a header: the demo's cookies are Secure, which httpx does not send
    over plain HTTP, so Set-Cookie is copied by hand."""
    with httpx.Client(base_url=base, timeout=120) as client:
        form = client.get("/login")
        csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
        jar = {k: v for k, v in form.cookies.items()}
        data = {"username": "admin", "password": password, "next": "/", "csrf": csrf}
        answer = client.post("/login", data=data, headers=_cookie_header(jar))
        for line in answer.headers.get_list("set-cookie"):
            name, _, rest = line.partition("=")
            jar[name.strip()] = rest.split(";")[0]
        if answer.status_code >= 400:
            raise RuntimeError(f"sign-in refused ({answer.status_code})")
    return _cookie_header(jar)


def _cookie_header(jar: dict[str, str]) -> dict[str, str]:
    return {"cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}


def _pages(year: int, month: int) -> list[tuple[str, str]]:
    quarter, half = (month - 1) // 3 + 1, 1 if month <= 6 else 2
    older = month - 4 if month > 4 else month + 8
    older_year = year if month > 4 else year - 1
    province = "2025:75"
    return [
        ("overview", "/"),
        ("ranking", "/ranking"),
        ("map", "/map"),
        ("unit", f"/units/{UNIT}"),
        ("province", f"/units/{province}"),
        ("group", f"/units/{province}/groups/{GROUP}"),
        ("indicator", "/indicators/signed_docs_rate"),
        ("documents", "/documents"),
        ("data", "/data"),
        ("audit", "/audit"),
        ("year", f"/ranking?period={year}"),
        ("quarter", f"/ranking?period={year}-Q{quarter}"),
        ("half-year", f"/ranking?period={year}-H{half}"),
        ("month not opened", f"/ranking?period={older_year}-{older:02d}"),
    ]


def _server_cpu(pid: int) -> float:
    """CPU seconds (user + system) of the server and its worker processes so far (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
        todo += [int(c) for c in children]
    return total


def _views(
    base: str, pages: list[tuple[str, str]], headers: dict[str, str], pid: int
) -> dict[str, tuple[float, float]]:
    """Each page's wall time and the server's CPU time during it (ms; the CPU includes what the
    workers did in the background meanwhile)."""
    found = {}
    with httpx.Client(base_url=base, timeout=120, headers=headers) as client:
        for name, path in pages:
            cpu, start = _server_cpu(pid), time.perf_counter()
            response = client.get(path)
            wall = (time.perf_counter() - start) * 1000
            found[name] = (wall, (_server_cpu(pid) - cpu) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code}")
    return found


def _serve(env: dict[str, str]) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [_chiso(), "serve", "--port", str(PORT)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped ({server.returncode})")
        try:
            httpx.get(f"http://127.0.0.1:{PORT}/login", timeout=5)
            return server
        except httpx.HTTPError:
            time.sleep(0.05)
    server.terminate()
    raise RuntimeError("the server did not answer")


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=30)


def _changed_value(folder: Path, year: int, month: int) -> Path:
    """One value of the newest month changed (the unit's reports-on-system rate)."""
    path = folder / "changed.csv"
    rows = ["unit_code,period,indicator,numerator,denominator,value"]
    rows.append(f"{UNIT},{year}-{month:02d},reports_on_system_rate,1,7,")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def run_backend(backend: str, folder: Path, database_url: str | None) -> list[Verdict]:
    env = {**os.environ, "CHISO_DATA_DIR": str(folder)}
    env.pop("CHISO_DATABASE_URL", None)
    env.pop("CHISO_COOKIE_SECURE", None)
    if database_url:
        env["CHISO_DATABASE_URL"] = database_url
    password, (year, month) = _demo(folder, env)
    base = f"http://127.0.0.1:{PORT}"
    pages = _pages(year, month)
    server = _serve(env)
    try:
        headers = _sign_in(base, password)
        first = _views(base, pages, headers, server.pid)
        changed = _changed_value(folder, year, month)
        start = time.perf_counter()
        subprocess.run(
            [_chiso(), "data", "import", str(changed), "--framework", "platform-usage"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        imported = time.perf_counter() - start
        time.sleep(SETTLE)
        after = _views(base, pages, headers, server.pid)
    finally:
        _stop(server)
    load = os.getloadavg()[0]
    print(
        f"{backend}: first view of each page right after `chiso serve` answers, then after "
        f"`chiso data import` of one value ({imported:.1f} s) and {SETTLE:g} s; "
        f"load average {load:.1f}"
    )
    verdicts = []
    print("  page              path                                    first view (server CPU)"
          "   after import (server CPU)")  # fmt: skip
    for name, path in pages:
        worst = max(first[name][0], after[name][0])
        met = worst < GOAL_MS
        print(
            f"  {name:<17} {path:<38} {first[name][0]:6.0f} ms ({first[name][1]:5.0f} ms)"
            f"   {after[name][0]:6.0f} ms ({after[name][1]:5.0f} ms)  ({'met' if met else 'NOT met'})",
            flush=True,
        )
    slowest = max(pages, key=lambda p: max(first[p[0]][0], after[p[0]][0]))[0]
    worst = max(first[slowest][0], after[slowest][0])
    verdicts.append(
        Verdict(
            f"cold first view of any page, {backend} (slowest: {slowest})",
            f"{worst:.0f} ms",
            f"< {GOAL_MS:.0f} ms",
            worst < GOAL_MS,
        )
    )
    return verdicts


def main() -> list[Verdict]:
    work = Path(os.environ.get("CHISO_BENCH_DIR", Path(tempfile.gettempdir()) / "chiso-bench"))
    chosen = os.environ.get("CHISO_BENCH_BACKENDS", "sqlite,postgresql").split(",")
    verdicts = []
    if "sqlite" in chosen:
        verdicts += run_backend("SQLite", work / "cold" / "sqlite", None)
    if "postgresql" in chosen:
        name = os.environ.get("CHISO_BENCH_PG_DATABASE") or database_name(POSTGRES, "cold")
        url = _fresh_postgres(name)
        verdicts += run_backend("PostgreSQL", work / "cold" / "postgresql", url)
    return verdicts


if __name__ == "__main__":
    main()
