"""What each benchmark returns for `make bench`'s closing table: one row per goal of issue 16,
with the figure measured in this run, the goal and whether it is met."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    goal: str
    measured: str
    """As measured in this run (a ratio against its baseline, or a time where the goal is one)."""
    target: str
    met: bool | None
    """None: measured, but the goal is a trend a reader judges (no threshold)."""


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
