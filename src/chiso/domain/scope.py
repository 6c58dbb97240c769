"""Which units a framework evaluates on a period: kinds, unit groups, the scheme in force, and
never a parent whose values are only the roll-up of the units evaluated (the province over its
communes and departments would otherwise rank among them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from chiso.domain.periods import Period
from chiso.domain.text import fold
from chiso.domain.units import REFORM_DATE, Scheme

IN_FORCE = "in_force"
ANY_SCHEME = "any"
SCHEME_CHOICES = (IN_FORCE, ANY_SCHEME, Scheme.CURRENT.value, Scheme.LEGACY.value)


@dataclass(frozen=True)
class Scope:
    """Empty kinds or groups admit every kind or group; kinds and groups must both fit."""

    kinds: frozenset[str] = frozenset()
    groups: tuple[str, ...] = ()
    scheme: str = IN_FORCE
    """`in_force`: the scheme in force on the period's last day; `2025`, `legacy`; `any`."""


@dataclass(frozen=True)
class ScopeUnit:
    code: str
    kind: str | None = None
    groups: tuple[str, ...] = ()
    scheme: str | None = None
    """None for units outside the administrative lists (departments…): any scheme admits them."""
    valid_from: date | None = None
    valid_to: date | None = None
    parent: str | None = None


def scheme_on(scope: Scope, period: Period) -> str | None:
    if scope.scheme == ANY_SCHEME:
        return None
    if scope.scheme == IN_FORCE:
        return (Scheme.LEGACY if period.end < REFORM_DATE else Scheme.CURRENT).value
    return scope.scheme


def exclusion(scope: Scope, unit: ScopeUnit, period: Period, rollup_parent: bool) -> str | None:
    """Why `unit` is not evaluated on `period` (Vietnamese, for the output), or None."""
    if scope.kinds and unit.kind is not None and unit.kind not in scope.kinds:
        return f"loại đơn vị '{unit.kind}' không thuộc phạm vi bộ chỉ số"
    wanted = {fold(g) for g in scope.groups}
    if wanted and not wanted & {fold(g) for g in unit.groups}:
        return "không thuộc nhóm đơn vị được đánh giá"
    scheme = scheme_on(scope, period)
    if scheme is not None and unit.scheme is not None and unit.scheme != scheme:
        return f"đơn vị theo danh mục '{unit.scheme}', kỳ {period} dùng danh mục '{scheme}'"
    if (unit.valid_from is not None and unit.valid_from > period.end) or (
        unit.valid_to is not None and unit.valid_to < period.start
    ):
        return f"đơn vị không tồn tại trong {period.label_vi}"
    if rollup_parent:
        return "đơn vị cấp trên, số liệu chỉ là tổng hợp của các đơn vị được đánh giá"
    return None


def select(
    scope: Scope, units: Sequence[ScopeUnit], period: Period, by_kind: bool = True
) -> tuple[list[ScopeUnit], dict[str, str]]:
    """The units evaluated, in the given order, and the reason each other unit is left out.

    `by_kind=False`: the units a document may cite beside the evaluated ones (a district's
    communes in its own result letter): kinds and groups do not exclude, the scheme, the dates
    and roll-up parents (of the units evaluated) still do."""
    fits = [u for u in units if exclusion(scope, u, period, False) is None]
    parents = _ancestors_of(fits, {u.code: u.parent for u in units})
    applied = scope if by_kind else Scope(scheme=scope.scheme)
    kept: list[ScopeUnit] = []
    reasons: dict[str, str] = {}
    for u in units:
        reason = exclusion(applied, u, period, u.code in parents)
        if reason is None:
            kept.append(u)
        else:
            reasons[u.code] = reason
    return kept, reasons


def _ancestors_of(units: Iterable[ScopeUnit], parent_of: Mapping[str, str | None]) -> set[str]:
    found: set[str] = set()
    for u in units:
        seen = {u.code}
        parent = parent_of.get(u.code)
        while parent and parent not in seen:
            found.add(parent)
            seen.add(parent)
            parent = parent_of.get(parent)
    return found
