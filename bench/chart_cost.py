"""What the web pages' charts cost to draw, in one process on the demo (built first under
`$CHISO_BENCH_DIR/charts-demo` if missing): a unit page's eight charts (`/units/75.SYT`), the
overview's trend charts and the indicator page's histogram, the first time in the process and
the median of 20 draws after it, wall and CPU time (CPU includes a chart engine's own threads).

Against a tree from before 2026-12-07 (`PYTHONPATH=<that tree>/src`), where a chart was a
Vega-Lite specification drawn by vl-convert (its cache cleared before each draw), the same
command measures the baseline: the pair's ratio is the figure."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.verdicts import Verdict

ROUNDS = 20


def _demo(folder: Path) -> None:
    if (folder / "chiso.sqlite3").exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    chiso = str(Path(sys.executable).with_name("chiso"))
    env = {**os.environ, "CHISO_DATA_DIR": str(folder)}
    subprocess.run([chiso, "demo", "--no-serve"], env=env, check=True, capture_output=True)


def _drawers(rt: Any) -> dict[str, Callable[[], list[str]]]:
    from chiso.services.dashboard import pages
    from chiso.web import render

    newest = pages.latest(rt, pages.USAGE)
    assert newest is not None
    unit = pages.unit_page_shared(rt, "75.SYT")
    overview = pages.overview(rt, newest)
    indicator = pages.indicator_page(rt, "signed_docs_rate", newest)
    lines = [line for line in unit.indicators if line.history]
    cards = [
        c
        for c in (overview.cards if overview else [])
        if len(c.trend) > 1 and c.findings.indicator.kind == "rate"
    ]
    kinds: dict[str, tuple[str, list[Any]]] = {
        "unit page": ("indicator", lines),
        "overview": ("trend", cards),
        "indicator page": ("distribution", [indicator]),
    }
    if hasattr(render, "indicator_spec"):  # the baseline: Vega-Lite drawn by vl-convert
        from chiso.web import charts as vl

        def baseline(kind: str, items: list[Any]) -> Callable[[], list[str]]:
            def draw() -> list[str]:
                vl._cache.clear()  # type: ignore[attr-defined]
                spec = getattr(render, f"{kind}_spec")
                return [str(vl.chart_svg(spec(i))) for i in items]  # type: ignore[attr-defined]

            return draw

        return {name: baseline(kind, items) for name, (kind, items) in kinds.items()}
    macro = render.TEMPLATES.env.get_template("chart.html").module.chart  # type: ignore[attr-defined]

    def ours(kind: str, items: list[Any]) -> Callable[[], list[str]]:
        shape = "bars" if kind == "distribution" else "line"
        data = getattr(render, f"{kind}_chart")
        return lambda: [str(macro(data(i), shape)) for i in items]

    return {name: ours(kind, items) for name, (kind, items) in kinds.items()}


def _timed(draw: Callable[[], list[str]]) -> tuple[float, float, list[str]]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = draw()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, out


def main() -> list[Verdict]:
    from chiso.domain.access import Actor
    from chiso.services.runtime import Runtime
    from chiso.settings import Settings

    work = Path(os.environ.get("CHISO_BENCH_DIR", Path(tempfile.gettempdir()) / "chiso-bench"))
    folder = work / "charts-demo"
    _demo(folder)
    rt = Runtime(Settings(data_dir=folder), Actor("bench"))
    found = []
    load = os.getloadavg()[0]
    print(f"Charts drawn in one process (load average {load:.1f}); ms wall / ms CPU")
    try:
        for name, draw in _drawers(rt).items():
            first_wall, first_cpu, out = _timed(draw)
            later = [_timed(draw) for _ in range(ROUNDS)]
            wall = statistics.median(t[0] for t in later)
            cpu = statistics.median(t[1] for t in later)
            size = sum(len(re.sub(r"\s+", " ", svg)) for svg in out)
            print(
                f"  {name:<15} {len(out)} charts, {size:7d} chars: first {first_wall:7.1f} / "
                f"{first_cpu:6.1f}, then {wall:7.2f} / {cpu:6.2f}",
                flush=True,
            )
            found.append(
                Verdict(f"chart CPU, {name}, first draw", f"{first_cpu:.1f} ms", "—", None)
            )
    finally:
        rt.close()
    return found


if __name__ == "__main__":
    main()
