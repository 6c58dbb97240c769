"""Charts for pages, drawn as SVG from Python: this module turns a chart's data into positions
and labels (a `Chart`), the `chart.html` macro draws them, as the map page is drawn. No chart
engine runs at a view (vl-convert took 50–150 ms a chart, most of a cold unit page's time; the
documents keep it for their PNG), no chart script is served, the CSP needs no 'unsafe-eval'.

What the charts show and how they read is what the Vega-Lite charts showed: Vietnamese numbers
(31,14 · 1.000), rates on 0–100 % and counts from zero with nice ticks, the target as a dashed
green rule, period labels thinned so that none overlaps, months without a value as gaps, a
histogram's bins (Vega's binning) stacked by group in Vega's palette with its legend."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from chiso.domain.formatting import number

FONT_SIZE = 13
"""Axis and legend text at the drawn width: a chart scaled to a 390 px screen keeps it near 10 px."""
NARROW = frozenset(".,:;/|!'ilIjtf()[] ")
"""Characters about half a digit wide in sans-serif."""
PALETTE = (
    "#4c78a8",
    "#f58518",
    "#e45756",
    "#72b7b2",
    "#54a24b",
    "#eeca3b",
    "#b279a2",
    "#ff9da6",
    "#9d755d",
    "#bab0ac",
)
"""Vega's `tableau10`, the colours the groups had."""
TICK = 5.0
LABEL_GAP = 3.0


@dataclass(frozen=True)
class Tick:
    at: float
    """Position along its axis, in the plot's coordinates."""
    label: str


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class Key:
    """One entry of a legend, at (x, y) of the whole chart."""

    x: float
    y: float
    colour: str
    label: str
    """The name as drawn: shortened with "…" to the chart's width (the whole name is `title`)."""
    title: str


@dataclass(frozen=True)
class Chart:
    """A drawn chart: the whole size (the SVG's viewBox), the plot's box inside it, its axes,
    and the marks in the plot's coordinates (0, 0 at the plot's top left)."""

    width: float
    height: float
    left: float
    top: float
    plot_width: float
    plot_height: float
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    x_title: str = ""
    y_title: str = ""
    y_title_x: float = 0.0
    """Where the y axis's title is centred, left of the plot (the plot's coordinates)."""
    x_title_y: float = 0.0
    lines: list[str] = field(default_factory=list)
    """Path data of the line's pieces (a month without a value breaks it)."""
    dots: list[Dot] = field(default_factory=list)
    target: float | None = None
    """The target's height in the plot, drawn as a dashed rule."""
    bars: list[Bar] = field(default_factory=list)
    legend_title: str = ""
    legend_y: float = 0.0
    legend: list[Key] = field(default_factory=list)


def text_width(text: str) -> float:
    """A label's width in sans-serif at `FONT_SIZE`, a little generous (digits are 0,556 em in
    Arial, Helvetica and Liberation Sans): labels are thinned by it, so an estimate too small
    would let them overlap."""
    return sum(0.29 if c in NARROW else 0.58 if c.isdigit() else 0.62 for c in text) * FONT_SIZE


def fitted(text: str, room: float) -> str:
    """`text`, or its start and "…" when it is wider than `room`: a long group or unit name
    would otherwise run past the chart's edge and be cut off."""
    if text_width(text) <= room:
        return text
    cut = text
    while cut and text_width(cut + "…") > room:
        cut = cut[:-1]
    return cut.rstrip() + "…"


def nice_step(span: float, count: int) -> float:
    """d3's tick increment: 1, 2 or 5 times a power of ten, near `span / count`."""
    raw = span / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    error = raw / power
    for factor, above in ((10, 50), (5, 10), (2, 2)):
        if error >= math.sqrt(above):
            return factor * power
    return power


def _ticks(low: float, high: float, step: float) -> list[float]:
    first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    return [round(i * step, 10) for i in range(first, last + 1)]


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0


