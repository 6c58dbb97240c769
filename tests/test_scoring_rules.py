"""Every scoring rule on hand-checked examples."""

from __future__ import annotations

import pytest

from chiso.domain.comparison import compare
from chiso.domain.evaluation import evaluate
from chiso.domain.frameworks import (
    TOTAL,
    Category,
    InputKind,
    MissingPolicy,
    Node,
    Polarity,
    RankingGroup,
    RuleKind,
    Step,
)
from chiso.domain.merging import Successor, project
from chiso.domain.ranking import competition_ranks, round_half_up
from chiso.domain.scoring import Value
from tests.engine_helpers import framework, unit

SIGNED = Node("signed", "Ký số", 20, input=InputKind.RATE, rule=RuleKind.TARGET_CAPPED, target=95)
EMAIL = Node("email", "Thư công vụ", 20, input=InputKind.RATE, rule=RuleKind.PROPORTIONAL)
MEETINGS = Node(
    "meetings",
    "Họp BCĐ",
    20,
    input=InputKind.COUNT,
    rule=RuleKind.STEPS,
    steps=(Step(4, 20), Step(3, 15), Step(2, 10), Step(1, 5)),
)
HEAD = Node(
    "head",
    "Trưởng BCĐ",
    20,
    input=InputKind.CATEGORY,
    rule=RuleKind.CATEGORICAL,
    categories=(
        Category("chu-tich", "Chủ tịch", 1),
        Category("pho-chu-tich", "Phó Chủ tịch", 0.5),
        Category("khong", "Không có", 0),
    ),
)
PLAN = Node("plan", "Kế hoạch", 10, input=InputKind.YES_NO)
NEWS = Node("news", "Tin bài", 10, input=InputKind.COUNT, rule=RuleKind.RELATIVE_TO_BEST)
SELF = Node("self", "Tự chấm", 10, input=InputKind.POINTS)
INCIDENTS = Node(
    "incidents",
    "Sự cố",
    20,
    input=InputKind.COUNT,
    rule=RuleKind.STEPS,
    polarity=Polarity.LOWER,
    steps=(Step(0, 20), Step(1, 10)),
)


def points(node: Node, value: Value, *others: Value) -> float:
    f = framework(node)
    units = [unit("a", **{node.code: value})] + [
        unit(f"o{i}", **{node.code: v}) for i, v in enumerate(others)
    ]
    return evaluate(f, units).by_unit()["a"].scores[node.code].points


def test_proportional_rate() -> None:
    assert points(EMAIL, Value(number=31.14)) == pytest.approx(6.228)
    assert points(EMAIL, Value(numerator=19, denominator=47)) == pytest.approx(20 * 19 / 47)


def test_target_capped() -> None:
    assert points(SIGNED, Value(number=90)) == pytest.approx(20 * 0.90 / 0.95)
    assert points(SIGNED, Value(number=97)) == pytest.approx(20)
    assert points(SIGNED, Value(numerator=13, denominator=30)) == pytest.approx(
        20 * (13 / 30) / 0.95
    )


def test_steps() -> None:
    assert points(MEETINGS, Value(number=4)) == 20
    assert points(MEETINGS, Value(number=3)) == 15
    assert points(MEETINGS, Value(number=1)) == 5
    assert points(MEETINGS, Value(number=0)) == 0
    assert points(INCIDENTS, Value(number=0)) == 20
    assert points(INCIDENTS, Value(number=1)) == 10
    assert points(INCIDENTS, Value(number=3)) == 0


def test_categorical_and_yes_no() -> None:
    assert points(HEAD, Value(text="Phó Chủ tịch")) == 10
    assert points(HEAD, Value(text="chu-tich")) == 20
    assert points(PLAN, Value(number=1)) == 10
    assert points(PLAN, Value(number=0)) == 0


def test_relative_to_best_and_direct_points() -> None:
    assert points(NEWS, Value(number=5), Value(number=10), Value(number=2)) == pytest.approx(5)
    assert points(NEWS, Value(number=12), Value(number=10)) == pytest.approx(10)
    assert points(SELF, Value(number=7.5)) == 7.5


def test_index_supplied_for_main_index_with_children() -> None:
    parent = Node(
        "7", "Chính quyền số", 200, children=(SIGNED, Node("x", "Khác", 180, input=InputKind.RATE))
    )
    f = framework(parent)
    result = evaluate(f, [unit("da-nang", **{"7": Value(index=0.8575)})]).by_unit()["da-nang"]
    assert result.scores["7"].points == pytest.approx(171.5)
    assert result.total.points == pytest.approx(171.5)
    assert result.total.missing == 0


