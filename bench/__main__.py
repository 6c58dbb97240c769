"""`python -m bench [NAME…]`: run the benchmarks, print their figures, and end with one table of
every goal of issue 16 with the ratio measured, the goal and whether it is met.

`CHISO_BENCH_QUICK=1` runs the small sizes only (2M records, 100 and 3.321 units, 1.000 units'
workbook, 8 users, 4× history), so the whole of `make bench` takes minutes; the goals are stated
at the full sizes, so a quick run's table says which size it measured. A full run measures the
growth series of issue 16 part 4 (facts compute at 2M/20M/100M records, evaluation at
100/3.321/10.035 units, imports at 1.000/10.035 units, pages at 8/32/64 users); the table gives
each its verdict, cost ratio between sizes against the size ratio (`bench/verdicts.growth`)."""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

QUICK = bool(os.environ.get("CHISO_BENCH_QUICK"))
if QUICK:  # before the modules read their sizes
    os.environ.setdefault("CHISO_BENCH_UNITS", "1000")
    os.environ.setdefault("CHISO_BENCH_USERS", "8")
    os.environ.setdefault("CHISO_BENCH_REQUESTS", "4")
    os.environ.setdefault("CHISO_BENCH_REPEAT", "1")
else:  # the growth series of issue 16 part 4 (the p95 goal is at 32)
    os.environ.setdefault("CHISO_BENCH_USERS", "8,32,64")

from bench import (  # noqa: E402
    chart_cost,
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
"""Sizes of facts compute (`CHISO_BENCH_RECORDS`, a comma list): the growth series of issue 16 is
2M/20M/100M (records made once under CHISO_BENCH_DIR: 20M in about a minute on 2 cores)."""
INGEST_RECORDS = tuple(
    int(n)
    for n in os.environ.get("CHISO_BENCH_INGEST_RECORDS", ",".join(map(str, RECORDS))).split(",")
)
"""Sizes of facts ingest (`CHISO_BENCH_INGEST_RECORDS`, default those of facts compute): ingesting
100M records twice takes about ten minutes."""

BENCHMARKS: dict[str, Callable[[], Any]] = {
    "uncertainty": uncertainty.main,
    "evaluation_scale": evaluation_scale.main,
    "facts_compute": lambda: facts_compute.main(RECORDS),
    "facts_ingest": lambda: facts_ingest.main(INGEST_RECORDS),
    "import_workbook": import_workbook.main,
    "concurrent_imports": concurrent_imports.main,
    "web_latency": web_latency.main,
    "page_cpu": page_cpu.main,
    "demo_start": demo_start.verdicts,
    "cold_views": cold_views.main,
    "history_cost": history_cost.main,
    "chart_cost": chart_cost.main,
}


def main() -> None:
    """Every benchmark runs even when one fails (its traceback printed, its row says so, and the
    exit status is 1): an hour's run is not lost to the last benchmark's failure."""
    names = sys.argv[1:] or list(BENCHMARKS)
    found: list[tuple[str, Verdict]] = []
    failed = False
    for name in names:
        started = time.perf_counter()
        try:
            figures = BENCHMARKS[name]()
        except Exception as error:
            traceback.print_exc()
            failed = True
            said = f"{type(error).__name__}: {error}"[:80]
            found.append((name, Verdict("(the benchmark failed)", said, "—", False)))
            continue
        finally:
            print(f"[{name}: {time.perf_counter() - started:.0f} s]", flush=True)
        found += [(name, v) for v in from_rows(name, figures)]
    print()
    print(
        "Issue 16: every goal"
        + (" (CHISO_BENCH_QUICK: small sizes only)" if QUICK else "")
        + f"; load average at the end {os.getloadavg()[0]:.1f}"
    )
    print(table(found))
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
