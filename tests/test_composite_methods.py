"""The composite-index methods (min-max, goalposts, geometric and harmonic means, skip with a
coverage threshold, imputation before scoring) on hand-checked examples."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chiso.domain.comparison import compare
from chiso.domain.evaluation import Evaluation, UnitInput, evaluate
from chiso.domain.frameworks import (
    TOTAL,
    Aggregation,
    Framework,
    Imputation,
    InputKind,
    MissingPolicy,
    Node,
    Polarity,
    RankingGroup,
    RuleKind,
)
from chiso.domain.scoring import Value
from tests.engine_helpers import framework, unit

ONLINE = Node("online", "Hồ sơ trực tuyến", 40, input=InputKind.RATE, rule=RuleKind.MINMAX)
INCIDENTS = Node(
    "incidents",
    "Sự cố",
    30,
    input=InputKind.COUNT,
    rule=RuleKind.MINMAX,
    polarity=Polarity.LOWER,
)
GROWTH = Node(
    "growth",
    "Tăng trưởng",
    30,
    input=InputKind.NUMBER,
    rule=RuleKind.MINMAX,
    goalposts=(-5.0, 15.0),
)


def rate(x: float) -> Value:
    return Value(number=x)


def index_of(ev: Evaluation, unit_code: str, node: str = TOTAL) -> float | None:
    return ev.by_unit()[unit_code].scores[node].index


def test_minmax_bounds_are_over_all_units_not_per_ranking_group() -> None:
    groups = (RankingGroup("xa", "Xã"), RankingGroup("phuong", "Phường"))
    f = framework(ONLINE, groups=groups)
    ev = evaluate(
        f,
        [
            unit("phuoc-an", "xa", online=rate(30)),
            unit("son-ha", "xa", online=rate(50)),
            unit("son-ha-2", "phuong", online=rate(80)),
        ],
    )
    assert index_of(ev, "phuoc-an") == 0.0
    assert index_of(ev, "son-ha") == pytest.approx(0.4)
    assert index_of(ev, "son-ha-2") == 1.0
    assert ev.by_unit()["son-ha"].ranks[TOTAL] == 1


def test_minmax_lower_polarity_and_equal_bounds() -> None:
    f = framework(INCIDENTS)
    ev = evaluate(
        f, [unit(c, incidents=Value(number=n)) for c, n in (("a", 2), ("b", 6), ("c", 4))]
    )
    assert [index_of(ev, c) for c in "abc"] == [1.0, 0.0, 0.5]
    same = evaluate(f, [unit(c, incidents=Value(number=3)) for c in "ab"])
    assert [index_of(same, c) for c in "ab"] == [1.0, 1.0]


def test_goalposts_fix_the_bounds_and_truncate_for_either_polarity() -> None:
    f = framework(GROWTH)
    ev = evaluate(f, [unit(c, growth=Value(number=n)) for c, n in (("a", -7), ("b", 3), ("c", 20))])
    assert [index_of(ev, c) for c in "abc"] == [0.0, pytest.approx(0.4), 1.0]
    lower = framework(replace(GROWTH, polarity=Polarity.LOWER))
    ev = evaluate(lower, [unit(c, growth=Value(number=n)) for c, n in (("a", -7), ("b", 3))])
    assert [index_of(ev, c) for c in "ab"] == [1.0, pytest.approx(0.6)]


def test_rate_goalposts_are_written_in_percent() -> None:
    node = replace(ONLINE, goalposts=(20.0, 70.0))
    ev = evaluate(framework(node), [unit("a", online=Value(numerator=9, denominator=20))])
    assert index_of(ev, "a") == pytest.approx((45 - 20) / 50)


def test_worked_minmax_example_totals() -> None:
    f = framework(ONLINE, INCIDENTS, GROWTH)
    data = {"phuoc-an": (30, 2, -7), "son-ha": (50, 6, 3), "son-ha-2": (80, 4, 20)}
    ev = evaluate(
        f,
        [
            unit(c, online=rate(o), incidents=Value(number=i), growth=Value(number=g))
            for c, (o, i, g) in data.items()
        ],
    )
    assert index_of(ev, "phuoc-an") == pytest.approx(0.30)
    assert index_of(ev, "son-ha") == pytest.approx(0.28)
    assert index_of(ev, "son-ha-2") == pytest.approx(0.85)
    assert [ev.by_unit()[c].ranks[TOTAL] for c in data] == [2, 3, 1]


def _mean_framework(method: Aggregation, inner: Aggregation | None = None) -> Framework:
    a1 = Node("a1", "Ký số", 20, input=InputKind.RATE)
    a2 = Node("a2", "Trực tuyến", 30, input=InputKind.RATE)
    group = Node("A", "Hạ tầng và dịch vụ", 50, (a1, a2), aggregate=inner)
    b = Node("b", "Thư công vụ", 50, input=InputKind.RATE)
    return replace(framework(group, b, levels=("index", "component")), aggregate=method)


def test_geometric_and_harmonic_means_weighted_by_maximum_points() -> None:
    f = _mean_framework(Aggregation.GEOMETRIC, Aggregation.HARMONIC)
    ev = evaluate(f, [unit("thanh-an", a1=rate(50), a2=rate(80), b=rate(60))])
    harmonic = 50 / (20 / 0.5 + 30 / 0.8)
    assert index_of(ev, "thanh-an", "A") == pytest.approx(harmonic)
    assert index_of(ev, "thanh-an") == pytest.approx((harmonic**50 * 0.6**50) ** (1 / 100))
    total = ev.by_unit()["thanh-an"].total
    assert total.points == pytest.approx(total.index * 100)


def test_a_zero_share_makes_geometric_and_harmonic_means_zero_with_a_note() -> None:
    f = _mean_framework(Aggregation.GEOMETRIC, Aggregation.HARMONIC)
    result = evaluate(f, [unit("thanh-an", a1=rate(0), a2=rate(90), b=rate(90))]).results[0]
    assert result.scores["A"].index == 0.0
    assert result.total.index == 0.0
    assert result.scores["A"].notes == ("trung bình điều hòa có trọng số bằng 0 vì «Ký số» bằng 0",)
    assert "«Hạ tầng và dịch vụ»" in result.total.notes[0]
    arithmetic = evaluate(
        _mean_framework(Aggregation.ARITHMETIC), [unit("x", a1=rate(0), a2=rate(90), b=rate(90))]
    ).results[0]
    assert arithmetic.total.index == pytest.approx((27 + 45) / 100)
    assert arithmetic.total.notes == ()


def _skip_framework(policy: MissingPolicy, coverage: float | None = None) -> Framework:
    i = Node(
        "I",
        "Nền tảng",
        50,
        (
            Node("i1", "Máy tính", 30, input=InputKind.RATE),
            Node("i2", "Tập huấn", 20, input=InputKind.RATE),
        ),
    )
    ii = Node(
        "II",
        "Hoạt động",
        50,
        (
            Node("ii1", "Trực tuyến", 25, input=InputKind.RATE),
            Node("ii2", "Số hóa", 25, input=InputKind.RATE),
        ),
    )
    f = framework(i, ii, missing=policy, levels=("index", "component"))
    return replace(f, min_coverage=coverage)


SKIP_UNITS = [
    unit("loc-thanh", i1=rate(60), i2=rate(40), ii1=rate(80), ii2=rate(20)),
    unit("loc-thanh-2", i1=rate(60), ii1=rate(80), ii2=rate(20)),
    unit("ba-to", i2=rate(40), ii1=rate(80), ii2=rate(20)),
]


@pytest.mark.parametrize(
    ("policy", "coverage", "expected"),
    [
        (MissingPolicy.ZERO, None, {"loc-thanh": 0.51, "loc-thanh-2": 0.43, "ba-to": 0.33}),
        (
            MissingPolicy.EXCLUDE,
            None,
            {"loc-thanh": 0.51, "loc-thanh-2": 43 / 80, "ba-to": 33 / 70},
        ),
        (MissingPolicy.SKIP, None, {"loc-thanh": 0.51, "loc-thanh-2": 0.55, "ba-to": 0.45}),
        (MissingPolicy.SKIP, 0.6, {"loc-thanh": 0.51, "loc-thanh-2": 0.55, "ba-to": None}),
    ],
)
def test_missing_policies_side_by_side(
    policy: MissingPolicy, coverage: float | None, expected: dict[str, float | None]
) -> None:
    ev = evaluate(_skip_framework(policy, coverage), SKIP_UNITS)
    for code, index in expected.items():
        got = index_of(ev, code)
        assert got == (pytest.approx(index) if index is not None else None), code


def test_skip_respreads_the_weight_at_that_level_only() -> None:
    ev = evaluate(_skip_framework(MissingPolicy.SKIP), SKIP_UNITS)
    partial = ev.by_unit()["loc-thanh-2"]
    assert partial.scores["I"].index == pytest.approx(0.6)
    assert partial.scores["I"].max_points == 50
    assert partial.total.points == pytest.approx(55)
    excluded = evaluate(_skip_framework(MissingPolicy.EXCLUDE), SKIP_UNITS).by_unit()
    assert excluded["loc-thanh-2"].scores["I"].max_points == 30
    assert excluded["loc-thanh-2"].total.max_points == 80


def test_coverage_threshold_edge_exactly_the_share_keeps_the_node() -> None:
    ev = evaluate(_skip_framework(MissingPolicy.SKIP, 0.6), SKIP_UNITS)
    kept = ev.by_unit()["loc-thanh-2"]
    assert kept.scores["I"].index == pytest.approx(0.6)
    dropped = ev.by_unit()["ba-to"]
    assert dropped.scores["I"].index is None
    assert dropped.scores["I"].notes == (
        "có số liệu cho 40% điểm tối đa, dưới mức tối thiểu 60%: không tính",
    )
    assert dropped.total.index is None
    assert TOTAL not in dropped.ranks
    assert dropped.missing == ("i1",)
    stricter = evaluate(_skip_framework(MissingPolicy.SKIP, 0.61), SKIP_UNITS).by_unit()
    assert stricter["loc-thanh-2"].scores["I"].index is None


def test_exclude_with_coverage_takes_the_node_out_of_its_parent() -> None:
    ev = evaluate(_skip_framework(MissingPolicy.EXCLUDE, 0.5), SKIP_UNITS).by_unit()
    assert ev["ba-to"].scores["I"].index is None
    assert ev["ba-to"].total.max_points == 50
    assert ev["ba-to"].total.index == pytest.approx(0.5)


def test_a_unit_that_reported_nothing_is_listed_without_rank_under_every_policy() -> None:
    for policy in MissingPolicy:
        f = _skip_framework(policy)
        ev = evaluate(f, [*SKIP_UNITS, UnitInput("im-lang", "Im lặng")])
        silent = ev.by_unit()["im-lang"]
        assert silent.total.index is None, policy
        assert silent.ranks == {}
        assert silent.missing == ("i1", "i2", "ii1", "ii2")
        assert sum(TOTAL in r.ranks for r in ev.results) == 3


EMAIL = Node("email", "Thư công vụ", 50, input=InputKind.RATE)
MEETINGS = Node("hop", "Họp không giấy", 50, input=InputKind.COUNT, rule=RuleKind.MINMAX)
IMPUTE_UNITS = [
    UnitInput(
        "P1",
        "Phường Sơn Hà",
        "commune",
        "phuong",
        True,
        {"email": rate(80), "hop": Value(number=10)},
        ("Phường",),
    ),
    UnitInput("P2", "Phường Ba Tô", "commune", "phuong", True, {"email": rate(60)}, ("Phường",)),
    UnitInput(
        "X1",
        "Xã Sơn Hạ",
        "commune",
        "xa",
        True,
        {"email": rate(30), "hop": Value(number=4)},
        ("Xã", "Ven biển"),
    ),
    UnitInput(
        "X2",
        "Huyện Ba Tơ",
        "district",
        "xa",
        True,
        {"email": rate(40), "hop": Value(number=6)},
        ("Xã",),
    ),
    UnitInput(
        "X3", "Xã Phước An", "commune", "xa", True, {"hop": Value(number=2)}, ("Xã", "Ven biển")
    ),
]


def _imputing(method: Imputation, by: tuple[str, ...] = ()) -> Framework:
    groups = (RankingGroup("phuong", "Các phường"), RankingGroup("xa", "Các xã"))
    return replace(framework(EMAIL, MEETINGS, groups=groups), impute=method, impute_by=by)


@pytest.mark.parametrize(
    ("method", "by", "email_x3", "hop_p2"),
    [
        (Imputation.MEDIAN, (), 0.50, (5 - 2) / 8),
        (Imputation.MEAN, (), 0.525, (5.5 - 2) / 8),
        (Imputation.GROUP_MEAN, (), 0.35, 1.0),
        (Imputation.GROUP_MEAN, ("Ven biển",), 0.30, (8 - 2) / 8),
        (Imputation.GROUP_MEAN, ("kind",), (80 + 60 + 30) / 300, (16 / 3 - 2) / 8),
    ],
)
def test_imputation_before_scoring(
    method: Imputation, by: tuple[str, ...], email_x3: float, hop_p2: float
) -> None:
    ev = evaluate(_imputing(method, by), IMPUTE_UNITS).by_unit()
    assert ev["X3"].scores["email"].index == pytest.approx(email_x3)
    assert ev["P2"].scores["hop"].index == pytest.approx(hop_p2)
    assert ev["X3"].scores["email"].imputed and not ev["X3"].scores["email"].supplied
    assert ev["X3"].missing == ("email",) and ev["X3"].imputed == ("email",)
    assert not ev["X1"].imputed


def test_imputing_the_previous_period_and_falling_back_to_missing() -> None:
    previous = [
        UnitInput("X3", "Xã Phước An", values={"email": rate(45)}),
        UnitInput("P2", "Phường Ba Tô", values={}),
    ]
    ev = evaluate(_imputing(Imputation.PREVIOUS), IMPUTE_UNITS, "2025", previous).by_unit()
    assert ev["X3"].scores["email"].index == pytest.approx(0.45)
    assert ev["P2"].scores["hop"].index == 0.0
    assert ev["P2"].scores["hop"].missing == 1 and not ev["P2"].scores["hop"].imputed


def test_an_indicator_without_any_data_falls_back_to_the_missing_policy() -> None:
    f = replace(_imputing(Imputation.MEAN), missing=MissingPolicy.SKIP)
    units = [UnitInput(u.code, u.name, values={"email": rate(50)}) for u in IMPUTE_UNITS]
    ev = evaluate(f, units)
    assert all(r.scores["hop"].index is None and not r.imputed for r in ev.results)
    assert all(r.total.index == pytest.approx(0.5) for r in ev.results)


def test_negative_numbers_score_under_minmax_and_never_below_zero_elsewhere() -> None:
    relative = Node("g", "Tăng trưởng", 10, input=InputKind.NUMBER, rule=RuleKind.RELATIVE_TO_BEST)
    ev = evaluate(
        framework(relative), [unit("a", g=Value(number=-4)), unit("b", g=Value(number=8))]
    )
    assert index_of(ev, "a") == 0.0 and index_of(ev, "b") == 1.0
    signed = replace(GROWTH, goalposts=None)
    ev = evaluate(
        framework(signed), [unit("a", growth=Value(number=-4)), unit("b", growth=Value(number=-1))]
    )
    assert index_of(ev, "a") == 0.0 and index_of(ev, "b") == 1.0


def test_no_change_is_computed_against_a_node_without_value() -> None:
    before = evaluate(_skip_framework(MissingPolicy.SKIP), SKIP_UNITS)
    after = evaluate(_skip_framework(MissingPolicy.SKIP, 0.6), SKIP_UNITS)
    assert index_of(before, "ba-to") == pytest.approx(0.45)
    changes = compare(after, before)
    assert changes[("ba-to", TOTAL)].points is None
    assert changes[("ba-to", TOTAL)].rank_change is None
    assert changes[("loc-thanh", TOTAL)].points == pytest.approx(0.0)
    assert changes[("loc-thanh", TOTAL)].rank_change == 0
