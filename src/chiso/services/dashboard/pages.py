"""What the web pages show: the overview of a period, rankings, a unit's page, an indicator's page."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from sqlalchemy import select

from chiso.domain import grouping
from chiso.domain.comparison import Change, compare
from chiso.domain.evaluation import Evaluation, UnitResult
from chiso.domain.findings import Findings, analyse
from chiso.domain.frameworks import TOTAL, Framework
from chiso.domain.periods import Granularity, Period
from chiso.domain.scoring import Value, raw_value
from chiso.domain.uncertainty import RankInterval, UncertaintySettings, rank_intervals
from chiso.services.runtime import Runtime
from chiso.services.scoring import dataset as report_data
from chiso.services.scoring import frameworks
from chiso.services.scoring.dataset import Source
from chiso.services.units import catalogue as units
from chiso.services.values import exchange as values_files
from chiso.store import values_repo
from chiso.store.models import IndicatorValue

T = TypeVar("T")

USAGE = "platform-usage"
_CACHE: dict[tuple[Any, ...], Any] = {}
_CACHE_SIZE = 64
_LOCKS: dict[tuple[Any, ...], threading.Lock] = {}


def _cached(rt: Runtime, framework_id: str, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """Page data recomputed only when the framework's values changed (many readers, few writers);
    concurrent first requests wait for one computation instead of each doing it."""
    with rt.db.transaction() as session:
        stamp = values_repo.version(session, framework_id)
    full = (rt.db.url, framework_id, stamp, *key)
    with _LOCKS.setdefault(key, threading.Lock()):
        if full not in _CACHE:
            if len(_CACHE) >= _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[full] = compute()
        return cast(T, _CACHE[full])


STRONG = 0.8
"""An indicator at 80% of its maximum or more is a strength of the unit; below, a weakness."""


def periods(rt: Runtime, framework_id: str, granularity: Granularity | None = None) -> list[Period]:
    with rt.db.transaction() as session:
        found = [Period.parse(p) for p in values_repo.periods_with_values(session, framework_id)]
    if granularity is not None:
        found = [p for p in found if p.granularity is granularity]
    return sorted(found, key=lambda p: (p.start, p.granularity.months))


def latest(
    rt: Runtime, framework_id: str, granularity: Granularity | None = Granularity.MONTH
) -> Period | None:
    found = periods(rt, framework_id, granularity)
    return found[-1] if found else None


@dataclass
class Card:
    findings: Findings
    trend: list[tuple[str, float | None]]
    target_met: int


@dataclass
class Overview:
    period: Period
    cards: list[Card]
    laggards: list[tuple[str, str, float]]
    improvements: list[tuple[str, str, float, float]]
    expected: int
    reported: int
    missing: list[str] = field(default_factory=list)


def overview(rt: Runtime, period: Period) -> Overview:
    return _cached(rt, USAGE, ("overview", str(period)), lambda: _overview(rt, period))


def _overview(rt: Runtime, period: Period) -> Overview:
    months = [period.shifted(-i) for i in reversed(range(6))]
    data = report_data.load(rt, Source(USAGE), months)
    earlier = period.previous() if period.previous() in data.values else None
    cards, laggards, gains = [], [], []
    for node in data.framework.leaves():
        if node.code not in data.values.get(period, {}) or node.input not in report_data.KINDS:
            continue
        indicator = data.indicator(node.code)
        current = data.figures(node.code, period, [])
        found = analyse(indicator, current, data.figures(node.code, earlier, []) if earlier else [])
        trend = [
            (str(m), analyse(indicator, data.figures(node.code, m, [])).overall)
            for m in months
            if node.code in data.values.get(m, {})
        ]
        met = (
            found.reported - len(found.below)
            if found.threshold is not None
            else found.reported - len(found.not_done)
        )
        cards.append(Card(found, trend, met))
        laggards += [(u.name, indicator.name, u.value or 0.0) for u in found.below[:3]]
        gains += [
            (new.name, indicator.name, old.value or 0.0, new.value or 0.0)
            for old, new in found.improved[:3]
        ]
    status = values_files.completeness(rt, USAGE, str(period))
    missing = [r.unit_name for r in status if r.status == "missing"]
    return Overview(
        period, cards, laggards[:12], gains[:12], len(status), len(status) - len(missing), missing
    )


@dataclass
class Ranking:
    framework: Framework
    period: Period
    evaluation: Evaluation
    group_names: dict[str, str]
    changes: dict[tuple[str, str], Change]
    intervals: dict[str, RankInterval]

    def rows(self, group: str | None) -> list[UnitResult]:
        chosen = [r for r in self.evaluation.results if group in (None, r.unit.group)]
        return sorted(chosen, key=lambda r: (r.unit.group, r.ranks.get(TOTAL, 10**9), r.unit.name))


def ranking(rt: Runtime, framework_id: str, period: Period, draws: int = 300) -> Ranking:
    return _cached(
        rt,
        framework_id,
        ("ranking", str(period), draws),
        lambda: _ranking(rt, framework_id, period, draws),
    )


def _ranking(rt: Runtime, framework_id: str, period: Period, draws: int) -> Ranking:
    framework = frameworks.resolve(rt, framework_id)
    data = report_data.load(rt, Source(framework.id), [period, period.previous()])
    current = report_data.evaluation(data, period)
    changes = (
        compare(current, report_data.evaluation(data, period.previous()))
        if period.previous() in data.values
        else {}
    )
    intervals = (
        rank_intervals(current, UncertaintySettings(draws=draws, top_k=3))
        if current.results and draws
        else {}
    )
    return Ranking(framework, period, current, grouping.group_names(framework), changes, intervals)


@dataclass
class UnitPage:
    detail: units.UnitDetail
    history: list[tuple[str, str, float | None]]
    """(period, indicator name, value) for the platform-usage indicators."""
    latest: Period | None
    strengths: list[tuple[str, float]]
    weaknesses: list[tuple[str, float]]
    versus_group: list[tuple[str, float | None, float | None]]


def unit_page(rt: Runtime, key: str) -> UnitPage:
    detail = units.show_unit(rt, key)
    framework = frameworks.resolve(rt, USAGE)
    with rt.db.transaction() as session:
        unit = units.resolve(session, detail.unit.key)
        stored = list(
            session.scalars(
                select(IndicatorValue).where(
                    IndicatorValue.unit_id == unit.id, IndicatorValue.framework_id == USAGE
                )
            )
        )
    history = []
    for v in sorted(stored, key=lambda v: (Period.parse(v.period).start, v.indicator)):
        node = framework.node(v.indicator)
        if node is not None and Period.parse(v.period).granularity is Granularity.MONTH:
            value = raw_value(
                node, Value(v.number, v.numerator, v.denominator, v.text, v.index_value)
            )
            shown = (
                value * 100
                if value is not None
                and node.input is not None
                and node.input.value in ("rate", "yes_no")
                else value
            )
            history.append((v.period, node.name, shown))
    last = max(
        (
            Period.parse(v.period)
            for v in stored
            if Period.parse(v.period).granularity is Granularity.MONTH
        ),
        default=None,
        key=lambda p: p.start,
    )
    strengths, weaknesses, versus = [], [], []
    if last is not None:
        ranking_ = ranking(rt, USAGE, last, draws=0)
        mine = next(
            (r for r in ranking_.evaluation.results if r.unit.code == detail.unit.key), None
        )
        if mine is not None:
            peers = [r for r in ranking_.evaluation.results if r.unit.group == mine.unit.group]
            for node in framework.leaves():
                own = mine.scores[node.code].index
                others = [x for x in (r.scores[node.code].index for r in peers) if x is not None]
                versus.append((node.name, own, sum(others) / len(others) if others else None))
            scored = sorted(
                ((name, own) for name, own, _ in versus if own is not None), key=lambda x: x[1]
            )
            weaknesses = [item for item in scored if item[1] < STRONG][:3]
            strengths = [item for item in reversed(scored) if item[1] >= STRONG][:3]
    return UnitPage(detail, history, last, strengths, weaknesses, versus)


def coordinates(rt: Runtime, keys: list[str]) -> dict[str, tuple[float, float]]:
    """Latitude and longitude of units that have them (departments take their province's)."""
    from chiso.store.models import Unit

    with rt.db.transaction() as session:
        out = {}
        for unit in session.scalars(select(Unit).where(Unit.key.in_(keys))):
            place = unit if unit.latitude is not None else unit.parent
            if place is not None and place.latitude is not None and place.longitude is not None:
                out[unit.key] = (place.latitude, place.longitude)
        return out


def framework_leaves(rt: Runtime, framework_id: str) -> list[tuple[str, str]]:
    framework = frameworks.resolve(rt, framework_id)
    return [(n.code, n.name) for n in framework.leaves()]


@dataclass
class IndicatorPage:
    code: str
    name: str
    kind: str
    period: Period
    findings: Findings
    distribution: list[tuple[str, str, float]]
    """(unit, group, value) for every unit with a value."""
    trend: list[tuple[str, float | None]]


def indicator_page(
    rt: Runtime, code: str, period: Period, framework_id: str = USAGE
) -> IndicatorPage:
    return _cached(
        rt,
        framework_id,
        ("indicator", code, str(period)),
        lambda: _indicator_page(rt, code, period, framework_id),
    )


def _indicator_page(rt: Runtime, code: str, period: Period, framework_id: str) -> IndicatorPage:
    months = [period.shifted(-i) for i in reversed(range(12))]
    data = report_data.load(rt, Source(framework_id), months)
    indicator = data.indicator(code)
    current = data.figures(code, period, [])
    found = analyse(
        indicator,
        current,
        data.figures(code, period.previous(), []) if period.previous() in data.values else [],
    )
    trend = [
        (str(m), analyse(indicator, data.figures(code, m, [])).overall)
        for m in months
        if code in data.values.get(m, {})
    ]
    spread = sorted(
        ((u.name, u.group, u.value) for u in current if u.value is not None), key=lambda x: x[2]
    )
    return IndicatorPage(code, indicator.name, indicator.kind, period, found, spread, trend)
