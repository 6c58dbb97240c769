"""What the web pages show: the overview of a period, rankings, a unit's page, an indicator's page.
Each is computed once per data stamp and kept in the runtime's page cache."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TypeVar

from chiso.domain import grouping
from chiso.domain.evaluation import Evaluation
from chiso.domain.findings import Findings, analyse
from chiso.domain.frameworks import Framework, InputKind
from chiso.domain.periods import Granularity, Period
from chiso.domain.ranking_table import RankingRow, RankingTable
from chiso.domain.scoring import Value, raw_value, target_of
from chiso.domain.text import fold
from chiso.domain.units import Unit
from chiso.domain.values import StoredValue
from chiso.errors import UsageError
from chiso.services import stamps
from chiso.services.accounts.actors import ensure_reaches, reaches
from chiso.services.runtime import Runtime
from chiso.services.scoring import dataset, evaluations, frameworks
from chiso.services.scoring.dataset import DataSource
from chiso.services.scoring.evaluations import EvaluationReport
from chiso.services.units.catalogue import UnitDetail, show_unit
from chiso.services.values.reporting import completeness
from chiso.store import units_repo, values_repo

T = TypeVar("T")

USAGE = "platform-usage"
STAMPED = evaluations.STAMPED
"""What pages are computed from: values, units with their groups, registered frameworks."""
CHART_MONTHS = 24
"""A unit page's chart shows the newest 24 months with values: its cost does not grow with history."""
STRONG = 0.8
"""An indicator at 80% of its maximum or more is a strength of the unit; below, a weakness."""


def cached(rt: Runtime, key: Hashable, compute: Callable[[], T]) -> T:
    """The page data for the current data stamp (`stamps`)."""
    return stamps.cached(rt, key, compute)


def periods(rt: Runtime, framework_id: str, granularity: Granularity | None = None) -> list[Period]:
    """The periods with values, read once per data stamp (not a DISTINCT over every value per
    request)."""
    return list(_periods_of(rt, framework_id, granularity))


def _periods_of(
    rt: Runtime, framework_id: str, granularity: Granularity | None
) -> tuple[Period, ...]:
    """Those of one granularity picked once per stamp too: every view asks for the newest month,
    and a walk over every period with values at each view grows with the history."""
    every = cached(rt, ("periods", framework_id, None), lambda: _periods(rt, framework_id))
    if granularity is None:
        return every
    key = ("periods", framework_id, granularity)
    return cached(rt, key, lambda: tuple(p for p in every if p.granularity is granularity))


def _periods(rt: Runtime, framework_id: str) -> tuple[Period, ...]:
    with rt.db.transaction() as session:
        return tuple(values_repo.periods_with_values(session, framework_id))


def choices(rt: Runtime, framework_id: str) -> list[Period]:
    """The periods a page offers, in time order: those with values and the quarters, halves and
    years around them, whose values are rolled up from the months on demand (a province that
    collects months still picks "Quý III/2026")."""
    return list(cached(rt, ("choices", framework_id), lambda: _choices(rt, framework_id)))


def _choices(rt: Runtime, framework_id: str) -> tuple[Period, ...]:
    found = set(periods(rt, framework_id))
    longer = (Granularity.QUARTER, Granularity.HALF, Granularity.YEAR)
    found |= {
        p.enclosing(g) for p in list(found) for g in longer if g.months > p.granularity.months
    }
    return tuple(sorted(found, key=lambda p: (p.start, p.granularity.months)))


def latest(
    rt: Runtime, framework_id: str, granularity: Granularity | None = Granularity.MONTH
) -> Period | None:
    found = _periods_of(rt, framework_id, granularity)
    return found[-1] if found else None


@dataclass
class Card:
    findings: Findings
    trend: list[tuple[str, float | None]]
    previous: float | None = None
    """The overall figure of the compared period ("so với"), when it has one."""


@dataclass(frozen=True)
class Standing:
    """One unit on one indicator, for the overview's lists; `before` is the compared period's
    value (rates as fractions)."""

    key: str
    name: str
    indicator_code: str
    indicator: str
    value: float
    before: float | None = None

    @property
    def change(self) -> float:
        return self.value - (self.before if self.before is not None else self.value)


