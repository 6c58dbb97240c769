"""Invariants of the scoring engine on random frameworks and values (Hypothesis): every rule,
aggregation method, missing-data policy and imputation method."""

from __future__ import annotations

import pickle
import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chiso.domain import ranking_table
from chiso.domain.evaluation import Evaluation, UnitInput, UnitResult, evaluate
from chiso.domain.frameworks import (
    COVERAGE_POLICIES,
    TOTAL,
    Aggregation,
    Category,
    Framework,
    Imputation,
    InputKind,
    MissingPolicy,
    Node,
    Polarity,
    RankingGroup,
    RuleKind,
    Step,
)
from chiso.domain.ranking import round_half_up
from chiso.domain.scoring import Value
from chiso.domain.uncertainty import UncertaintySettings, rank_intervals
from chiso.io.evaluation_output import HEADER, long_rows
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
    "minmax",
    "signed",
)
maxima = st.integers(0, 40).map(float)
EPS = 1e-9


@st.composite
def leaf(draw: st.DrawFn, code: str) -> Node:
    kind = draw(st.sampled_from(LEAF_KINDS))
    m = draw(maxima)
    name = f"Chỉ số {code}"
    if kind == "rate":
        return Node(code, name, m, input=InputKind.RATE, rule=RuleKind.PROPORTIONAL)
    if kind == "rate_target":
        target = draw(st.sampled_from([50.0, 90.0, 95.0, 100.0]))
        return Node(code, name, m, input=InputKind.RATE, rule=RuleKind.TARGET_CAPPED, target=target)
    if kind == "count_steps":
        steps = (Step(4, m), Step(2, m / 2), Step(1, m / 4))
        return Node(code, name, m, input=InputKind.COUNT, rule=RuleKind.STEPS, steps=steps)
    if kind == "yes_no":
        return Node(code, name, m, input=InputKind.YES_NO)
    if kind == "category":
        options = (Category("a", "A", 1.0), Category("b", "B", 0.5), Category("c", "C", 0.0))
        return Node(code, name, m, input=InputKind.CATEGORY, categories=options)
    if kind == "relative":
        return Node(code, name, m, input=InputKind.COUNT, rule=RuleKind.RELATIVE_TO_BEST)
    if kind == "points":
        return Node(code, name, m, input=InputKind.POINTS)
    if kind in ("minmax", "signed"):
        posts = draw(st.sampled_from([None, (-10.0, 10.0), (0.0, 20.0)]))
        return Node(
            code,
            name,
            m,
            input=InputKind.COUNT if kind == "minmax" else InputKind.NUMBER,
            rule=RuleKind.MINMAX,
            polarity=draw(st.sampled_from(list(Polarity))),
            goalposts=posts,
        )
    return Node(code, name, m, input=InputKind.INDEX)


methods = st.sampled_from([None, *Aggregation])


@st.composite
def frameworks(draw: st.DrawFn) -> Framework:
    tops = []
    for i in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            tops.append(draw(leaf(f"n{i}")))
        else:
            children = tuple(draw(leaf(f"n{i}.{j}")) for j in range(draw(st.integers(1, 4))))
            total = sum(c.max_points for c in children)
            tops.append(Node(f"n{i}", f"Nhóm {i}", total, children, aggregate=draw(methods)))
    policy = draw(st.sampled_from(list(MissingPolicy)))
    groups = (RankingGroup("g1", "Nhóm 1"), RankingGroup("g2", "Nhóm 2"))
    f = framework(*tops, missing=policy, levels=("index", "component"), groups=groups)
    coverage = (
        draw(st.sampled_from([None, 0.5, 0.75, 1.0])) if policy in COVERAGE_POLICIES else None
    )
    return replace(
        f,
        aggregate=draw(st.sampled_from(list(Aggregation))),
        min_coverage=coverage,
        impute=draw(st.sampled_from([None, *Imputation])),
    )


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
    if node.input is InputKind.NUMBER:
        return Value(number=draw(st.floats(-50, 50)))
    if node.input is InputKind.YES_NO:
        return Value(number=float(draw(st.integers(0, 1))))
    if node.input is InputKind.CATEGORY:
        return Value(text=draw(st.sampled_from(["a", "b", "c"])))
    if node.input is InputKind.POINTS:
        return Value(number=draw(st.floats(0, node.max_points)))
    return Value(index=draw(st.floats(0, 1)))


@st.composite
def unit_list(draw: st.DrawFn, f: Framework, prefix: str = "u") -> list[UnitInput]:
    units = []
    for u in range(draw(st.integers(1, 8))):
        values = {}
        for node in f.leaves():
            v = value_for(draw, node)
            if v is not None:
                values[node.code] = v
        group = draw(st.sampled_from(["g1", "g2"]))
        units.append(
            UnitInput(f"{prefix}{u}", f"Đơn vị {u}", None, group, draw(st.booleans()), values)
        )
    return units


@st.composite
def cases(draw: st.DrawFn) -> tuple[Framework, list[UnitInput]]:
    f = draw(frameworks())
    return f, draw(unit_list(f))


Case = tuple[Framework, list[UnitInput]]


