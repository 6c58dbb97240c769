"""Index frameworks: a tree of indicator groups, main indices, components and sub-items.

Leaves say what kind of value they take and how it becomes points; any node may also receive a
published 0–1 index directly, and then its children are not needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from chiso.domain.text import fold


class InputKind(StrEnum):
    RATE = "rate"
    COUNT = "count"
    NUMBER = "number"
    YES_NO = "yes_no"
    CATEGORY = "category"
    POINTS = "points"
    INDEX = "index"


class RuleKind(StrEnum):
    PROPORTIONAL = "proportional"
    TARGET_CAPPED = "target_capped"
    STEPS = "steps"
    CATEGORICAL = "categorical"
    YES_NO = "yes_no"
    RELATIVE_TO_BEST = "relative_to_best"
    DIRECT_POINTS = "direct_points"
    INDEX = "index"


DEFAULT_RULES = {
    InputKind.RATE: RuleKind.PROPORTIONAL,
    InputKind.COUNT: RuleKind.RELATIVE_TO_BEST,
    InputKind.NUMBER: RuleKind.RELATIVE_TO_BEST,
    InputKind.YES_NO: RuleKind.YES_NO,
    InputKind.CATEGORY: RuleKind.CATEGORICAL,
    InputKind.POINTS: RuleKind.DIRECT_POINTS,
    InputKind.INDEX: RuleKind.INDEX,
}

RULES_FOR_INPUT: dict[InputKind, frozenset[RuleKind]] = {
    InputKind.RATE: frozenset(
        {RuleKind.PROPORTIONAL, RuleKind.TARGET_CAPPED, RuleKind.STEPS, RuleKind.RELATIVE_TO_BEST}
    ),
    InputKind.COUNT: frozenset({RuleKind.TARGET_CAPPED, RuleKind.STEPS, RuleKind.RELATIVE_TO_BEST}),
    InputKind.NUMBER: frozenset(
        {RuleKind.TARGET_CAPPED, RuleKind.STEPS, RuleKind.RELATIVE_TO_BEST}
    ),
    InputKind.YES_NO: frozenset({RuleKind.YES_NO}),
    InputKind.CATEGORY: frozenset({RuleKind.CATEGORICAL}),
    InputKind.POINTS: frozenset({RuleKind.DIRECT_POINTS}),
    InputKind.INDEX: frozenset({RuleKind.INDEX, RuleKind.PROPORTIONAL}),
}


class Polarity(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class MissingPolicy(StrEnum):
    """What a missing leaf value is worth."""

    ZERO = "zero"
    GROUP_MEAN = "group_mean"
    EXCLUDE = "exclude"


@dataclass(frozen=True)
class Step:
    threshold: float
    points: float


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    share: float


@dataclass(frozen=True)
class Node:
    code: str
    name: str
    max_points: float
    children: tuple[Node, ...] = ()
    input: InputKind | None = None
    rule: RuleKind | None = None
    target: float | None = None
    steps: tuple[Step, ...] = ()
    categories: tuple[Category, ...] = ()
    polarity: Polarity = Polarity.HIGHER
    thresholds: tuple[float, ...] = ()
    applies_to: frozenset[str] = frozenset()
    method: str = ""
    evidence: str = ""
    source: str = ""
    verifier: str = ""
    unit_label: str = ""

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def walk(self, depth: int = 0) -> Iterator[tuple[Node, int]]:
        yield self, depth
        for child in self.children:
            yield from child.walk(depth + 1)

    def applies(self, kind: str | None) -> bool:
        return not self.applies_to or kind is None or kind in self.applies_to

    def category(self, text: str) -> Category | None:
        wanted = fold(text)
        return next((c for c in self.categories if wanted in (fold(c.code), fold(c.label))), None)


@dataclass(frozen=True)
class RankingGroup:
    """Units ranked together: chosen by unit group names and/or unit kinds."""

    code: str
    name: str
    unit_groups: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


ALL_UNITS = RankingGroup("all", "Tất cả đơn vị")
DEFAULT_LEVELS = ("group", "index", "component", "item")


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    root: Node
    issued_by: str = ""
    description: str = ""
    levels: tuple[str, ...] = DEFAULT_LEVELS
    precision: int = 4
    missing: MissingPolicy = MissingPolicy.ZERO
    ranking_groups: tuple[RankingGroup, ...] = (ALL_UNITS,)
    unranked_groups: tuple[str, ...] = ()
    merge_rule: str = "mean"
    legend: tuple[float, ...] = (0.5, 0.8)
    below_threshold: float = 0.8
    example: bool = False
    _index: dict[str, Node] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({n.code: n for n, _ in self.root.walk()})

    def nodes(self) -> list[Node]:
        return [n for n, _ in self.root.walk()]

    def node(self, code: str) -> Node | None:
        return self._index.get(code)

    def leaves(self) -> list[Node]:
        return [n for n in self.nodes() if n.is_leaf]

    def depth_of(self, code: str) -> int:
        return next(d for n, d in self.root.walk() if n.code == code)

    def level_of(self, code: str) -> str:
        depth = self.depth_of(code)
        if depth == 0:
            return "total"
        return self.levels[depth - 1] if depth <= len(self.levels) else f"level{depth}"

    def main_indices(self) -> list[Node]:
        """The pillars published and ranked separately ("chỉ số chính")."""
        return [n for n, d in self.root.walk() if d and self.level_of(n.code) == "index"]

    def parent_of(self, code: str) -> Node | None:
        for n in self.nodes():
            if any(c.code == code for c in n.children):
                return n
        return None


TOTAL = "total"


INPUT_LABELS = {
    InputKind.RATE: "Tỷ lệ",
    InputKind.COUNT: "Số lượng",
    InputKind.NUMBER: "Số",
    InputKind.YES_NO: "Có/không",
    InputKind.CATEGORY: "Lựa chọn",
    InputKind.POINTS: "Điểm",
    InputKind.INDEX: "Chỉ số 0–1",
}

RULE_LABELS = {
    RuleKind.PROPORTIONAL: "Tỷ lệ × điểm tối đa",
    RuleKind.TARGET_CAPPED: "Theo chỉ tiêu",
    RuleKind.STEPS: "Bậc thang",
    RuleKind.CATEGORICAL: "Theo lựa chọn",
    RuleKind.YES_NO: "Có/không",
    RuleKind.RELATIVE_TO_BEST: "So với đơn vị cao nhất",
    RuleKind.DIRECT_POINTS: "Điểm trực tiếp",
    RuleKind.INDEX: "Chỉ số × điểm tối đa",
}

MISSING_LABELS = {
    MissingPolicy.ZERO: "tính 0 điểm và đánh dấu thiếu số liệu",
    MissingPolicy.GROUP_MEAN: "lấy trung bình của nhóm và đánh dấu thiếu số liệu",
    MissingPolicy.EXCLUDE: "bỏ chỉ số khỏi điểm tối đa của đơn vị và đánh dấu thiếu số liệu",
}
