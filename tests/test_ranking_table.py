"""The one ranking table: order, ties, rounding as published, changes, missing markers."""

from __future__ import annotations

from chiso.domain import ranking_table
from chiso.domain.evaluation import UnitInput, evaluate
from chiso.domain.frameworks import TOTAL, InputKind, MissingPolicy, Node, RankingGroup
from chiso.domain.grouping import OUTSIDE
from chiso.domain.scoring import Value
from chiso.domain.uncertainty import UncertaintySettings, rank_intervals
from tests.engine_helpers import framework

A = Node("a", "Chỉ số A", 60, input=InputKind.INDEX)
B = Node("b", "Chỉ số B", 40, input=InputKind.INDEX)
GROUPS = (RankingGroup("xa", "Các xã"), RankingGroup("phuong", "Các phường"))
NAMES = {"xa": "Các xã", "phuong": "Các phường", OUTSIDE.code: OUTSIDE.name}


def values(a: float | None, b: float | None) -> dict[str, Value]:
    return {k: Value(index=v) for k, v in (("a", a), ("b", b)) if v is not None}


def test_order_ties_rounding_and_units_without_rank() -> None:
    f = framework(A, B, groups=GROUPS, missing=MissingPolicy.SKIP)
    units = [
        UnitInput("son-ha", "Phường Sơn Hà", None, "phuong", True, values(0.7, 0.7)),
        UnitInput("son-ha-2", "Xã Sơn Hạ", None, "xa", True, values(0.716355, 0.716355)),
        UnitInput("phuoc-an", "Xã Phước An", None, "xa", True, values(0.71635, 0.71635)),
        UnitInput("ba-to", "Xã Ba Tơ", None, "xa", True, values(0.5, None)),
        UnitInput("khong-xep", "Xã Không Xếp", None, "xa", False, values(0.9, 0.9)),
        UnitInput("im-lang", "Xã Im Lặng", None, "xa", True, {}),
        UnitInput("ngoai", "Cơ quan khác", None, OUTSIDE.code, False, values(0.2, 0.2)),
    ]
    table = ranking_table.build(evaluate(f, units), NAMES)
    assert table.groups == (
        ("xa", "Các xã"),
        ("phuong", "Các phường"),
        (OUTSIDE.code, OUTSIDE.name),
    )
    order = [r.unit_code for r in table.rows]
    assert order == ["phuoc-an", "son-ha-2", "ba-to", "khong-xep", "im-lang", "son-ha", "ngoai"]
    rows = {r.unit_code: r for r in table.rows}
    assert rows["son-ha-2"].total.index == 0.7164 and rows["phuoc-an"].total.index == 0.7164
    assert rows["son-ha-2"].total.rank == rows["phuoc-an"].total.rank == 1
    assert rows["son-ha-2"].total.tied and not rows["ba-to"].total.tied
    assert rows["ba-to"].total.rank == 3
    assert rows["ba-to"].total.points == 50.0 and rows["ba-to"].missing == ("b",)
    assert rows["khong-xep"].total.rank is None and rows["khong-xep"].total.index == 0.9
    assert rows["im-lang"].total.index is None and rows["im-lang"].total.points is None
    assert rows["im-lang"].missing == ("a", "b")
    assert rows["son-ha"].total.rank == 1 and not rows["son-ha"].total.tied
    assert rows["ba-to"].below == ("a",)


def test_changes_are_differences_of_the_published_figures() -> None:
    f = framework(A, B)
    before = evaluate(
        f,
        [
            UnitInput("x", "X", values=values(0.12344, 0.12344)),
            UnitInput("y", "Y", values=values(0.9, 0.9)),
        ],
    )
    after = evaluate(
        f,
        [
            UnitInput("x", "X", values=values(0.99996, 0.99996)),
            UnitInput("y", "Y", values=values(0.5, 0.5)),
        ],
    )
    table = ranking_table.build(after, {"all": "Tất cả"}, previous=before, year_earlier=before)
    x = {r.unit_code: r for r in table.rows}["x"].total
    assert x.index == 1.0 and x.points == 99.996
    assert x.index_change == 0.8766
    assert x.points_change == 87.652
    assert (x.previous_rank, x.rank, x.rank_change) == (2, 1, 1)
    assert (x.year_earlier_rank, x.rank_change_year) == (2, 1)
    assert table.previous_period is None