def _thinned(positions: Sequence[float], labels: Sequence[str]) -> list[Tick]:
    """Every label, or every second, third… from the first: the smallest regular stride at
    which no centred label reaches the next one kept (a label per 4 months on a unit's chart)."""
    for stride in range(1, len(labels) + 1):
        kept = [
            Tick(at, label) for at, label in list(zip(positions, labels, strict=True))[::stride]
        ]
        if all(
            a.at + text_width(a.label) / 2 + LABEL_GAP <= b.at - text_width(b.label) / 2
            for a, b in itertools.pairwise(kept)
        ):
            return kept
    return []


def _left_margin(labels: Sequence[str], title: str) -> float:
    widest = max((text_width(label) for label in labels), default=0.0)
    return TICK + 2 + widest + (FONT_SIZE + 6 if title else 0) + 4


def line_chart(
    points: Sequence[tuple[str, str, float | None]],
    *,
    share: bool,
    unit: str = "",
    target: float | None = None,
    width: float = 300,
    height: float = 90,
    tick_count: int = 4,
) -> Chart:
    """A value over the months: `points` are (axis label "10/2026", the month as read in a
    tooltip "tháng 10/2026", the value in percent for a share, else as counted, None missing).
    A share's scale is 0–100 with the target (percent) as a rule; a count's starts at zero."""
    known = [v for _, _, v in points if v is not None]
    bottom = 0.0
    if share:
        top_value, step = 100.0, nice_step(100.0, tick_count)
    else:
        most, least = max([0.0, *known]), min([0.0, *known])
        span = most - least
        step = max(nice_step(span, tick_count), 1.0) if span > 0 else 1.0
        top_value = max(math.ceil(most / step - 1e-9) * step, step)
        bottom = math.floor(least / step + 1e-9) * step
    y_values = _ticks(bottom, top_value, step)
    y_labels = [number(v, _decimals(step)) for v in y_values]
    y_title = "%" if share else unit
    left = _left_margin(y_labels, y_title)

    def y_at(value: float) -> float:
        return round(height - (value - bottom) / (top_value - bottom) * height, 2)

    count = len(points)
    band = width / max(count, 1)
    xs = [round(band * (i + 0.5), 2) for i in range(count)]
    lines: list[list[str]] = []
    dots: list[Dot] = []
    piece: list[str] = []
    for x, (_, month, value) in zip(xs, points, strict=True):
        if value is None:
            if piece:
                lines.append(piece)
            piece = []
            continue
        y = y_at(min(max(value, 0.0), top_value) if share else value)
        piece.append(f"{x},{y}")
        shown = f"{number(value)}%" if share else f"{number(value)} {unit}".strip()
        dots.append(Dot(x, y, f"{month}: {shown}"))
    if piece:
        lines.append(piece)
    return Chart(
        width=round(left + width + 12, 2),
        height=round(11 + height + TICK + FONT_SIZE + 8, 2),
        left=round(left, 2),
        top=11.0,
        plot_width=width,
        plot_height=height,
        x_ticks=_thinned(xs, [label for label, _, _ in points]),
        y_ticks=[Tick(y_at(v), label) for v, label in zip(y_values, y_labels, strict=True)],
        y_title=fitted(y_title, height),
        y_title_x=round(-left + FONT_SIZE, 2),
        lines=["M" + "L".join(p) for p in lines],
        dots=dots,
        target=None if target is None or not share else y_at(min(max(target, 0.0), 100.0)),
    )


def bins(low: float, high: float, maxbins: int = 20) -> tuple[float, float, float]:
    """Vega's binning of an extent (start, stop, step): a step of 1, 2 or 5 times a power of ten
    giving at most `maxbins` bins, the extent widened to whole steps."""
    span = (high - low) or abs(low) or 1.0
    level = math.ceil(math.log10(maxbins))
    step = 10 ** (round(math.log10(span)) - level)
    while math.ceil(span / step) > maxbins:
        step *= 10
    for divide in (5, 2):
        if span / (step / divide) <= maxbins:
            step /= divide
    v = math.log(step)
    precision = 0 if v >= 0 else int(-v / math.log(10)) + 1
    eps = 10 ** (-precision - 1)
    nice = math.floor(low / step + eps) * step
    start = nice - step if low < nice else nice
    stop = math.ceil(high / step) * step
    return start, stop if stop != start else start + step, step


