"""Small frameworks built in code, for tests of the scoring engine."""

from __future__ import annotations

from chiso.domain.evaluation import UnitInput
from chiso.domain.frameworks import TOTAL, Framework, MissingPolicy, Node, RankingGroup
from chiso.domain.scoring import Value


def framework(
    *nodes: Node,
    missing: MissingPolicy = MissingPolicy.ZERO,
    levels: tuple[str, ...] = ("index",),
    groups: tuple[RankingGroup, ...] = (RankingGroup("all", "Tất cả"),),
    unranked: tuple[str, ...] = (),
) -> Framework:
    root = Node(TOTAL, "Thử", sum(n.max_points for n in nodes), tuple(nodes))
    return Framework(
        "test",
        "Thử",
        root,
        levels=levels,
        missing=missing,
        ranking_groups=groups,
        unranked_groups=unranked,
    )


def unit(
    code: str, group: str = "all", kind: str | None = None, ranked: bool = True, **values: Value
) -> UnitInput:
    return UnitInput(code, code, kind, group, ranked, values)
