"""`chiso demo` on a fresh data folder, timed as a user waits for it: from the process's start to
the first HTTP 200 on /login. `python -m bench.demo_start [--port P]` prints the seconds as JSON
and stops the server; a whole run is one process, so `farm-bench` can time it (and the CPU of
the demo it waited for) against a baseline checkout with PYTHONPATH=<checkout>/src."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.verdicts import Verdict

PORT = int(os.environ.get("CHISO_BENCH_PORT", "8838")) + 2
"""Two above `CHISO_BENCH_PORT` (the other servers' port and the baseline's next to it)."""
GOAL_SECONDS = 5.0


def first_page(port: int, limit: float = 300.0) -> float:
    """Seconds from now until /login answers 200 on `port`, polling every 20 ms."""
    start = time.perf_counter()
    url = f"http://127.0.0.1:{port}/login"
    while time.perf_counter() - start < limit:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return time.perf_counter() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.02)
    raise TimeoutError(f"/login did not answer within {limit} s")


def cpu_seconds(pid: int) -> float:
    """User + system seconds `pid` and its reaped children have used so far (/proc): with one
    worker the demo builds and serves in that one process, so this is the CPU a user waited
    for, less noisy than wall time on a loaded machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def run(port: int, keep: Path | None = None) -> tuple[float, float]:
    parent = Path(os.environ.get("CHISO_BENCH_DIR", "/tmp"))
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="demo-start-", dir=parent))
    env = {**os.environ, "CHISO_DATA_DIR": str(folder)}
    env.pop("CHISO_DATABASE_URL", None)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "chiso"), "demo", "--port", str(port)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        first_page(port)
        seconds = time.perf_counter() - start
        cpu = cpu_seconds(proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if keep is not None:
            shutil.copytree(folder, keep, dirs_exist_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
    return seconds, cpu


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.demo_start")
    parser.add_argument("--port", type=int, default=PORT)
    parser.add_argument("--keep", type=Path, default=None, help="copy the data folder here")
    args = parser.parse_args(argv)
    seconds, cpu = run(args.port, args.keep)
    print(json.dumps({"first_200_s": round(seconds, 3), "cpu_to_first_200_s": round(cpu, 3)}))


def verdicts() -> list[Verdict]:
    """For `make bench`'s table: the goal is 5 s on an idle machine, so the load is shown."""
    seconds, cpu = run(PORT)
    load = os.getloadavg()[0]
    print(
        f"chiso demo: first 200 on /login after {seconds:.2f} s (CPU {cpu:.2f} s), load {load:.1f}"
    )
    return [
        Verdict(
            "chiso demo serves (first 200 on /login, fresh folder)",
            f"{seconds:.2f} s wall, {cpu:.2f} s CPU, load {load:.1f}",
            f"< {GOAL_SECONDS:g} s on an idle machine",
            seconds < GOAL_SECONDS,
        )
    ]


if __name__ == "__main__":
    main()