def histogram(
    values: Sequence[tuple[str, float]],
    *,
    x_title: str,
    percent: bool,
    y_title: str = "Số đơn vị",
    legend_title: str = "Nhóm",
    width: float = 520,
    height: float = 200,
) -> Chart:
    """How many units fall in each bin of values, stacked by group (the first group on top, as
    the legend lists them), with a legend of the groups below."""
    groups = sorted({g for g, _ in values})
    colour = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}
    found = [v for _, v in values]
    low, high = min(found, default=0.0), max(found, default=1.0)
    if low == high:
        # Every unit at one value (all at 100 %, all at 0 meetings): placed on the whole scale
        # (counts in bins of one), not in a bin 0,05 wide or one reading "100–105%".
        if percent and 0 <= low <= 100:
            low, high = 0.0, 100.0
        else:
            low = min(0.0, low)
            high = max(high, low + 20)
    start, stop, step = bins(low, high)
    count = max(1, round((stop - start) / step))
    counts = [dict.fromkeys(groups, 0) for _ in range(count)]
    for group, value in values:
        clamped = max(start, min(value, stop - step))
        index = min(count - 1, math.floor(1e-14 + (clamped - start) / step))
        counts[index][group] += 1
    most = max((sum(c.values()) for c in counts), default=0)
    y_step = max(nice_step(most, math.ceil(height / 40)), 1.0) if most else 1.0
    y_top = max(math.ceil(most / y_step - 1e-9) * y_step, y_step)
    y_values = _ticks(0.0, y_top, y_step)
    y_labels = [number(v, 0) for v in y_values]
    left = _left_margin(y_labels, y_title)

    def x_at(value: float) -> float:
        return round((value - start) / (stop - start) * width, 2)

    def y_at(value: float) -> float:
        return round(height - value / y_top * height, 2)

    bars = []
    unit = "%" if percent else ""
    decimals = _decimals(step)
    for i, in_bin in enumerate(counts):
        low, high = start + i * step, start + (i + 1) * step
        span = f"{number(low, decimals)}–{number(high, decimals)}{unit}"
        below = 0
        for group in reversed(groups):
            n = in_bin[group]
            if not n:
                continue
            y0, y1 = y_at(below), y_at(below + n)
            bars.append(
                Bar(
                    x_at(low),
                    y1,
                    round(x_at(high) - x_at(low) - 1, 2),
                    round(y0 - y1, 2),
                    colour[group],
                    f"{group}, {span}: {n} đơn vị",
                )
            )
            below += n
    x_step = nice_step(stop - start, 10)
    x_values = _ticks(start, stop, x_step)
    x_ticks = [Tick(x_at(v), number(v, _decimals(x_step))) for v in x_values]
    x_title_y = height + TICK + 2 * FONT_SIZE + 10
    legend_y = 11 + x_title_y + FONT_SIZE + 18
    row = FONT_SIZE + 8
    room = width - 18
    legend = [
        Key(left, legend_y + 8 + i * row, colour[g], fitted(g, room), g)
        for i, g in enumerate(groups)
    ]
    return Chart(
        width=round(left + width + 14, 2),
        height=round(legend_y + 8 + len(groups) * row + 4, 2),
        left=round(left, 2),
        top=11.0,
        plot_width=width,
        plot_height=height,
        x_ticks=x_ticks,
        y_ticks=[Tick(y_at(v), label) for v, label in zip(y_values, y_labels, strict=True)],
        x_title=x_title,
        x_title_y=round(x_title_y, 2),
        y_title=fitted(y_title, height),
        y_title_x=round(-left + FONT_SIZE, 2),
        bars=bars,
        legend_title=legend_title,
        legend_y=round(legend_y, 2),
        legend=legend,
    )
