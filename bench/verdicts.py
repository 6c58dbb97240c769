"""What each benchmark returns for `make bench`'s closing table: one row per goal of issue 16,
with the figure measured in this run, the goal and whether it is met.

Kept free of the benchmarks' own imports (chiso, FastAPI, numpy) so that the table's rules are
tested on known figures without running anything (tests/test_bench_table.py)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Verdict:
    goal: str
    measured: str
    """As measured in this run (a ratio against its baseline, or a time where the goal is one)."""
    target: str
    met: bool | None
    """None: measured, but the goal is a trend a reader judges (no threshold), or not measured."""


LINEAR = "grows no faster than linearly"


def growth(
    series: str,
    unit: str,
    points: Sequence[tuple[float, float]],
    baseline: Sequence[tuple[float, float]] = (),
) -> list[Verdict]:
    """Issue 16 part 4 for one scaling series: between each pair of consecutive sizes, the cost
    ratio against the size ratio (met when the cost grew by no more than the size did). `points`
    are (size, cost); fewer than two sizes is said, not judged.

    `baseline`, (size, cost) of the series' baseline at the same sizes, is for series whose cost
    the machine and the load generator dominate (pages under many users, where the bare app's p95
    grows faster than the users on a loaded machine): the pair is then met when the cost grew by
    no more than the size or the baseline's cost, whichever grew more."""
    ordered = sorted(points)
    if len(ordered) < 2:
        sizes = ", ".join(_size(s) for s, _ in ordered) or "none"
        return [Verdict(f"growth, {series}", f"one size only ({sizes} {unit})", LINEAR, None)]
    reference = dict(baseline)
    found = []
    for (small, before), (large, after) in itertools.pairwise(ordered):
        cost, size = after / before, large / small
        measured, allowed, target = f"cost {_ratio(cost)} for size {_ratio(size)}", size, LINEAR
        if small in reference and large in reference:
            theirs = reference[large] / reference[small]
            measured += f" (baseline {_ratio(theirs)})"
            allowed, target = max(size, theirs), f"{LINEAR}, or than the baseline"
        found.append(
            Verdict(
                f"growth, {series}, {_size(small)} → {_size(large)} {unit}",
                measured,
                target,
                cost <= allowed,
            )
        )
    return found


def _size(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def _ratio(value: float) -> str:
    return f"{value:.2f}×"


def ratio_in(text: str) -> float | None:
    """The first "1.23×" (or "1,23×") of a cell."""
    found = re.search(r"(\d+(?:[.,]\d+)?)×", text)
    return float(found.group(1).replace(",", ".")) if found else None


def _seconds(cell: str) -> float:
    return float(cell.split(maxsplit=1)[0].replace(",", ""))


def _count(cell: str) -> int:
    return int(cell.replace(".", ""))


def _records_goal(count: int) -> float:
    """facts compute: 1,2× at 20M records and below, 1,1× at 100M."""
    return 1.1 if count >= 100_000_000 else 1.2


FACTS_PEAK_MIB = 4096
INGEST_PEAK_MIB = 2048
IMPORT_PEAK_MIB = 1024


def from_rows(name: str, figures: Any) -> list[Verdict]:
    """A benchmark's figures as verdicts: a list of `Verdict` as is, the tables of the older
    modules (facts_compute, facts_ingest, import_workbook) read by their columns, with the
    growth verdict of each series."""
    if isinstance(figures, list) and figures and all(isinstance(f, Verdict) for f in figures):
        return figures
    rows: list[list[str]] = figures if isinstance(figures, list) else []
    readers = {"facts_compute": _facts_compute, "facts_ingest": _facts_ingest,
               "import_workbook": _import_workbook}  # fmt: skip
    out = readers[name](rows) if name in readers and rows else []
    return out or [Verdict("(no figures returned for the summary)", "—", "—", None)]


def _facts_compute(rows: list[list[str]]) -> list[Verdict]:
    """rows: records | baseline wall, cpu, peak | chiso wall, cpu, peak | ratio wall, cpu | spark"""
    out = []
    for row in rows:
        goal, cpu, wall = _records_goal(_count(row[0])), ratio_in(row[8]), ratio_in(row[7])
        peak = _seconds(row[6])
        out.append(
            Verdict(
                f"facts compute, {row[0]} records (CPU, whole process)",
                f"{row[8]} CPU ({wall:.2f}× wall), {row[6]}" if wall else row[8],
                f"≤ {goal}×, < 4 GiB",
                None if cpu is None else cpu <= goal and peak < FACTS_PEAK_MIB,
            )
        )
    points = [(float(_count(r[0])), _seconds(r[5])) for r in rows]
    return out + growth("facts compute CPU", "records", points)


def _facts_ingest(rows: list[list[str]]) -> list[Verdict]:
    """rows: records | COPY s, MiB | chiso s, MiB, ratio | again s, MiB, ratio"""
    out = []
    for row in rows:
        first, again = ratio_in(row[5]), ratio_in(row[8])
        peak = max(_seconds(row[4]), _seconds(row[7]))
        out.append(
            Verdict(
                f"facts ingest, {row[0]} records (first / again)",
                f"{row[5]} / {row[8]}, {peak:,.0f} MiB",
                "≤ 2× the COPY, < 2 GiB",
                None
                if first is None or again is None
                else max(first, again) <= 2 and peak < INGEST_PEAK_MIB,
            )
        )
    return out


def _import_workbook(rows: list[list[str]]) -> list[Verdict]:
    """rows: backend | units | first s, ratio | again s, ratio | peak | read"""
    out = []
    for row in rows:
        first, again = ratio_in(row[3]), ratio_in(row[5])
        peak = _seconds(row[6])
        out.append(
            Verdict(
                f"import workbook, {row[0]}, {row[1]} units (first / again)",
                f"{row[3].split(maxsplit=1)[0]} / {row[5].split(maxsplit=1)[0]}, "
                f"{row[6].split(' (')[0]}",
                "≤ 10× / ≤ 5× the read, < 1 GiB",
                None
                if first is None or again is None
                else first <= 10 and again <= 5 and peak < IMPORT_PEAK_MIB,
            )
        )
    for backend in dict.fromkeys(r[0] for r in rows):
        mine = [r for r in rows if r[0] == backend]
        for label, column in (("first import", 2), ("import again", 4)):
            points = [(float(_count(r[1])), _seconds(r[column])) for r in mine]
            out += growth(f"{label}, {backend}", "units", points)
    return out


def table(rows: list[tuple[str, Verdict]]) -> str:
    """The summary table, one line per goal, in the order the benchmarks ran."""
    heads = ("benchmark", "goal", "measured", "target", "met")
    cells = [
        (name, v.goal, v.measured, v.target, "—" if v.met is None else ("yes" if v.met else "NO"))
        for name, v in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)
