"""Page latency on the demo data, SQLite and PostgreSQL: 32 users requesting one page without pause
(httpx async), p95 per page as a ratio of the p95 of a minimal FastAPI + Jinja2 app rendering a
comparable table (bench/baseline_app.py), served with the same number of uvicorn workers in the
same run; and the cold first view of each page after the server starts."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.measure import database_name
from bench.verdicts import Verdict, growth

PAGES = [
    "/",
    "/ranking",
    "/map",
    "/units/75.SYT",
    "/indicators/signed_docs_rate",
    "/api/v1/rankings",
]
BASELINE = "/table"
USER_COUNTS = tuple(int(n) for n in os.environ.get("CHISO_BENCH_USERS", "32").split(","))
"""Concurrent users, one load per count (`CHISO_BENCH_USERS`, a comma list: "8,32,64" is the
growth series of issue 16); the p95 goal is stated at 32."""
USERS = USER_COUNTS[0]
ROUNDS = int(os.environ.get("CHISO_BENCH_ROUNDS", "1"))
"""Pairs (baseline, then chiso) per page; the ratio shown is the median pair's: on a loaded
machine one pair's ratio moves by 2× from one run to the next."""
REQUESTS = int(os.environ.get("CHISO_BENCH_REQUESTS", "8"))
"""Requests per user per page."""
WORKERS = os.environ.get("CHISO_WEB_WORKERS", str(os.cpu_count() or 1))
KEEPALIVE = os.environ.get("CHISO_WEB_KEEPALIVE_SECONDS", "75")
"""The baseline keeps idle connections as long as `chiso serve` does (its default)."""
CHISO_PORT = int(os.environ.get("CHISO_BENCH_PORT", "8672"))
BASELINE_PORT = CHISO_PORT + 1
"""chiso on CHISO_BENCH_PORT, the baseline on the next port."""
GOAL = 1.5
POSTGRES = os.environ.get(
    "CHISO_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PASSWORD = "bench-password-1"


def _chiso() -> str:
    return str(Path(sys.executable).with_name("chiso"))


def _prepare(folder: Path, database_url: str | None) -> dict[str, str]:
    env = {**os.environ, "CHISO_DATA_DIR": str(folder), "CHISO_WEB_WORKERS": WORKERS}
    env["CHISO_COOKIE_SECURE"] = "false"
    env.pop("CHISO_DATABASE_URL", None)
    if database_url:
        env["CHISO_DATABASE_URL"] = database_url
    if not (folder / "ready").exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [_chiso(), "demo", "--no-serve"], env=env, check=True, stdout=subprocess.DEVNULL
        )
        code = (
            "from chiso.services.runtime import open_runtime\n"
            "from chiso.services.accounts import users\n"
            f"users.set_password(open_runtime(), 'admin', {PASSWORD!r})"
        )
        subprocess.run([sys.executable, "-c", code], env=env, check=True)
        (folder / "ready").write_text("ok")
    return env


def _postgres_database(name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not found.scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)


def _wait(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped ({server.returncode})")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


async def _cookies(base: str) -> httpx.Cookies:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        form = (await client.get("/login")).text
        csrf = form.split('name="csrf" value="')[1].split('"')[0]
        data = {"username": "admin", "password": PASSWORD, "next": "/", "csrf": csrf}
        await client.post("/login", data=data)
        return client.cookies


async def _cold(base: str, cookies: httpx.Cookies) -> dict[str, float]:
    """The first view of each page after the server started (one user)."""
    found = {}
    async with httpx.AsyncClient(base_url=base, timeout=60, cookies=cookies) as client:
        for path in PAGES:
            start = time.perf_counter()
            response = await client.get(path)
            found[path] = time.perf_counter() - start
            response.raise_for_status()
    return found


async def _load(
    base: str, path: str, cookies: httpx.Cookies | None, users: int = USERS
) -> list[float]:
    """`users` users each asking for the page REQUESTS times without pause."""
    timings: list[float] = []
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(
        base_url=base, timeout=120, cookies=cookies, limits=limits
    ) as client:

        async def user() -> None:
            for _ in range(REQUESTS):
                start = time.perf_counter()
                response = await client.get(path)
                timings.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")

        await asyncio.gather(*(user() for _ in range(users)))
    return timings


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=30)


