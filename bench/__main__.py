"""`python -m bench [NAME…]`: run the benchmarks, print their figures, and end with one table of
every goal of issue 16 with the ratio measured, the goal and whether it is met.

`CHISO_BENCH_QUICK=1` runs the small sizes only (2M records, 100 and 3.321 units, 1.000 units'
workbook, 8 users, 4× history), so the whole of `make bench` takes minutes; the goals are stated
at the full sizes, so a quick run's table says which size it measured."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

QUICK = bool(os.environ.get("CHISO_BENCH_QUICK"))
if QUICK:  # before the modules read their sizes
    os.environ.setdefault("CHISO_BENCH_UNITS", "1000")
    os.environ.setdefault("CHISO_BENCH_USERS", "8")
    os.environ.setdefault("CHISO_BENCH_REQUESTS", "4")
    os.environ.setdefault("CHISO_BENCH_REPEAT", "1")

from bench import (  # noqa: E402
    cold_views,
    concurrent_imports,
    demo_start,
    evaluation_scale,
    facts_compute,
    facts_ingest,
    history_cost,
    import_workbook,
    page_cpu,
    uncertainty,
    web_latency,
)
from bench.verdicts import Verdict, from_rows, table  # noqa: E402

RECORDS = tuple(
    int(n)
    for n in os.environ.get(
        "CHISO_BENCH_RECORDS", "2000000" if QUICK else "2000000,20000000,100000000"
    ).split(",")
)
"""Sizes of facts compute and ingest (`CHISO_BENCH_RECORDS`, a comma list): the growth series of
issue 16 is 2M/20M/100M; generating 100M records takes most of an hour."""

BENCHMARKS: dict[str, Callable[[], Any]] = {
    "uncertainty": uncertainty.main,
    "evaluation_scale": evaluation_scale.main,
    "facts_compute": lambda: facts_compute.main(RECORDS),
    "facts_ingest": lambda: facts_ingest.main(RECORDS),
    "import_workbook": import_workbook.main,
    "concurrent_imports": concurrent_imports.main,
    "web_latency": web_latency.main,
    "page_cpu": page_cpu.main,
    "demo_start": demo_start.verdicts,
    "cold_views": cold_views.main,
    "history_cost": history_cost.main,
}


def main() -> None:
    names = sys.argv[1:] or list(BENCHMARKS)
    found: list[tuple[str, Verdict]] = []
    for name in names:
        figures = BENCHMARKS[name]()
        found += [(name, v) for v in from_rows(name, figures)]
    print()
    print(
        "Issue 16: every goal"
        + (" (CHISO_BENCH_QUICK: small sizes only)" if QUICK else "")
        + f"; load average at the end {os.getloadavg()[0]:.1f}"
    )
    print(table(found))


if __name__ == "__main__":
    main()
