"""Page latency under concurrent users on the demo data, SQLite and PostgreSQL: median and p95 per
page, against a static file served by the same process in the same run (the baseline)."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

PAGES = [
    "/",
    "/ranking",
    "/map",
    "/units/75.SYT",
    "/indicators/signed_docs_rate",
    "/api/v1/rankings",
]
BASELINE = "/static/style.css"
USERS, ROUNDS = 8, 5
POSTGRES = os.environ.get(
    "CHISO_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _chiso() -> str:
    return str(Path(sys.executable).with_name("chiso"))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(folder: Path, database_url: str | None) -> dict[str, str]:
    env = {**os.environ, "CHISO_DATA_DIR": str(folder), "CHISO_COOKIE_SECURE": "false"}
    env.pop("CHISO_DATABASE_URL", None)
    if database_url:
        env["CHISO_DATABASE_URL"] = database_url
    if not (folder / "ready").exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [_chiso(), "demo", "--no-serve"], env=env, check=True, stdout=subprocess.DEVNULL
        )
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from chiso.services.runtime import open_runtime\nfrom chiso.services.accounts import users as accounts\n"
                "accounts.set_password(open_runtime(), 'admin', 'bench-password-1')",
            ],
            env=env,
            check=True,
        )
        (folder / "ready").write_text("ok")
    return env


def _postgres_database(name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)


def _measure(base: str) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {p: [] for p in [*PAGES, BASELINE]}
    lock = threading.Lock()

    def user() -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            form = client.get("/login").text
            csrf = form.split('name="csrf" value="')[1].split('"')[0]
            client.post(
                "/login",
                data={
                    "username": "admin",
                    "password": "bench-password-1",
                    "next": "/",
                    "csrf": csrf,
                },
            )
            for _ in range(ROUNDS):
                for path in [*PAGES, BASELINE]:
                    start = time.perf_counter()
                    response = client.get(path)
                    elapsed = time.perf_counter() - start
                    if response.status_code != 200:
                        raise RuntimeError(f"{path}: {response.status_code}")
                    with lock:
                        timings[path].append(elapsed)

    threads = [threading.Thread(target=user) for _ in range(USERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> None:
    work = (
        Path(os.environ.get("CHISO_BENCH_DIR", Path(tempfile.gettempdir()) / "chiso-bench")) / "web"
    )
    for backend, url in (("SQLite", None), ("PostgreSQL", _postgres_database("chiso_bench_web"))):
        env = _prepare(work / backend.lower(), url)
        port = _port()
        server = subprocess.Popen(
            [_chiso(), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    httpx.get(base + BASELINE, timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            timings = _measure(base)
        finally:
            server.terminate()
            server.wait(timeout=20)
        baseline = statistics.median(timings[BASELINE])
        print(
            f"{backend}: {USERS} concurrent users × {ROUNDS} rounds; baseline {BASELINE} median {baseline * 1000:.1f} ms"
        )
        for path in PAGES:
            median, p95 = statistics.median(timings[path]), _p95(timings[path])
            print(
                f"  {path:<32} median {median * 1000:7.0f} ms  p95 {p95 * 1000:7.0f} ms  ({median / baseline:5.0f}× baseline)",
                flush=True,
            )


if __name__ == "__main__":
    main()
