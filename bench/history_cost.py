"""Page cost as history grows: the server's CPU per cached request of the overview, a unit page
and an indicator page on the demo (24 months) against the same demo with `CHISO_BENCH_HISTORY`
times as many months of values (default 13: the demo's stored values copied onto the earlier
years, imported with `chiso data import`). Both apps run in this process with their endpoints
called inline (as `page_cpu`), the two measured in turns, page by page. Goal: ratio ≈ 1 (at
most 1,2×): a page whose answer does not change costs no more when more history is stored."""

from __future__ import annotations

import asyncio
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import fastapi.dependencies.utils
import fastapi.routing
import httpx

from bench.page_cpu import _cpu, _inline
from bench.verdicts import Verdict
from bench.web_latency import PASSWORD, _prepare

PAGES = ["/", "/units/75.SYT", "/indicators/signed_docs_rate"]
HISTORY = int(
    os.environ.get("CHISO_BENCH_HISTORY", "4" if os.environ.get("CHISO_BENCH_QUICK") else "13")
)
REQUESTS = 50
ROUNDS = 3
GOAL = 1.2


def _older(folder: Path, copies: int) -> None:
    """The demo's stored values of platform-usage copied onto the `copies - 1` spans of 24 months
    before them, imported as one file (once; a marker file remembers it)."""
    marker = folder / "history"
    if marker.exists():
        return
    from chiso.services.runtime import open_runtime
    from chiso.settings import Settings
    from chiso.store import values_repo

    rt = open_runtime(Settings(data_dir=folder))
    with rt.db.transaction() as session:
        stored = values_repo.values(session, "platform-usage")
    rt.close()
    path = folder / "older.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["unit_code", "period", "indicator", "value", "numerator", "denominator"])
        for copy in range(1, copies):
            for v in stored:
                period = v.period.shifted(-24 * copy)
                value = v.value
                shown = value.text if value.text is not None else value.number
                writer.writerow(
                    [v.unit_key, str(period), v.indicator, _text(shown),
                     _text(value.numerator), _text(value.denominator)]
                )  # fmt: skip
    start = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).with_name("chiso")), "data", "import", str(path),
         "--framework", "platform-usage", "--decimal", "."],
        env={**os.environ, "CHISO_DATA_DIR": str(folder)},
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    took = time.perf_counter() - start
    print(f"  imported {len(stored) * (copies - 1)} older values in {took:.0f} s", flush=True)
    marker.write_text("ok")


def _text(x: object) -> str:
    return "" if x is None else str(x)


async def _signed_in(app: object) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://chiso")  # type: ignore[arg-type]
    form = (await client.get("/login")).text
    csrf = form.split('name="csrf" value="')[1].split('"')[0]
    data = {"username": "admin", "password": PASSWORD, "next": "/", "csrf": csrf}
    await client.post("/login", data=data)
    return client


async def _run(short: Path, long: Path) -> list[Verdict]:
    from chiso.services.accounts import users
    from chiso.settings import Settings
    from chiso.web.app import create_app

    apps = [
        create_app(
            Settings(cookie_secure=False, data_dir=d, precompute_periods=0, log_level="WARNING")
        )
        for d in (short, long)
    ]
    verdicts = []
    async with apps[0].router.lifespan_context(apps[0]), apps[1].router.lifespan_context(apps[1]):
        clients = []
        for app in apps:
            users.set_password(app.state.rt, "admin", PASSWORD)
            clients.append(await _signed_in(app))
        print(
            f"CPU per cached request, 24 months against {24 * HISTORY} months of values "
            f"({REQUESTS} requests × {ROUNDS} rounds, in turns; load average "
            f"{os.getloadavg()[0]:.1f})"
        )
        for path in PAGES:
            for client in clients:
                for _ in range(2):
                    await client.get(path)
            times: list[list[float]] = [[], []]
            for _ in range(ROUNDS):
                for i, client in enumerate(clients):
                    times[i].append(await _cpu(client, path))
            base, grown = min(times[0]), min(times[1])
            ratio = grown / base
            print(
                f"  {path:<30} {base * 1000:6.1f} ms → {grown * 1000:6.1f} ms  {ratio:5.2f}×"
                f" (goal ≤ {GOAL}×: {'met' if ratio <= GOAL else 'NOT met'})",
                flush=True,
            )
            verdicts.append(
                Verdict(
                    f"page CPU with {HISTORY}× history, {path}",
                    f"{ratio:.2f}×",
                    f"≤ {GOAL}×",
                    ratio <= GOAL,
                )
            )
        for client in clients:
            await client.aclose()
    return verdicts


def main() -> list[Verdict]:
    work = Path(os.environ.get("CHISO_BENCH_DIR", Path(tempfile.gettempdir()) / "chiso-bench"))
    short = Path(_prepare(work / "web" / "sqlite", None)["CHISO_DATA_DIR"])
    long = work / "history" / f"x{HISTORY}"
    if not (long / "history").exists():
        shutil.rmtree(long, ignore_errors=True)
        shutil.copytree(short, long)
    _older(long, HISTORY)
    os.environ.pop("CHISO_DATABASE_URL", None)
    setattr(fastapi.routing, "run_in_threadpool", _inline)  # noqa: B010
    setattr(fastapi.dependencies.utils, "run_in_threadpool", _inline)  # noqa: B010
    return asyncio.run(_run(short, long))


if __name__ == "__main__":
    main()
