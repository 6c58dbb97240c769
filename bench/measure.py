"""Wall time and peak memory of whole processes, each started from a fresh intermediate process
so that one measurement's peak never leaks into the next."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass

_WRAPPER = (
    "import json, resource, subprocess, sys, time;"
    "t = time.perf_counter(); p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL);"
    "e = time.perf_counter() - t;"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN);"
    "print(json.dumps({'rc': p.returncode, 's': e, 'kb': u.ru_maxrss, 'cpu': u.ru_utime + u.ru_stime}))"
)


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mib: float
    cpu_seconds: float = 0.0
    """User + system time of the command and its children (less sensitive to a loaded machine
    than wall time, which a multi-threaded process wins more of)."""


def run(command: list[str], env: dict[str, str] | None = None, repeat: int = 3) -> Run:
    """Median wall time and highest peak RSS over `repeat` runs; fails if the command fails."""
    times, peaks, cpus = [], [], []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", _WRAPPER, *command],
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        if result["rc"] != 0:
            raise RuntimeError(f"{command} exited with {result['rc']}")
        times.append(result["s"])
        peaks.append(result["kb"] / 1024)
        cpus.append(result["cpu"])
    return Run(statistics.median(times), max(peaks), statistics.median(cpus))


def database_name(admin_url: str, suffix: str) -> str:
    """A benchmark's PostgreSQL database, named after the admin URL's database as
    bench/import_workbook.py names its own (bench → bench_web), so that two sessions on one server
    never drop each other's; `chiso_bench_…` when the admin URL names `postgres`."""
    from sqlalchemy.engine import make_url

    base = make_url(admin_url).database
    return f"{base if base and base != 'postgres' else 'chiso_bench'}_{suffix}"
