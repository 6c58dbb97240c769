"""The map page's data, drawn by the server as SVG: each unit with its own coordinates is a
labelled symbol that links to its page, coloured and sized by the ranking's own bands; units
without a place of their own (departments sit at the province's seat), or sharing one point with
another unit, are a ranked bar chart beside the map instead of a pile of dots on one point.

No registry package ships boundaries of the 2025 units (docs/map.md), so there are no shapes:
positions are the units' centroids, projected equirectangularly around the province's middle
latitude. Every figure comes from the one ranking table of the period."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace

from chiso.domain.periods import Period
from chiso.domain.ranking_table import RankingRow, band
from chiso.services.dashboard import pages
from chiso.services.runtime import Runtime
from chiso.store import units_repo

WIDTH = 760.0
PAD = 28.0
LABEL_ROOM = 90.0
"""Room on the right for the labels of the easternmost units."""
RADIUS = {"low": 9.0, "mid": 7.0, "high": 5.5}
"""Units under the lower band are drawn biggest: the map is read to find who lags."""
BAND_NAMES = {"low": "thấp", "mid": "trung bình", "high": "cao"}


@dataclass(frozen=True)
class Mark:
    """One unit on the map (x, y, r in the SVG's units) or in the bar chart (x, y unused)."""

    key: str
    name: str
    label: str
    group_name: str
    index: float | None
    rank: int | None
    tied: bool
    band: str | None
    x: float = 0.0
    y: float = 0.0
    r: float = 0.0


@dataclass(frozen=True)
class MapView:
    ranking: pages.Ranking
    width: float
    height: float
    placed: list[Mark]
    """Units at their own coordinates, drawn as symbols (laggards last, so on top)."""
    listed: list[Mark]
    """Units without a place of their own, best index first (the bar chart)."""
    without_index: list[Mark]
    """Units of the ranking with no index this period (named, not drawn)."""
    legend: tuple[float, ...]


def short_label(name: str) -> str:
    """ "Xã Xuân Lộc" → "Xuân Lộc"; "Sở Y tế" stays as it is."""
    for prefix in ("Xã ", "Phường ", "Thị trấn ", "Đặc khu "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def map_view(rt: Runtime, framework_id: str, period: Period) -> MapView | None:
    """None when there is nothing ranked for the period; made once per data stamp (the units'
    coordinates are units' data)."""
    return pages.cached(
        rt, ("map", framework_id, period), lambda: _map_view(rt, framework_id, period)
    )


def _map_view(rt: Runtime, framework_id: str, period: Period) -> MapView | None:
    ranking = pages.ranking(rt, framework_id, period)
    if ranking is None:
        return None
    rows = ranking.rows()
    with rt.db.transaction() as session:
        units = units_repo.by_keys(session, [r.unit_code for r in rows])
    own = {
        key: (u.latitude, u.longitude)
        for key, u in units.items()
        if u.latitude is not None and u.longitude is not None
    }
    shared = Counter(own.values())
    legend = ranking.framework.legend
    placed_rows, listed, without = [], [], []
    for r in rows:
        mark = _mark(r, legend)
        if r.total.index is None:
            without.append(mark)
        elif r.unit_code in own and shared[own[r.unit_code]] == 1:
            placed_rows.append(r)
        else:
            listed.append(mark)
    listed.sort(key=lambda m: (-(m.index or 0.0), m.rank or 0, m.name))
    width, height, placed = _project(placed_rows, own, legend)
    return MapView(ranking, width, height, placed, listed, without, legend)


def _mark(r: RankingRow, legend: tuple[float, ...]) -> Mark:
    t = r.total
    return Mark(
        r.unit_code,
        r.unit_name,
        short_label(r.unit_name),
        r.group_name,
        t.index,
        t.rank,
        t.tied,
        band(t.index, legend),
    )


def _project(
    rows: list[RankingRow],
    places: dict[str, tuple[float, float]],
    legend: tuple[float, ...],
) -> tuple[float, float, list[Mark]]:
    if not rows:
        return WIDTH, 0.0, []
    lats = [places[r.unit_code][0] for r in rows]
    lons = [places[r.unit_code][1] for r in rows]
    squeeze = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = max((max(lons) - min(lons)) * squeeze, 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    scale = (WIDTH - 2 * PAD - LABEL_ROOM) / span_x
    height = min(max(span_y * scale + 2 * PAD, 240.0), 1100.0)
    scale = min(scale, (height - 2 * PAD) / span_y)
    marks = []
    for r in rows:
        lat, lon = places[r.unit_code]
        base = _mark(r, legend)
        x = PAD + (lon - min(lons)) * squeeze * scale
        y = PAD + (max(lats) - lat) * scale
        radius = RADIUS.get(base.band or "", 5.0)
        marks.append(replace(base, x=round(x, 1), y=round(y, 1), r=radius))
    order = {"high": 0, "mid": 1, "low": 2}
    marks.sort(key=lambda m: order.get(m.band or "", 0))
    return WIDTH, round(height, 1), marks