def _signature(ev: Evaluation) -> dict[str, tuple[object, ...]]:
    return {
        r.unit.code: (
            tuple(sorted((k, round(v.points, 9)) for k, v in r.scores.items())),
            tuple(sorted(r.ranks.items())),
        )
        for r in ev.results
    }


def _arithmetic(f: Framework) -> bool:
    return f.aggregate is Aggregation.ARITHMETIC and all(
        n.aggregate in (None, Aggregation.ARITHMETIC) for n in f.nodes()
    )


@settings(max_examples=150, deadline=None)
@given(cases())
def test_points_stay_in_bounds_and_add_up_under_arithmetic_means(case: Case) -> None:
    f, units = case
    additive = _arithmetic(f) and f.missing is not MissingPolicy.SKIP and f.min_coverage is None
    for result in evaluate(f, units).results:
        for node in f.nodes():
            score = result.scores[node.code]
            assert -EPS <= score.points <= score.max_points + EPS
            assert score.max_points <= node.max_points + EPS
            if score.index is not None:
                assert 0.0 <= score.index <= 1.0
            if additive and node.children and not score.supplied and score.index is not None:
                assert score.points == pytest.approx(
                    sum(result.scores[c.code].points for c in node.children)
                )
                assert score.max_points == pytest.approx(
                    sum(result.scores[c.code].max_points for c in node.children)
                )


def _children_with_values(result: object, node: Node) -> list[tuple[float, float]]:
    scores = result.scores  # type: ignore[attr-defined]
    return [
        (scores[c.code].max_points, scores[c.code].index)
        for c in node.children
        if scores[c.code].index is not None and scores[c.code].max_points > 0
    ]


@settings(max_examples=150, deadline=None)
@given(cases())
def test_skip_respreads_the_weight_among_siblings_only(case: Case) -> None:
    f, units = case
    f = replace(f, missing=MissingPolicy.SKIP, aggregate=Aggregation.ARITHMETIC, min_coverage=None)
    f = _all_nodes(f, None)
    for result in evaluate(f, units).results:
        for node in f.nodes():
            score = result.scores[node.code]
            if not node.children or score.supplied or not score.applicable:
                continue
            kids = _children_with_values(result, node)
            assert score.max_points == pytest.approx(node.max_points)
            if score.index is None:
                assert not kids
                continue
            expected = sum(w * s for w, s in kids) / sum(w for w, _ in kids)
            assert score.index == pytest.approx(expected)


@settings(max_examples=150, deadline=None)
@given(cases(), st.sampled_from([0.2, 0.5, 0.75, 0.8, 1.0]))
def test_coverage_threshold_keeps_exactly_the_share(case: Case, threshold: float) -> None:
    f, units = case
    f = replace(f, missing=MissingPolicy.SKIP, min_coverage=threshold)
    for result in evaluate(f, units).results:
        for node in f.nodes():
            score = result.scores[node.code]
            if not node.children or score.supplied or not score.applicable or not node.max_points:
                continue
            carried = sum(w for w, _ in _children_with_values(result, node))
            if carried == 0:
                assert score.index is None
            else:
                assert (score.index is not None) == (carried / node.max_points >= threshold - EPS)


def _all_nodes(f: Framework, method: Aggregation | None) -> Framework:
    def redo(node: Node) -> Node:
        kids = tuple(redo(c) for c in node.children)
        return replace(node, children=kids, aggregate=method if kids else None)

    return replace(f, root=redo(f.root), _index={})


@settings(max_examples=150, deadline=None)
@given(cases())
def test_harmonic_below_geometric_below_arithmetic(case: Case) -> None:
    f, units = case
    runs = {
        m: evaluate(replace(_all_nodes(f, None), aggregate=m), units).by_unit() for m in Aggregation
    }
    for code, arithmetic in runs[Aggregation.ARITHMETIC].items():
        geometric = runs[Aggregation.GEOMETRIC][code]
        harmonic = runs[Aggregation.HARMONIC][code]
        for node in f.nodes():
            a, g, h = (r.scores[node.code].index for r in (arithmetic, geometric, harmonic))
            assert (a is None) == (g is None) == (h is None)
            if a is not None and g is not None and h is not None:
                assert h <= g + EPS <= a + 2 * EPS


@settings(max_examples=150, deadline=None)
@given(cases())
def test_ranks_are_a_competition_ranking(case: Case) -> None:
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
def test_row_order_does_not_matter(case: Case, rnd: random.Random) -> None:
    f, units = case
    shuffled = units[:]
    rnd.shuffle(shuffled)
    assert _signature(evaluate(f, units)) == _signature(evaluate(f, shuffled))


@settings(max_examples=150, deadline=None)
@given(cases(), st.data())
def test_raising_one_input_never_lowers_that_units_points(case: Case, data: st.DataObject) -> None:
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
    if node.polarity is Polarity.LOWER:
        raised = data.draw(st.floats(min(old.number, 0.0), old.number))
    changed = units[:]
    changed[i] = replace(units[i], values={**units[i].values, code: Value(number=raised)})
    before = evaluate(f, units).by_unit()[units[i].code].total.index
    after = evaluate(f, changed).by_unit()[units[i].code].total.index
    if before is not None:
        assert after is not None and after >= before - EPS


