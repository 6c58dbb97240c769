"""Values to look at again: sudden jumps against the previous period and outliers inside each
ranking group. Listed after an import and on request, never blocking."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence

from chiso.domain import grouping
from chiso.domain.frameworks import Framework, InputKind, Node
from chiso.domain.periods import Period
from chiso.domain.quality import Flag, jumps, outliers
from chiso.domain.scoring import Value, raw_value
from chiso.domain.units import Unit
from chiso.domain.values import finite_or_missing
from chiso.services.periods import parse_period
from chiso.services.runtime import Runtime
from chiso.services.scoring import frameworks
from chiso.services.values.changes import Matched, Offer
from chiso.store import units_repo, values_repo
from chiso.store.db import Session

MIN_CASES = 10
"""A rate over fewer cases (3 reports due) swings too much to call its changes jumps."""


def numeric(node: Node | None, value: Value) -> float | None:
    """The measured quantity quality checks compare (rates as fractions), if any."""
    if node is None or node.input not in {InputKind.RATE, InputKind.COUNT, InputKind.NUMBER}:
        return None
    if value.denominator is not None and value.denominator < MIN_CASES:
        return None
    return raw_value(node, value)


def quality_flags(rt: Runtime, framework_ref: str, period_text: str) -> list[Flag]:
    framework = frameworks.get(rt, framework_ref)
    period = parse_period(period_text)
    with rt.db.transaction() as session:
        return _flags(session, framework, period, None, None)


def flags_for(
    session: Session, framework: Framework, matched: Sequence[Matched] | Offer
) -> list[Flag]:
    """The flags of the values just stored (their periods, indicators and units)."""
    offer = matched if isinstance(matched, Offer) else Offer.of(matched)
    flags: list[Flag] = []
    known: dict[int, Unit] = dict(offer.units)
    for period, (indicators, only) in offer.by_period().items():
        flags += _flags(session, framework, period, sorted(indicators), only, known)
    listed = None if isinstance(matched, Offer) else matched
    return _not_in_force(session, offer, known, listed) + flags


def _units(session: Session, ids: Collection[int], known: dict[int, Unit]) -> dict[int, Unit]:
    """The units of these ids, each read once per import (`known` keeps those read)."""
    missing = sorted(i for i in ids if i not in known)
    if missing:
        known.update(units_repo.by_ids(session, missing))
    return {i: known[i] for i in ids if i in known}


def _not_in_force(
    session: Session, offer: Offer, known: dict[int, Unit], listed: Sequence[Matched] | None
) -> list[Flag]:
    """Values of units that did not exist in their period (a district abolished on 1/7/2025
    given a value for a later month): stored, but no evaluation of that period takes them.
    Each row of `listed` (the caller's rows, when given) is flagged, else each offered value."""
    units = _units(session, set(offer.unit_ids), known)
    periods = set(offer.labels.values())
    # Asked once per unit and period (an import has hundreds of thousands of values of a few
    # periods), then looked up per value.
    outside: dict[tuple[int, Period], str] = {}
    for uid, unit in units.items():
        for period in periods:
            ended = unit.valid_to is not None and unit.valid_to < period.start
            later = unit.valid_from is not None and unit.valid_from > period.end
            if ended or later:
                outside[(uid, period)] = (
                    f"hiệu lực đến {unit.valid_to:%d/%m/%Y}"
                    if ended and unit.valid_to is not None
                    else f"có hiệu lực từ {unit.valid_from:%d/%m/%Y}"
                )
    if not outside:
        return []
    out: list[Flag] = []
    for m in offer.matched() if listed is None else listed:
        when = outside.get((m.unit_id, m.period))
        if when is not None:
            out.append(
                Flag(
                    m.unit_name,
                    m.indicator,
                    "not_in_force",
                    f"đơn vị không tồn tại trong {m.period.label_vi} ({when}): số liệu được lưu "
                    "nhưng không được đánh giá, xếp hạng trong kỳ này",
                )
            )
    return out


def _flags(
    session: Session,
    framework: Framework,
    period: Period,
    indicators: list[str] | None,
    only: Collection[int] | None,
    known: dict[int, Unit] | None = None,
) -> list[Flag]:
    """Jumps and outliers of a period; with `only`, those of these units."""
    rates = {n.code for n in framework.leaves() if n.input is InputKind.RATE}
    current = _numbers(session, framework, period, indicators)
    previous = _numbers(session, framework, period.previous(), indicators)
    # Unit ids are text here: the few thousand wanted made text once, not each value's id made
    # a number (a period holds hundreds of thousands).
    named = None if only is None else {str(u) for u in only}
    mine = current if named is None else {k: v for k, v in current.items() if k[0] in named}
    flags = jumps(mine, previous, rates)
    ids = {int(uid) for uid in {uid for uid, _ in current}}
    units = _units(session, ids, {} if known is None else known)
    groups = {
        uid: grouping.assign(framework, u.kind, list(u.groups))[0].code for uid, u in units.items()
    }
    grouped: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for (uid, indicator), x in current.items():
        grouped[(indicator, groups[int(uid)])][uid] = x
    for (indicator, _), members in sorted(grouped.items()):
        flags += outliers(members, indicator, indicator in rates)
    names = {str(uid): u.name for uid, u in units.items()}
    wanted = {str(u) for u in only} if only is not None else set(names)
    return [
        Flag(names.get(f.unit, f.unit), f.indicator, f.kind, f.message_vi)
        for f in flags
        if f.unit in wanted
    ]


def _numbers(
    session: Session, framework: Framework, period: Period, indicators: list[str] | None
) -> dict[tuple[str, str], float]:
    """(unit id, indicator) → measured quantity (`numeric`, asked once per indicator and
    distinct stored value)."""
    out: dict[tuple[str, str], float] = {}
    known: dict[tuple[str, values_repo.Columns], float | None] = {}
    names: dict[int, str] = {}
    for unit_id, indicator, columns in values_repo.measured(
        session, framework.id, period, indicators
    ):
        place = (indicator, columns)
        if place in known:
            x = known[place]
        else:
            value = finite_or_missing(values_repo.from_columns(columns))
            x = known[place] = numeric(framework.node(indicator), value)
        if x is not None:
            name = names.get(unit_id) or names.setdefault(unit_id, str(unit_id))
            out[(name, indicator)] = x
    return out
