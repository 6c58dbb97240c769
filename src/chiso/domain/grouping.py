"""Which ranking group a unit is evaluated in, and whether it is ranked there."""

from __future__ import annotations

from collections.abc import Iterable

from chiso.domain.frameworks import Framework, RankingGroup
from chiso.domain.text import fold

OUTSIDE = RankingGroup("ngoai-nhom", "Ngoài các nhóm xếp hạng")


def assign(
    framework: Framework, kind: str | None, groups: Iterable[str]
) -> tuple[RankingGroup, bool]:
    """First ranking group whose unit groups or kinds match; units of an unranked group (or
    belonging to an unranked unit group) are evaluated but not ranked."""
    folded = {fold(g) for g in groups}
    group = next((g for g in framework.ranking_groups if _matches(g, kind, folded)), None)
    if group is None:
        if kind is None and not folded:
            group = framework.ranking_groups[0]
        else:
            return OUTSIDE, False
    unranked = {fold(u) for u in framework.unranked_groups}
    ranked = fold(group.code) not in unranked and not (folded & unranked)
    return group, ranked


def _matches(group: RankingGroup, kind: str | None, folded: set[str]) -> bool:
    if not group.unit_groups and not group.kinds:
        return True
    return bool({fold(g) for g in group.unit_groups} & folded) or (
        kind is not None and kind in group.kinds
    )


def group_names(framework: Framework) -> dict[str, str]:
    return {g.code: g.name for g in (*framework.ranking_groups, OUTSIDE)}
