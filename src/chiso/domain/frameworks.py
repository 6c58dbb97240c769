"""Index frameworks: a tree of indicator groups, main indices, components and sub-items.

Leaves say what kind of value they take and how it becomes points; any node may also receive a
published 0–1 index directly, and then its children are not needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from chiso.domain.scope import Scope
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
    MINMAX = "minmax"


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
        {
            RuleKind.PROPORTIONAL,
            RuleKind.TARGET_CAPPED,
            RuleKind.STEPS,
            RuleKind.RELATIVE_TO_BEST,
            RuleKind.MINMAX,
        }
    ),
    InputKind.COUNT: frozenset(
        {RuleKind.TARGET_CAPPED, RuleKind.STEPS, RuleKind.RELATIVE_TO_BEST, RuleKind.MINMAX}
    ),
    InputKind.NUMBER: frozenset(
        {RuleKind.TARGET_CAPPED, RuleKind.STEPS, RuleKind.RELATIVE_TO_BEST, RuleKind.MINMAX}
    ),
    InputKind.YES_NO: frozenset({RuleKind.YES_NO}),
    InputKind.CATEGORY: frozenset({RuleKind.CATEGORICAL}),
    InputKind.POINTS: frozenset({RuleKind.DIRECT_POINTS}),
    InputKind.INDEX: frozenset({RuleKind.INDEX, RuleKind.PROPORTIONAL, RuleKind.MINMAX}),
}

SIGNED_INPUTS = frozenset({InputKind.NUMBER})
"""Inputs whose raw values may be negative (growth, balance); rates and counts may not."""


class Polarity(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class MissingPolicy(StrEnum):
    """What a node without a value is worth to its parent."""

    ZERO = "zero"
    GROUP_MEAN = "group_mean"
    EXCLUDE = "exclude"
    SKIP = "skip"


COVERAGE_POLICIES = frozenset({MissingPolicy.SKIP, MissingPolicy.EXCLUDE})
"""Policies under which a node may have no value, so `min_coverage` can take it away."""


class Aggregation(StrEnum):
    """How a node combines its children's shares, weighted by their maximum points."""

    ARITHMETIC = "arithmetic"
    GEOMETRIC = "geometric"
    HARMONIC = "harmonic"


class Imputation(StrEnum):
    """How a missing raw value is filled in before scoring."""

    MEAN = "mean"
    GROUP_MEAN = "group_mean"
    MEDIAN = "median"
    PREVIOUS = "previous"


IMPUTE_BY_KIND = "kind"
"""`impute_by: kind` imputes from units of the same kind instead of named unit groups."""


class Rollup(StrEnum):
    """How a leaf's values over months add up to a quarter, half-year or year."""

    SUM = "sum"
    MEAN = "mean"
    LAST = "last"


DEFAULT_ROLLUPS: dict[InputKind, Rollup] = {
    InputKind.RATE: Rollup.SUM,
    InputKind.COUNT: Rollup.SUM,
    InputKind.YES_NO: Rollup.LAST,
    InputKind.CATEGORY: Rollup.LAST,
    InputKind.POINTS: Rollup.LAST,
    InputKind.INDEX: Rollup.LAST,
}
"""Numbers have no default: a growth rate is averaged, a stock is taken last, a flow is summed."""

ROLLUPS_FOR_INPUT: dict[InputKind, frozenset[Rollup]] = {
    InputKind.RATE: frozenset(Rollup),
    InputKind.COUNT: frozenset(Rollup),
    InputKind.NUMBER: frozenset(Rollup),
    InputKind.YES_NO: frozenset({Rollup.LAST}),
    InputKind.CATEGORY: frozenset({Rollup.LAST}),
    InputKind.POINTS: frozenset({Rollup.LAST, Rollup.MEAN, Rollup.SUM}),
    InputKind.INDEX: frozenset({Rollup.LAST, Rollup.MEAN}),
}


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
    goalposts: tuple[float, float] | None = None
    """Fixed min-max bounds (lo, hi) in the input's own unit; values outside are truncated."""
    aggregate: Aggregation | None = None
    """None: the framework's default."""
    rollup: Rollup | None = None
    """None: the default of the input kind (`DEFAULT_ROLLUPS`)."""
    max_value: float | None = None
    """Plausible upper bound of a raw value, in the input's own unit (a count, a percentage…)."""

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
LEVEL_LABELS = {
    "total": "chỉ số tổng",
    "group": "nhóm chỉ số",
    "index": "chỉ số chính",
    "component": "chỉ số thành phần",
    "item": "tiêu chí",
}


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
    aggregate: Aggregation = Aggregation.ARITHMETIC
    min_coverage: float | None = None
    """Least share of a node's maximum points its children with values must carry."""
    impute: Imputation | None = None
    impute_by: tuple[str, ...] = ()
    scope: Scope = field(default_factory=Scope)
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

    def aggregation_of(self, node: Node) -> Aggregation:
        return node.aggregate or self.aggregate

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
    RuleKind.MINMAX: "Chuẩn hóa min–max",
}

MISSING_LABELS = {
    MissingPolicy.ZERO: "tính 0 điểm và đánh dấu thiếu số liệu",
    MissingPolicy.GROUP_MEAN: "lấy trung bình của nhóm và đánh dấu thiếu số liệu",
    MissingPolicy.EXCLUDE: "bỏ chỉ số khỏi điểm tối đa của đơn vị và đánh dấu thiếu số liệu",
    MissingPolicy.SKIP: "bỏ qua, chia lại trọng số cho các chỉ số cùng cấp và đánh dấu thiếu số liệu",
}

AGGREGATION_LABELS = {
    Aggregation.ARITHMETIC: "Trung bình cộng có trọng số",
    Aggregation.GEOMETRIC: "Trung bình nhân có trọng số",
    Aggregation.HARMONIC: "Trung bình điều hòa có trọng số",
}

ROLLUP_LABELS = {
    Rollup.SUM: "Cộng dồn",
    Rollup.MEAN: "Trung bình",
    Rollup.LAST: "Giá trị mới nhất",
}

IMPUTATION_LABELS = {
    Imputation.MEAN: "trung bình các đơn vị",
    Imputation.GROUP_MEAN: "trung bình nhóm",
    Imputation.MEDIAN: "trung vị các đơn vị",
    Imputation.PREVIOUS: "giá trị kỳ trước của đơn vị",
}


def method_summary(f: Framework) -> str:
    """The composite-index choices of a framework in one Vietnamese sentence."""
    parts = [f"Tổng hợp: {AGGREGATION_LABELS[f.aggregate].lower()}"]
    if any(n.aggregate not in (None, f.aggregate) for n in f.nodes()):
        parts[0] += " (một số nút khác, xem cây)"
    parts.append(f"thiếu số liệu: {MISSING_LABELS[f.missing]}")
    if f.min_coverage is not None:
        parts.append(f"nút cần số liệu cho ít nhất {f.min_coverage * 100:g}% điểm tối đa")
    if f.impute is not None:
        by = f" theo {', '.join(f.impute_by)}" if f.impute_by else ""
        parts.append(f"ước tính trước khi chấm: {IMPUTATION_LABELS[f.impute]}{by}")
    return "; ".join(parts) + "."