@pytest.mark.parametrize(
    ("policy", "expected_points", "expected_max"),
    [
        (MissingPolicy.ZERO, 20 * 0.5, 40),
        (MissingPolicy.EXCLUDE, 20 * 0.5, 20),
        (MissingPolicy.GROUP_MEAN, 10 + 20 * 0.8, 40),
    ],
)
def test_missing_policies(
    policy: MissingPolicy, expected_points: float, expected_max: float
) -> None:
    f = framework(EMAIL, Node("web", "Cổng", 20, input=InputKind.RATE), missing=policy)
    units = [
        unit("a", email=Value(number=50)),
        unit("b", email=Value(number=50), web=Value(number=80)),
    ]
    a = evaluate(f, units).by_unit()["a"]
    assert a.total.points == pytest.approx(expected_points)
    assert a.total.max_points == expected_max
    assert a.scores["web"].missing == 1
    assert a.total.missing == 1


def test_not_applicable_node_leaves_the_units_maximum() -> None:
    dvc = Node("dvc", "Dịch vụ công", 20, input=InputKind.RATE, applies_to=frozenset({"commune"}))
    f = framework(EMAIL, dvc)
    dept = evaluate(f, [unit("so", kind="department", email=Value(number=50))]).results[0]
    assert dept.total.max_points == 20
    assert dept.total.index == pytest.approx(0.5)
    assert not dept.scores["dvc"].applicable


def test_competition_ranking_with_ties_on_published_precision() -> None:
    ranks = competition_ranks(
        {"a": 0.61234, "thanh-hoa": 0.60001, "yen-bai": 0.599995, "c": 0.5}, digits=4
    )
    assert ranks == {"a": 1, "thanh-hoa": 2, "yen-bai": 2, "c": 4}
    assert round_half_up(0.716355, 4) == 0.7164
    assert round_half_up(0.71635, 4) == 0.7164


def test_below_threshold_and_groups() -> None:
    f = framework(EMAIL, SIGNED, PLAN, groups=(RankingGroup("a", "A"), RankingGroup("b", "B")))
    ev = evaluate(
        f,
        [
            unit("x", "a", email=Value(number=70), signed=Value(number=95), plan=Value(number=0)),
            unit("y", "a", email=Value(number=90), signed=Value(number=50), plan=Value(number=1)),
            unit("z", "b", email=Value(number=10), signed=Value(number=10), plan=Value(number=0)),
            unit(
                "w",
                "a",
                ranked=False,
                email=Value(number=100),
                signed=Value(number=100),
                plan=Value(number=1),
            ),
        ],
    )
    by = ev.by_unit()
    assert [n.code for n in by["x"].below(f.main_indices(), 0.8)] == ["email", "plan"]
    assert by["z"].ranks[TOTAL] == 1
    assert by["x"].total.points == pytest.approx(14 + 20)
    assert by["y"].total.points == pytest.approx(18 + 20 * 0.5 / 0.95 + 10)
    assert (by["y"].ranks[TOTAL], by["x"].ranks[TOTAL]) == (1, 2)
    assert TOTAL not in by["w"].ranks
    assert ev.group_sizes() == {"a": 2, "b": 1}


def test_change_since_previous_period() -> None:
    f = framework(SIGNED)
    before = evaluate(
        f, [unit("bu-gia-map", signed=Value(number=5)), unit("dong-xoai", signed=Value(number=82))]
    )
    after = evaluate(
        f, [unit("bu-gia-map", signed=Value(number=95)), unit("dong-xoai", signed=Value(number=86))]
    )
    change = compare(after, before)[("bu-gia-map", TOTAL)]
    assert change.rank_change == 1
    assert change.previous_rank == 2
    assert change.points == pytest.approx(20 - 20 * 0.05 / 0.95)


def test_merged_unit_is_the_mean_of_its_predecessors_main_indices() -> None:
    a = Node("a", "A", 60, input=InputKind.INDEX)
    b = Node("b", "B", 40, input=InputKind.INDEX)
    f = framework(a, b)
    old = evaluate(
        f,
        [
            unit("dong-nai", a=Value(index=0.6), b=Value(index=0.5)),
            unit("binh-phuoc", a=Value(index=0.4), b=Value(index=0.9)),
        ],
    )
    new = project(old, [Successor("75", "Đồng Nai", ["dong-nai", "binh-phuoc"])]).by_unit()["75"]
    assert new.scores["a"].index == pytest.approx(0.5)
    assert new.scores["b"].index == pytest.approx(0.7)
    assert new.total.points == pytest.approx(0.5 * 60 + 0.7 * 40)
    weighted = project(
        old,
        [
            Successor(
                "75",
                "Đồng Nai",
                ["dong-nai", "binh-phuoc"],
                weights={"dong-nai": 3, "binh-phuoc": 1},
            )
        ],
        "weighted",
    )
    assert weighted.by_unit()["75"].scores["a"].index == pytest.approx(0.55)