@dataclass
class Overview:
    period: Period
    cards: list[Card]
    laggards: list[Standing]
    """The ten lowest figures across all units and rate indicators, below their target."""
    improvements: list[Standing]
    expected: int
    reported: int
    missing: list[str] = field(default_factory=list)
    drops: list[Standing] = field(default_factory=list)
    """The ten biggest falls against the compared period across all units."""
    compared: Period | None = None


def overview(rt: Runtime, period: Period, compared: Period | None = None) -> Overview:
    return cached(
        rt,
        ("overview", str(period), str(compared)),
        lambda: _overview(rt, period, compared),
    )


def _overview(rt: Runtime, period: Period, compared: Period | None = None) -> Overview:
    months = [period.shifted(-i) for i in reversed(range(6))]
    wanted = months + ([compared] if compared is not None and compared not in months else [])
    data = dataset.load(rt, DataSource(USAGE), wanted, windowed=False)
    if compared is None or compared not in data.values:
        compared = period.previous() if period.previous() in data.values else None
    cards: list[Card] = []
    laggards: list[Standing] = []
    gains: list[Standing] = []
    drops: list[Standing] = []
    for node in data.framework.leaves():
        if node.code not in data.values.get(period, {}) or node.input not in dataset.KINDS:
            continue
        indicator = data.indicator(node.code)
        current = data.figures(node.code, period, [])
        before = data.figures(node.code, compared, []) if compared else []
        found = analyse(indicator, current, before)
        trend = [
            (str(m), analyse(indicator, data.figures(node.code, m, [])).overall)
            for m in months
            if node.code in data.values.get(m, {})
        ]
        previous = analyse(indicator, before).overall if before else None
        cards.append(Card(found, trend, previous))
        if indicator.kind is not InputKind.RATE:
            continue
        earlier = {u.key: u.value for u in before if u.value is not None}
        laggards += [
            Standing(u.key, u.name, node.code, indicator.name, u.value, earlier.get(u.key))
            for u in found.below
            if u.value is not None
        ]
        for u in current:
            old = earlier.get(u.key)
            if u.value is None or old is None or u.value == old:
                continue
            standing = Standing(u.key, u.name, node.code, indicator.name, u.value, old)
            (gains if u.value > old else drops).append(standing)
    status = completeness(rt, USAGE, str(period))
    missing = [r.unit_name for r in status if r.status == "missing"]
    laggards.sort(key=lambda s: (s.value, s.name))
    gains.sort(key=lambda s: (-s.change, s.name))
    drops.sort(key=lambda s: (s.change, s.name))
    return Overview(
        period,
        cards,
        laggards[:10],
        gains[:10],
        len(status),
        len(status) - len(missing),
        missing,
        drops[:10],
        compared,
    )


@dataclass
class Ranking:
    """The ranking page's data: the one evaluation report of the framework and period."""

    framework: Framework
    period: Period
    report: EvaluationReport

    @property
    def evaluation(self) -> Evaluation:
        return self.report.evaluation

    @property
    def table(self) -> RankingTable:
        return self.report.table

    @property
    def group_names(self) -> dict[str, str]:
        """The groups that have rows, ranked groups first (code → name)."""
        return dict(self.table.groups)

    def shown(self, group: str | None = None, all_groups: bool = False) -> RankingTable:
        """Only the ranked groups unless `all_groups` (or one group)."""
        return self.table.shown(all_groups, group)

    def rows(self, group: str | None = None, all_groups: bool = False) -> list[RankingRow]:
        return list(self.shown(group, all_groups).rows)


def ranking(rt: Runtime, framework_id: str, period: Period, draws: int = 300) -> Ranking | None:
    """None when no unit the framework evaluates has values for the period."""
    key = ("ranking", framework_id, str(period), draws)
    return cached(rt, key, lambda: _ranking(rt, framework_id, period, draws))