def test_intervals_ride_on_the_rows_of_ranked_units_only() -> None:
    f = framework(A, B, missing=MissingPolicy.SKIP)
    ev = evaluate(
        f,
        [UnitInput(c, c, values=values(v, v)) for c, v in (("x", 0.3), ("y", 0.6))]
        + [UnitInput("z", "z")],
    )
    bands = rank_intervals(ev, UncertaintySettings(draws=50, weight_spread=0.0))
    table = ranking_table.build(ev, {"all": "Tất cả"}, intervals=bands, top_k=1)
    rows = {r.unit_code: r for r in table.rows}
    assert rows["y"].interval is not None and rows["y"].interval.p95 == 1
    assert rows["y"].interval.top_k == 1.0
    assert rows["z"].interval is None
    assert table.has_intervals and table.top_k == 1
    assert rows["x"].cells[TOTAL].rank == 2


def test_pages_and_decisions_show_the_ranked_groups_unless_asked_for_all() -> None:
    f = framework(A, B, groups=GROUPS, missing=MissingPolicy.SKIP)
    units = [
        UnitInput("son-ha", "Phường Sơn Hà", None, "phuong", True, values(0.7, 0.7)),
        UnitInput("ba-to", "Xã Ba Tơ", None, "xa", True, values(0.5, None)),
        UnitInput("ngoai", "Cơ quan khác", None, OUTSIDE.code, False, values(0.2, 0.2)),
    ]
    table = ranking_table.build(evaluate(f, units), NAMES)
    assert [g for g, _ in table.ranked_groups] == ["xa", "phuong"]
    assert [r.unit_code for r in table.shown().rows] == ["ba-to", "son-ha"]
    assert [r.unit_code for r in table.shown(all_groups=True).rows] == ["ba-to", "son-ha", "ngoai"]
    assert [r.unit_code for r in table.shown(group=OUTSIDE.code).rows] == ["ngoai"]
    ba_to = table.shown().rows[0]
    assert ba_to.missing == ("b",) and ba_to.missing_note == "thiếu số liệu: 1 chỉ số (Chỉ số B)"
    left = table.without(lambda r: r.unit_code == "son-ha")
    assert left.groups == (("xa", "Các xã"), (OUTSIDE.code, OUTSIDE.name))
    assert left.rows[0].total.rank == 1


def test_a_group_the_framework_declares_unranked_is_listed_without_rank_and_says_why() -> None:
    f = framework(A, B, groups=GROUPS, unranked=("phuong",), missing=MissingPolicy.SKIP)
    units = [
        UnitInput("ba-to", "Xã Ba Tơ", None, "xa", True, values(0.5, 0.5)),
        UnitInput("thanh-tra", "Thanh tra tỉnh", None, "phuong", False, values(0.7, 0.6)),
        UnitInput("ngoai", "Cơ quan khác", None, OUTSIDE.code, False, values(0.2, 0.2)),
    ]
    table = ranking_table.build(evaluate(f, units), NAMES)
    shown = table.shown()
    assert [r.unit_code for r in shown.rows] == ["ba-to", "thanh-tra"]
    assert [g for g, _ in shown.groups] == ["xa", "phuong"]
    lone = shown.in_group("phuong")[0]
    assert lone.total.rank is None and lone.total.index is not None
    assert shown.unranked_note("phuong") == (
        "Bộ chỉ số quy định nhóm này được đánh giá nhưng không xếp hạng."
    )
    assert shown.unranked_note("xa") is None
    assert [g for g, _ in table.shown(all_groups=True).groups] == ["xa", "phuong", OUTSIDE.code]