def _page(
    chiso: str, baseline: str, path: str, cookies: httpx.Cookies, users: int
) -> tuple[float, float, str]:
    """chiso's p95 and the baseline's of the median pair over ROUNDS, and the rounds' ratios."""
    pairs = []
    for _ in range(ROUNDS):
        reference = _p95(asyncio.run(_load(baseline, BASELINE, None, users)))
        pairs.append((_p95(asyncio.run(_load(chiso, path, cookies, users))), reference))
    p95, reference = sorted(pairs, key=lambda pair: pair[0] / pair[1])[len(pairs) // 2]
    spread = ""
    if ROUNDS > 1:
        ratios = sorted(mine / theirs for mine, theirs in pairs)
        spread = f" [rounds {' '.join(f'{r:.2f}' for r in ratios)}]"
    return p95, reference, spread


def run_backend(backend: str, env: dict[str, str]) -> list[Verdict]:
    root = str(Path(__file__).resolve().parent.parent)
    baseline_env = {**env, "PYTHONPATH": root}
    baseline = _start(
        [sys.executable, "-m", "uvicorn", "bench.baseline_app:app", "--port", str(BASELINE_PORT),
         "--workers", WORKERS, "--log-level", "warning", "--timeout-keep-alive", KEEPALIVE],
        baseline_env,
    )  # fmt: skip
    chiso = _start([_chiso(), "serve", "--port", str(CHISO_PORT)], env)
    try:
        chiso_base, base_base = (
            f"http://127.0.0.1:{CHISO_PORT}",
            f"http://127.0.0.1:{BASELINE_PORT}",
        )
        _wait(base_base + BASELINE, baseline)
        _wait(chiso_base + "/login", chiso)
        cookies = asyncio.run(_cookies(chiso_base))
        cold = asyncio.run(_cold(chiso_base, cookies))
        found = []
        p95s: dict[str, list[tuple[float, float]]] = {path: [] for path in PAGES}
        references: dict[str, list[tuple[float, float]]] = {path: [] for path in PAGES}
        for users in USER_COUNTS:
            print(f"{backend}: {users} users × {REQUESTS} requests per page, no think time, "
                  f"{WORKERS} workers each; p95 against the baseline app's p95 measured before "
                  f"each page; load average {os.getloadavg()[0]:.1f}")  # fmt: skip
            for path in PAGES:
                p95, reference, spread = _page(chiso_base, base_base, path, cookies, users)
                p95s[path].append((users, p95))
                references[path].append((users, reference))
                ratio = p95 / reference
                verdict = "met" if ratio <= GOAL else "NOT met"
                print(
                    f"  {path:<30} p95 {p95 * 1000:7.0f} ms  baseline p95 {reference * 1000:6.0f} ms"
                    f"  {ratio:5.2f}× (goal {GOAL}×: {verdict}){spread}"
                    f"  cold first view {cold[path] * 1000:6.0f} ms",
                    flush=True,
                )
                found.append(
                    Verdict(
                        f"p95, {users} users, {backend}, {path}",
                        f"{ratio:.2f}×",
                        f"≤ {GOAL}× baseline",
                        ratio <= GOAL,
                    )
                )
        for path in PAGES:
            found += growth(
                f"p95 by users, {backend}, {path}", "users", p95s[path], references[path]
            )
        return found
    finally:
        _stop(chiso)
        _stop(baseline)


def main() -> list[Verdict]:
    work = Path(os.environ.get("CHISO_BENCH_DIR", Path(tempfile.gettempdir()) / "chiso-bench"))
    chosen = os.environ.get("CHISO_BENCH_BACKENDS", "sqlite,postgresql").split(",")
    found = []
    if "sqlite" in chosen:
        found += run_backend("SQLite", _prepare(work / "web" / "sqlite", None))
    if "postgresql" in chosen:
        name = os.environ.get("CHISO_BENCH_PG_DATABASE") or database_name(POSTGRES, "web")
        url = _postgres_database(name)
        found += run_backend("PostgreSQL", _prepare(work / "web" / "postgresql", url))
    return found


if __name__ == "__main__":
    main()
