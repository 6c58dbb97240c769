"""Monthly values rolled up to quarters, half-years and years, and which source was used."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chiso.domain.frameworks import InputKind, Node, Rollup, RuleKind
from chiso.domain.periods import Period
from chiso.domain.rollup import RollupProblem, roll_up, rollup_of, sub_periods
from chiso.domain.scoring import Value, raw_value

SIGNED = Node("ky_so", "Ký số", 40, input=InputKind.RATE, rule=RuleKind.TARGET_CAPPED, target=95)
MEETINGS = Node("hop", "Họp không giấy", 30, input=InputKind.COUNT)
PLAN = Node("ke_hoach", "Kế hoạch", 10, input=InputKind.YES_NO)
HEAD = Node("truong_ban", "Trưởng ban", 10, input=InputKind.CATEGORY)
GROWTH = Node("tang_truong", "Tăng trưởng", 20, input=InputKind.NUMBER, rollup=Rollup.MEAN)
Q3 = Period.parse("2023-Q3")


def months(*numbers: int) -> list[Period]:
    return [Period.month_of(2023, m) for m in numbers]


def test_defaults_by_input_kind_and_numbers_must_declare() -> None:
    assert rollup_of(SIGNED) is Rollup.SUM
    assert rollup_of(MEETINGS) is Rollup.SUM
    assert rollup_of(PLAN) is Rollup.LAST
    assert rollup_of(HEAD) is Rollup.LAST
    assert rollup_of(GROWTH) is Rollup.MEAN
    assert rollup_of(Node("x", "X", 1, input=InputKind.NUMBER)) is None


def test_sub_periods() -> None:
    assert [str(p) for p in sub_periods(Period.parse("2023"))] == ["2023-H1", "2023-H2"]
    assert [str(p) for p in sub_periods(Period.parse("2023-H2"))] == ["2023-Q3", "2023-Q4"]
    assert [str(p) for p in sub_periods(Q3)] == ["2023-07", "2023-08", "2023-09"]
    assert sub_periods(Period.parse("2023-07")) == []


def test_rates_add_numerators_and_denominators() -> None:
    stored = dict(
        zip(
            months(7, 8, 9),
            [Value(numerator=n, denominator=d) for n, d in ((40, 50), (45, 50), (50, 60))],
            strict=True,
        )
    )
    rolled = roll_up(SIGNED, stored, Q3)
    assert rolled is not None
    assert (rolled.value.numerator, rolled.value.denominator) == (135, 160)
    assert raw_value(SIGNED, rolled.value) == pytest.approx(0.84375)
    assert rolled.parts == tuple(months(7, 8, 9)) and rolled.months == 3 and not rolled.stored
    assert rolled.label_vi(Rollup.SUM) == "cộng dồn 3/3 tháng (2023-07, 2023-08, 2023-09)"


def test_a_rate_given_only_as_a_percentage_cannot_be_summed() -> None:
    stored = {
        Period.month_of(2023, 7): Value(numerator=4, denominator=5),
        Period.month_of(2023, 8): Value(number=80),
    }
    with pytest.raises(RollupProblem, match="tháng 8/2023 không có tử số và mẫu số"):
        roll_up(SIGNED, stored, Q3)
    mean = Node("ky_so", "Ký số", 40, input=InputKind.RATE, rollup=Rollup.MEAN)
    rolled = roll_up(mean, stored, Q3)
    assert rolled is not None and rolled.value.number == pytest.approx(80)


def test_counts_sum_yes_no_and_categories_take_the_latest() -> None:
    counts = roll_up(MEETINGS, {months(7)[0]: Value(number=2), months(9)[0]: Value(number=4)}, Q3)
    assert counts is not None and counts.value.number == 6 and counts.months == 2
    plan = roll_up(PLAN, {months(7)[0]: Value(number=1), months(8)[0]: Value(number=0)}, Q3)
    assert plan is not None and plan.value.number == 0 and plan.parts == tuple(months(7, 8))
    head = roll_up(
        HEAD, {months(9)[0]: Value(text="Chủ tịch"), months(7)[0]: Value(text="Không")}, Q3
    )
    assert head is not None and head.value.text == "Chủ tịch"


def test_mean_is_over_the_months_that_have_a_value_weighted_by_months() -> None:
    year = Period.parse("2023")
    stored = {
        Period.parse("2023-Q1"): Value(number=4),
        **{p: Value(number=v) for p, v in zip(months(4, 5), (10, -2), strict=True)},
    }
    rolled = roll_up(GROWTH, stored, year)
    assert rolled is not None
    assert rolled.value.number == pytest.approx((4 * 3 + 10 - 2) / 5)
    assert rolled.months == 5
    assert rolled.label_vi(Rollup.MEAN) == "trung bình 5/12 tháng (2023-Q1, 2023-04, 2023-05)"


def test_a_value_stored_for_the_period_itself_wins_at_every_level() -> None:
    stored = {
        Q3: Value(numerator=9, denominator=10),
        months(7)[0]: Value(numerator=1, denominator=100),
        months(10)[0]: Value(numerator=5, denominator=10),
    }
    quarter = roll_up(SIGNED, stored, Q3)
    assert quarter is not None and quarter.stored
    assert quarter.label_vi() == "giá trị nhập cho Quý III/2023"
    half = roll_up(SIGNED, stored, Period.parse("2023-H2"))
    assert half is not None
    assert (half.value.numerator, half.value.denominator) == (14, 20)
    assert half.parts == (Q3, months(10)[0]) and half.months == 4


def test_nothing_inside_the_period_and_numbers_without_rule() -> None:
    assert roll_up(MEETINGS, {Period.month_of(2023, 6): Value(number=1)}, Q3) is None
    bare = Node("x", "X", 1, input=InputKind.NUMBER)
    single = roll_up(bare, {Q3: Value(number=3)}, Q3)
    assert single is not None and single.value.number == 3
    with pytest.raises(RollupProblem, match="chưa khai báo cách cộng dồn"):
        roll_up(bare, {months(7)[0]: Value(number=3)}, Q3)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.integers(1, 12), st.tuples(st.integers(0, 50), st.integers(50, 100)), min_size=1
    )
)
def test_a_year_of_rates_is_the_sum_of_its_months(monthly: dict[int, tuple[int, int]]) -> None:
    stored = {
        Period.month_of(2023, m): Value(numerator=n, denominator=d) for m, (n, d) in monthly.items()
    }
    rolled = roll_up(SIGNED, stored, Period.parse("2023"))
    assert rolled is not None
    assert rolled.value.numerator == sum(n for n, _ in monthly.values())
    assert rolled.value.denominator == sum(d for _, d in monthly.values())
    assert rolled.months == len(monthly)
    assert sorted(rolled.parts) == sorted(stored)
