"""Invariants of the scoring engine on random frameworks and values (Hypothesis)."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chiso.domain.evaluation import Evaluation, UnitInput, evaluate
from chiso.domain.frameworks import (
    TOTAL,
    Category,
    Framework,
    InputKind,
    MissingPolicy,
    Node,
    RankingGroup,
    RuleKind,
    Step,
)
from chiso.domain.ranking import round_half_up
from chiso.domain.scoring import Value
from tests.engine_helpers import framework

LEAF_KINDS = (
    "rate",
    "rate_target",
    "count_steps",
    "yes_no",
    "category",
    "relative",
    "points",
    "index",
)
maxima = st.integers(0, 40).map(float)


@st.composite
def leaf(draw: st.DrawFn, code: str) -> Node:
    kind = draw(st.sampled_from(LEAF_KINDS))
    m = draw(maxima)
    name = f"Chỉ số {code}"
    if kind == "rate":
        return Node(code, name, m, input=InputKind.RATE, rule=RuleKind.PROPORTIONAL)
    if kind == "rate_target":
        return Node(
            code,
            name,
            m,
            input=InputKind.RATE,
            rule=RuleKind.TARGET_CAPPED,
            target=draw(st.sampled_from([50.0, 90.0, 95.0, 100.0])),
        )
    if kind == "count_steps":
        return Node(
            code,
            name,
            m,
            input=InputKind.COUNT,
            rule=RuleKind.STEPS,
            steps=(Step(4, m), Step(2, m / 2), Step(1, m / 4)),
        )
    if kind == "yes_no":
        return Node(code, name, m, input=InputKind.YES_NO)
    if kind == "category":
        return Node(
            code,
            name,
            m,
            input=InputKind.CATEGORY,
            categories=(Category("a", "A", 1.0), Category("b", "B", 0.5), Category("c", "C", 0.0)),
        )
    if kind == "relative":
        return Node(code, name, m, input=InputKind.COUNT, rule=RuleKind.RELATIVE_TO_BEST)
    if kind == "points":
        return Node(code, name, m, input=InputKind.POINTS)
    return Node(code, name, m, input=InputKind.INDEX)


@st.composite
def frameworks(draw: st.DrawFn) -> Framework:
    tops = []
    for i in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            tops.append(draw(leaf(f"n{i}")))
        else:
            children = tuple(draw(leaf(f"n{i}.{j}")) for j in range(draw(st.integers(1, 4))))
            tops.append(Node(f"n{i}", f"Nhóm {i}", sum(c.max_points for c in children), children))
    policy = draw(st.sampled_from(list(MissingPolicy)))
    groups = (RankingGroup("g1", "Nhóm 1"), RankingGroup("g2", "Nhóm 2"))
    return framework(*tops, missing=policy, levels=("index", "component"), groups=groups)


def value_for(draw: st.DrawFn, node: Node) -> Value | None:
    if draw(st.integers(0, 5)) == 0:
        return None
    if node.input is InputKind.RATE:
        if draw(st.booleans()):
            d = draw(st.integers(1, 500))
            return Value(numerator=float(draw(st.integers(0, d))), denominator=float(d))
        return Value(number=draw(st.floats(0, 100)))
    if node.input is InputKind.COUNT:
        return Value(number=float(draw(st.integers(0, 30))))
    if node.input is InputKind.YES_NO:
        return Value(number=float(draw(st.integers(0, 1))))
    if node.input is InputKind.CATEGORY:
        return Value(text=draw(st.sampled_from(["a", "b", "c"])))
    if node.input is InputKind.POINTS:
        return Value(number=draw(st.floats(0, node.max_points)))
    return Value(index=draw(st.floats(0, 1)))


@st.composite
def cases(draw: st.DrawFn) -> tuple[Framework, list[UnitInput]]:
    f = draw(frameworks())
    units = []
    for u in range(draw(st.integers(1, 8))):
        values = {}
        for node in f.leaves():
            v = value_for(draw, node)
            if v is not None:
                values[node.code] = v
        units.append(
            UnitInput(
                f"u{u}",
                f"Đơn vị {u}",
                None,
                draw(st.sampled_from(["g1", "g2"])),
                draw(st.booleans()),
                values,
            )
        )
    return f, units


def _signature(ev: Evaluation) -> dict[str, tuple[object, ...]]:
    return {
        r.unit.code: (
            tuple(sorted((k, round(v.points, 9)) for k, v in r.scores.items())),
            tuple(sorted(r.ranks.items())),
        )
        for r in ev.results
    }


@settings(max_examples=150, deadline=None)
@given(cases())
def test_points_add_up_and_stay_in_bounds(case: tuple[Framework, list[UnitInput]]) -> None:
    f, units = case
    for result in evaluate(f, units).results:
        for node in f.nodes():
            score = result.scores[node.code]
            assert -1e-9 <= score.points <= score.max_points + 1e-9
            assert score.max_points <= node.max_points + 1e-9
            if score.index is not None:
                assert 0.0 <= score.index <= 1.0
            if node.children and not score.supplied and f.missing is not MissingPolicy.SKIP:
                assert score.points == pytest.approx(
                    sum(result.scores[c.code].points for c in node.children)
                )
                assert score.max_points == pytest.approx(
                    sum(result.scores[c.code].max_points for c in node.children)
                )


@settings(max_examples=150, deadline=None)
@given(cases())
def test_ranks_are_a_competition_ranking(case: tuple[Framework, list[UnitInput]]) -> None:
    f, units = case
    ev = evaluate(f, units)
    for node in f.nodes():
        for group in ("g1", "g2"):
            members = [
                r
                for r in ev.results
                if r.unit.group == group and r.unit.ranked and r.scores[node.code].index is not None
            ]
            shown = {
                r.unit.code: round_half_up(r.scores[node.code].index or 0.0, f.precision)
                for r in members
            }
            for r in members:
                better = sum(1 for v in shown.values() if v > shown[r.unit.code])
                assert r.ranks[node.code] == better + 1
            for r in ev.results:
                if not r.unit.ranked:
                    assert node.code not in r.ranks


@settings(max_examples=100, deadline=None)
@given(cases(), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(
    case: tuple[Framework, list[UnitInput]], rnd: random.Random
) -> None:
    f, units = case
    shuffled = units[:]
    rnd.shuffle(shuffled)
    assert _signature(evaluate(f, units)) == _signature(evaluate(f, shuffled))


@settings(max_examples=150, deadline=None)
@given(cases(), st.data())
def test_raising_one_input_never_lowers_that_units_points(
    case: tuple[Framework, list[UnitInput]], data: st.DataObject
) -> None:
    f, units = case
    numeric = [
        (i, code)
        for i, u in enumerate(units)
        for code, v in u.values.items()
        if v.number is not None
    ]
    if not numeric:
        return
    i, code = data.draw(st.sampled_from(numeric))
    node = f.node(code)
    assert node is not None
    old = units[i].values[code]
    assert old.number is not None
    ceiling = {InputKind.RATE: 100.0, InputKind.YES_NO: 1.0, InputKind.POINTS: node.max_points}.get(
        node.input or InputKind.COUNT, old.number + 30
    )
    raised = data.draw(st.floats(old.number, max(old.number, ceiling)))
    changed = units[:]
    changed[i] = replace(units[i], values={**units[i].values, code: Value(number=raised)})
    before = evaluate(f, units).by_unit()[units[i].code].scores[TOTAL].points
    after = evaluate(f, changed).by_unit()[units[i].code].scores[TOTAL].points
    assert after >= before - 1e-9