@settings(max_examples=100, deadline=None)
@given(cases(), st.sampled_from([0.0, 0.3]))
def test_each_rank_lies_in_its_own_interval_without_noise_or_spread(
    case: Case, noise: float
) -> None:
    f, units = case
    ev = evaluate(f, units)
    still = rank_intervals(ev, UncertaintySettings(draws=20, weight_spread=0.0))
    ranked = {r.unit.code: r.ranks[TOTAL] for r in ev.results if TOTAL in r.ranks}
    assert set(still) == set(ranked)
    for code, rank in ranked.items():
        band = still[code]
        assert band.p05 == band.median == band.p95 == rank
    moving = rank_intervals(ev, UncertaintySettings(draws=30, weight_spread=0.5, noise=noise))
    assert set(moving) == set(ranked)
    for band in moving.values():
        assert 1 <= band.p05 <= band.median <= band.p95 <= len(ranked)


@settings(max_examples=100, deadline=None)
@given(cases())
def test_every_output_shows_the_evaluations_rank_and_rounded_index(case: Case) -> None:
    f, units = case
    ev = evaluate(f, units)
    table = ranking_table.build(ev, {"g1": "Nhóm 1", "g2": "Nhóm 2"})
    rows = {(r[1], r[4]): dict(zip(HEADER, r, strict=True)) for r in long_rows(table)}
    assert len(rows) == len(ev.results) * len(f.nodes())
    for result in ev.results:
        for node in f.nodes():
            score = result.scores[node.code]
            row = rows[(result.unit.code, node.code)]
            assert row["rank"] == result.ranks.get(node.code)
            shown = round_half_up(score.index, f.precision) if score.index is not None else None
            assert row["index"] == shown
            assert row["missing"] == score.missing


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_previous_imputation_fills_from_the_previous_period_only(data: st.DataObject) -> None:
    f = replace(
        data.draw(frameworks()),
        impute=Imputation.PREVIOUS,
        missing=MissingPolicy.ZERO,
        min_coverage=None,
    )
    units = data.draw(unit_list(f))
    before = data.draw(unit_list(f))
    ev = evaluate(f, units, "2025", before).by_unit()
    earlier = {u.code: u.values for u in before}
    for u in units:
        for code in ev[u.code].imputed:
            assert code not in u.values
            assert earlier[u.code][code] is not None


def _published(x: float, digits: int) -> float:
    return round_half_up(x, digits) if x >= 0 else -round_half_up(-x, digits)


def _reference_cell(
    f: Framework, r: UnitResult, code: str, ev: Evaluation, before: Evaluation
) -> ranking_table.Cell:
    """The table cell as one unit and node at a time, in plain Python (what the columns of
    `ranking_table.build` must give, to the last bit)."""
    digits = f.precision
    score, rank = r.scores[code], r.ranks.get(code)
    old = before.by_unit().get(r.unit.code)
    prior = old.scores[code] if old else None
    prior_rank = old.ranks.get(code) if old else None
    tied = rank is not None and (
        sum(1 for o in ev.results if o.unit.group == r.unit.group and o.ranks.get(code) == rank) > 1
    )
    changes: list[float | None] = [None, None]
    if prior is not None and prior.index is not None and score.index is not None:
        for i, (now, then) in enumerate([(score.points, prior.points), (score.index, prior.index)]):
            shown = _published(now, digits) - _published(now - (now - then), digits)
            changes[i] = _published(shown, digits)
    return ranking_table.Cell(
        points=_published(score.points, digits) if score.index is not None else None,
        max_points=_published(score.max_points, digits),
        index=_published(score.index, digits) if score.index is not None else None,
        rank=rank,
        tied=tied,
        points_change=changes[0],
        index_change=changes[1],
        previous_rank=prior_rank,
        rank_change=prior_rank - rank if prior_rank is not None and rank is not None else None,
        missing=score.missing,
        imputed=score.imputed,
        applicable=score.applicable,
        notes=score.notes,
        source=r.unit.sources.get(code, ""),
    )


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_table_columns_are_the_cells_computed_one_by_one(data: st.DataObject) -> None:
    f = data.draw(frameworks())
    now, then = evaluate(f, data.draw(unit_list(f))), evaluate(f, data.draw(unit_list(f)))
    table = ranking_table.build(now, {"g1": "Nhóm 1", "g2": "Nhóm 2"}, then)
    by_unit = now.by_unit()
    for row in table.rows:
        r = by_unit[row.unit_code]
        for node in f.nodes():
            assert row.cells[node.code] == _reference_cell(f, r, node.code, now, then)
    # a stored table reads back the same; plain mappings give the same table as columns
    assert pickle.loads(pickle.dumps(table)) == table
    plain = replace(
        now, results=[replace(r, scores=dict(r.scores), ranks=dict(r.ranks)) for r in now.results]
    )
    assert ranking_table.build(plain, {"g1": "Nhóm 1", "g2": "Nhóm 2"}, then) == table
