"""`python -m bench [NAME…]`: run the benchmarks, print their figures, and end with one table of
every goal of issue 16 with the ratio measured, the goal and whether it is met.

`CHISO_BENCH_QUICK=1` runs the small sizes only (2M records, 100 and 3.321 units, 1.000 units'
workbook, 8 users, 4× history), so the whole of `make bench` takes minutes; the goals are stated
at the full sizes, so a quick run's table says which size it measured."""

from __future__ import annotations

import os
import re
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
from bench.verdicts import Verdict, table  # noqa: E402

RECORDS = (2_000_000,) if QUICK else (20_000_000, 100_000_000)

BENCHMARKS: dict[str, Callable[[], Any]] = {
    "uncertainty": uncertainty.main,
    "evaluation_scale": evaluation_scale.main,
    "facts_compute": lambda: facts_compute.main(RECORDS),
    "facts_ingest": lambda: facts_ingest.main(RECORDS),
    "import_workbook": import_workbook.main,
    "concurrent_imports": concurrent_imports.main,
    "web_latency": web_latency.main,
    "page_cpu": page_cpu.main,
    "demo_start": lambda: demo_start.main([]),
    "cold_views": cold_views.main,
    "history_cost": history_cost.main,
    "chart_cost": chart_cost.main,
}


def _ratio(text: str) -> float | None:
    found = re.search(r"(\d+(?:[.,]\d+)?)×", text)
    return float(found.group(1).replace(",", ".")) if found else None


def _records_goal(cell: str) -> float:
    """facts compute: 1,2× at 20M records and below, 1,1× at 100M."""
    count = int(cell.replace(".", ""))
    return 1.1 if count >= 100_000_000 else 1.2


def verdicts(name: str, figures: Any) -> list[Verdict]:
    """A benchmark's figures as verdicts: a list of `Verdict` as is, the tables of the older
    modules read by their columns."""
    if isinstance(figures, list) and all(isinstance(f, Verdict) for f in figures) and figures:
        return figures
    rows = figures if isinstance(figures, list) else []
    out: list[Verdict] = []
    if name == "facts_compute":
        for row in rows:
            ratio, goal = _ratio(row[5]), _records_goal(row[0])
            met = None if ratio is None else ratio <= goal
            out.append(Verdict(f"facts compute, {row[0]} records", row[5], f"≤ {goal}×", met))
    elif name == "facts_ingest":
        for row in rows:
            ratio = _ratio(row[5])
            peak = float(row[4].split()[0].replace(",", ""))
            met = None if ratio is None else ratio <= 2 and peak < 2048
            out.append(
                Verdict(
                    f"facts ingest, {row[0]} records", f"{row[5]}, {row[4]}", "≤ 2×, < 2 GiB", met
                )
            )
    elif name == "import_workbook":
        for row in rows:
            first, again = _ratio(row[3]), _ratio(row[5])
            peak = float(row[6].split()[0].replace(",", ""))
            met = (
                None
                if first is None or again is None
                else first <= 10 and again <= 5 and peak < 1024
            )
            out.append(
                Verdict(
                    f"import workbook, {row[0]}, {row[1]} units",
                    f"{row[3].split()[0]} / {row[5].split()[0]}, {row[6].split(' (')[0]}",
                    "≤ 10× / ≤ 5×, < 1 GiB",
                    met,
                )
            )  # fmt: skip
    if not out:
        out.append(Verdict("(no figures returned for the summary)", "—", "—", None))
    return out


def main() -> None:
    names = sys.argv[1:] or list(BENCHMARKS)
    found: list[tuple[str, Verdict]] = []
    for name in names:
        figures = BENCHMARKS[name]()
        found += [(name, v) for v in verdicts(name, figures)]
    print()
    print("Issue 16: every goal" + (" (CHISO_BENCH_QUICK: small sizes only)" if QUICK else ""))
    print(table(found))


if __name__ == "__main__":
    main()
