"""`python -m bench [NAME…]`: run the benchmarks and print their figures."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from bench import (
    demo_start,
    evaluation_scale,
    facts_compute,
    facts_ingest,
    import_workbook,
    page_cpu,
    uncertainty,
    web_latency,
)

BENCHMARKS: dict[str, Callable[[], Any]] = {
    "uncertainty": uncertainty.main,
    "evaluation_scale": evaluation_scale.main,
    "facts_compute": facts_compute.main,
    "facts_ingest": facts_ingest.main,
    "import_workbook": import_workbook.main,
    "web_latency": web_latency.main,
    "page_cpu": page_cpu.main,
    "demo_start": lambda: demo_start.main([]),
}


def main() -> None:
    names = sys.argv[1:] or list(BENCHMARKS)
    for name in names:
        BENCHMARKS[name]()


if __name__ == "__main__":
    main()