def _ranking(rt: Runtime, framework_id: str, period: Period, draws: int) -> Ranking | None:
    framework = frameworks.get(rt, framework_id)
    try:
        report = evaluations.evaluation_for(
            rt, framework.id, period, evaluations.Options(draws=draws, top_k=3)
        )
    except UsageError:
        return None
    return Ranking(framework, period, report)


@dataclass(frozen=True)
class Point:
    """One month of one platform-usage indicator on a unit's page."""

    period: str
    indicator: str
    value: float | None
    """As measured: rates and yes/no as fractions, counts as counts."""
    share: bool
    """Whether the value is a share (a rate or a yes/no) that reads in percent."""


@dataclass(frozen=True)
class IndicatorLine:
    """One indicator of a unit for a period: the value, the target, the rank in the unit's
    ranking group, the change since the previous period, and the months for its own chart."""

    code: str
    name: str
    kind: InputKind
    value: float | None
    """As measured: rates and yes/no as fractions, counts as counts."""
    stored: Value | None
    previous: float | None
    target: float | None
    """Fraction for rates (`target_of`)."""
    rank: int | None = None
    tied: bool = False
    ranked: int = 0
    """How many units of the group have a rank on the indicator."""
    history: tuple[Point, ...] = ()
    unit_label: str = ""
    """What a count counts ("cuộc họp"), from the framework; empty for rates."""
    rolled: bool = False
    """The value is rolled up from the months of the period ("cộng từ các tháng")."""

    @property
    def share(self) -> bool:
        return self.kind in {InputKind.RATE, InputKind.YES_NO}

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def meets_target(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target - 1e-12


@dataclass(frozen=True)
class ChildFigures:
    """A unit under the one shown (a province's commune or department), with its figures."""

    unit: Unit
    row: RankingRow | None
    """Its row of the period's ranking; None when the framework does not rank it then."""
    group: str = ""
    group_name: str = ""
    """Its ranking group (from its row, or from the framework's rules when it has none)."""


@dataclass
class UnitPage:
    detail: UnitDetail
    history: list[Point]
    latest: Period | None
    strengths: list[tuple[str, float]]
    weaknesses: list[tuple[str, float]]
    versus_group: list[tuple[str, float | None, float | None]]
    standing: RankingRow | None = None
    """The unit's row of the one ranking table of its latest month (rank, index, "thiếu số
    liệu"); None when the framework does not evaluate it (a roll-up parent…)."""
    indicators: list[IndicatorLine] = field(default_factory=list)
    ancestors: list[Unit] = field(default_factory=list)
    """The units above it the person reaches, the highest first (for the breadcrumbs)."""
    children: list[ChildFigures] = field(default_factory=list)
    """The units under it, with their figures for the period, ranked groups first."""
    periods: list[Period] = field(default_factory=list)
    """The months with values, newest first (the period picker)."""
    group_names: dict[str, str] = field(default_factory=dict)
    group_ranked: int = 0
    """How many units of the unit's ranking group have a rank."""
    shared: UnitPage | None = field(default=None, repr=False, compare=False)
    """The page as kept for the data stamp, for everyone (what rendered parts are kept beside);
    this one adds the caller's breadcrumbs."""


def unit_page(rt: Runtime, key: str, period: Period | None = None) -> UnitPage:
    """A unit's page for a month (its newest month with values unless one is chosen): what does
    not depend on who asks is computed once per data stamp and day; the scope check and the
    units above it that the caller may see, once per data stamp and scope."""
    found = unit_page_shared(rt, key, period)
    unit = found.detail.unit
    actor = rt.actor
    scope = ("above", unit.id, actor.role, actor.unit_id)
    ancestors = cached(rt, scope, lambda: _ancestors(rt, unit))
    return replace(found, ancestors=list(ancestors), shared=found)


def unit_page_shared(rt: Runtime, key: str, period: Period | None = None) -> UnitPage:
    """The part of a unit's page that does not depend on who asks (no scope check, no units
    above): what the background makes ahead for a unit whose values changed."""
    return cached(rt, ("unit", key, str(period), date.today()), lambda: _unit_page(rt, key, period))


def _ancestors(rt: Runtime, unit: Unit) -> tuple[Unit, ...]:
    """The units above `unit` the actor reaches, after refusing a unit out of their scope (a
    refusal is not kept: the scope check runs again at the next view)."""
    with rt.db.transaction() as session:
        ensure_reaches(session, rt.actor, unit)
        lineage = units_repo.lineage_ids(session, unit.id)[1:]
        above = units_repo.by_ids(session, lineage)
        return tuple(
            above[i] for i in reversed(lineage) if i in above and reaches(session, rt.actor, i)
        )


def _unit_page(rt: Runtime, key: str, period: Period | None) -> UnitPage:
    detail = show_unit(rt, key)
    framework = frameworks.get(rt, USAGE)
    months = periods(rt, USAGE, Granularity.MONTH)
    if period is not None and period.granularity is not Granularity.MONTH:
        months = [m for m in months if period.contains(m)]  # a year's chart: its months
    elif period is not None:
        months = [m for m in months if m.start <= period.start]
    window = months[-CHART_MONTHS:]
    scored: set[Period] = set()
    if period is not None:  # what the score of the period and of the one before reads
        scored = evaluations.parts(period) | evaluations.parts(period.previous())
    with rt.db.transaction() as session:
        stored = values_repo.values(
            session,
            USAGE,
            sorted(set(window) | scored, key=lambda p: (p.start, p.end)),
            unit_ids=[detail.unit.id],
        )
        children = units_repo.children(session, detail.unit.id)
    monthly = [
        v for v in stored if v.period.granularity is Granularity.MONTH and v.period in window
    ]
    history = []
    for v in sorted(monthly, key=lambda v: (v.period.start, v.indicator)):
        node = framework.node(v.indicator)
        if node is not None:
            share = node.input in {InputKind.RATE, InputKind.YES_NO}
            history.append(Point(str(v.period), node.name, raw_value(node, v.value), share))
    last = period or max((v.period for v in monthly), default=None, key=lambda p: p.start)
    page = UnitPage(detail, history, last, [], [], [])
    page.periods = list(reversed(periods(rt, USAGE, Granularity.MONTH)))
    if last is None:
        page.children = _children(framework, children, None)
        return page
    found = ranking(rt, framework.id, last)
    if found is not None:
        page.group_names = found.group_names
        _compare_with_group(found, framework, detail.unit.key, page)
    by_code: evaluations.Stored = defaultdict(dict)
    for v in stored:
        by_code[(v.unit_key, v.indicator)][v.period] = v.value
    key = detail.unit.key
    now = evaluations.period_values(framework, by_code, [key], last)
    before = evaluations.period_values(framework, by_code, [key], last.previous())
    page.indicators = _lines(framework, monthly, last, found, page.standing, now, before, key)
    page.children = _children(framework, children, found)
    return page


def _lines(
    framework: Framework,
    monthly: list[StoredValue],
    period: Period,
    found: Ranking | None,
    mine: RankingRow | None,
    values: evaluations.PeriodValues,
    earlier: evaluations.PeriodValues,
    key: str,
) -> list[IndicatorLine]:
    """Each leaf's value as the score of `period` reads it (`period_values`: the period's own
    value, else rolled up from its months), the one of the period before, and its months."""
    mine_now, mine_before = values.values.get(key, {}), earlier.values.get(key, {})
    peers = [r for r in found.table.rows if r.group == mine.group] if found and mine else []
    out = []
    for node in framework.leaves():
        kind = node.input or InputKind.NUMBER
        now, before = mine_now.get(node.code), mine_before.get(node.code)
        share = kind in {InputKind.RATE, InputKind.YES_NO}
        months = tuple(
            Point(str(v.period), node.name, raw_value(node, v.value), share)
            for v in sorted(monthly, key=lambda v: v.period.start)
            if v.indicator == node.code and v.period.start <= period.end
        )
        cell = mine.cells.get(node.code) if mine else None
        out.append(
            IndicatorLine(
                node.code,
                node.name,
                kind,
                raw_value(node, now) if now is not None else None,
                now,
                raw_value(node, before) if before is not None else None,
                target_of(node),
                cell.rank if cell else None,
                cell.tied if cell else False,
                sum(1 for r in peers if r.cells[node.code].rank is not None),
                months,
                "" if share else node.unit_label,
                (key, node.code) in values.rolled,
            )
        )
    return out


def _children(
    framework: Framework, children: list[Unit], found: Ranking | None
) -> list[ChildFigures]:
    """The units under a unit by ranking group, in the framework's order of groups; in each,
    those with a row of the period's ranking in the table's order (by rank), then the others
    by name."""
    rows = {r.unit_code: r for r in found.table.rows} if found else {}
    order = {code: i for i, code in enumerate(rows)}
    groups = {g.code: i for i, g in enumerate(framework.ranking_groups)}
    listed = []
    for u in children:
        row = rows.get(u.key)
        if row is not None:
            listed.append(ChildFigures(u, row, row.group, row.group_name))
        else:
            group, _ = grouping.assign(framework, u.kind, list(u.groups))
            listed.append(ChildFigures(u, None, group.code, group.name))
    return sorted(
        listed,
        key=lambda c: (
            groups.get(c.group, len(groups)),
            c.row is None,
            order.get(c.unit.key, 0),
            fold(c.unit.name),
        ),
    )


def _compare_with_group(found: Ranking, framework: Framework, key: str, page: UnitPage) -> None:
    """The unit's index on each indicator beside its group's mean; its strengths and weaknesses."""
    rows = found.table.rows
    mine = next((r for r in rows if r.unit_code == key), None)
    if mine is None:
        return
    page.standing = mine
    peers = [r for r in rows if r.group == mine.group]
    page.group_ranked = sum(1 for r in peers if r.total.rank is not None)
    for node in framework.leaves():
        own = mine.cells[node.code].index
        others = [x for x in (r.cells[node.code].index for r in peers) if x is not None]
        page.versus_group.append((node.name, own, sum(others) / len(others) if others else None))
    scored = sorted(
        ((n, own) for n, own, _ in page.versus_group if own is not None), key=lambda x: x[1]
    )
    page.weaknesses = [item for item in scored if item[1] < STRONG][:3]
    page.strengths = [item for item in reversed(scored) if item[1] >= STRONG][:3]


def framework_leaves(rt: Runtime, framework_id: str) -> list[tuple[str, str]]:
    framework = frameworks.get(rt, framework_id)
    return [(n.code, n.name) for n in framework.leaves()]


@dataclass
class IndicatorPage:
    code: str
    name: str
    kind: InputKind
    period: Period
    findings: Findings
    distribution: list[tuple[str, str, float]]
    """(unit, group, value) for every unit with a value."""
    trend: list[tuple[str, float | None]]


def indicator_page(
    rt: Runtime, code: str, period: Period, framework_id: str = USAGE
) -> IndicatorPage:
    key = ("indicator", framework_id, code, str(period))
    return cached(rt, key, lambda: _indicator_page(rt, code, period, framework_id))


def _indicator_page(rt: Runtime, code: str, period: Period, framework_id: str) -> IndicatorPage:
    months = [period.shifted(-i) for i in reversed(range(12))]
    wanted = [*months, period.previous()]
    data = dataset.load(rt, DataSource(framework_id), wanted, [code], windowed=False)
    indicator = data.indicator(code)
    current = data.figures(code, period, [])
    earlier = data.figures(code, period.previous(), []) if period.previous() in data.values else []
    found = analyse(indicator, current, earlier)
    trend = [
        (str(m), analyse(indicator, data.figures(code, m, [])).overall)
        for m in months
        if code in data.values.get(m, {})
    ]
    spread = sorted(
        ((u.name, u.group, u.value) for u in current if u.value is not None), key=lambda x: x[2]
    )
    return IndicatorPage(code, indicator.name, indicator.kind, period, found, spread, trend)
