"""The server's own CPU per cached page view, against the baseline app's `/table` measured just
before and after each page: the figure that explains bench/web_latency.py's p95 when the machine
is too loaded for latencies to mean much. Both apps run in this process with their endpoints
called inline (FastAPI's `run_in_threadpool` replaced, so the time is the request's and not
thread hand-offs), driven through httpx's ASGI transport.

On the data `web_latency` prepares under `$CHISO_BENCH_DIR/web/sqlite` (made first if missing)."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastapi.dependencies.utils
import fastapi.routing
import httpx

from bench.verdicts import Verdict
from bench.web_latency import PAGES, PASSWORD, _prepare

REQUESTS = 100


async def _inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


async def _cpu(client: httpx.AsyncClient, path: str) -> float:
    start = time.process_time()
    for _ in range(REQUESTS):
        response = await client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
    return (time.process_time() - start) / REQUESTS


async def _run() -> list[Verdict]:
    from bench.baseline_app import app as baseline_app
    from chiso.services.accounts import users
    from chiso.settings import Settings
    from chiso.web.app import create_app

    app = create_app(Settings(cookie_secure=False))
    async with app.router.lifespan_context(app):
        users.set_password(app.state.rt, "admin", PASSWORD)
        baseline = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=baseline_app), base_url="http://baseline"
        )
        chiso = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://chiso")
        form = (await chiso.get("/login")).text
        csrf = form.split('name="csrf" value="')[1].split('"')[0]
        data = {"username": "admin", "password": PASSWORD, "next": "/", "csrf": csrf}
        await chiso.post("/login", data=data)
        print(f"CPU per cached request ({REQUESTS} requests, endpoints inline, one process)")
        found = []
        for path in PAGES:
            for _ in range(2):
                await chiso.get(path)
            await baseline.get("/table")
            before = await _cpu(baseline, "/table")
            mine = await _cpu(chiso, path)
            after = await _cpu(baseline, "/table")
            reference = (before + after) / 2
            print(
                f"  {path:<30} {mine * 1000:6.1f} ms  baseline {reference * 1000:5.1f} ms"
                f"  {mine / reference:5.2f}×",
                flush=True,
            )
            found.append(
                Verdict(f"CPU per cached request, {path}", f"{mine / reference:.2f}×", "—", None)
            )
        await chiso.aclose()
        await baseline.aclose()
    return found


def main() -> list[Verdict]:
    work = Path(os.environ.get("CHISO_BENCH_DIR", Path(tempfile.gettempdir()) / "chiso-bench"))
    env = _prepare(work / "web" / "sqlite", None)
    os.environ["CHISO_DATA_DIR"] = env["CHISO_DATA_DIR"]
    os.environ.pop("CHISO_DATABASE_URL", None)
    setattr(fastapi.routing, "run_in_threadpool", _inline)  # noqa: B010
    setattr(fastapi.dependencies.utils, "run_in_threadpool", _inline)  # noqa: B010
    return asyncio.run(_run())


if __name__ == "__main__":
    main()
