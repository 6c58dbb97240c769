from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chiso.domain.periods import Granularity, Period, PeriodError

periods = st.builds(
    lambda g, year, n: Period(year, n % (12 // g.months) + 1, g),
    st.sampled_from(list(Granularity)),
    st.integers(1990, 2100),
    st.integers(0, 11),
)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("2023", "năm 2023"),
        ("2023-H1", "6 tháng đầu năm 2023"),
        ("2023-H2", "6 tháng cuối năm 2023"),
        ("2023-Q3", "Quý III/2023"),
        ("2023-07", "tháng 7/2023"),
    ],
)
def test_labels_and_reparse(text: str, label: str) -> None:
    period = Period.parse(text)
    assert period.label_vi == label
    assert str(period) == text
    assert Period.parse(label) == period


@pytest.mark.parametrize("bad", ["", "2023-Q5", "2023-13", "2023-H3", "23", "Q3 2023", "2023-00"])
def test_rejects_bad_text(bad: str) -> None:
    with pytest.raises(PeriodError):
        Period.parse(bad)


def test_months_and_bounds() -> None:
    q3 = Period.parse("2023-Q3")
    assert [str(m) for m in q3.months()] == ["2023-07", "2023-08", "2023-09"]
    assert q3.start == date(2023, 7, 1)
    assert q3.end == date(2023, 9, 30)
    assert Period.parse("2024-02").end == date(2024, 2, 29)
    assert str(Period.parse("2023-01").previous()) == "2022-12"
    assert str(Period.parse("2023-H1").previous()) == "2022-H2"
    assert str(Period.parse("2023-Q1").year_earlier()) == "2022-Q1"
    assert str(Period.parse("2023-08").enclosing(Granularity.QUARTER)) == "2023-Q3"


@given(periods)
def test_round_trip(period: Period) -> None:
    assert Period.parse(str(period)) == period
    assert Period.parse(period.label_vi) == period


@given(periods)
def test_previous_and_next_are_inverse(period: Period) -> None:
    assert period.previous().next() == period
    assert period.previous().end < period.start
    assert (period.start - period.previous().end).days == 1


@given(periods)
def test_months_tile_the_period(period: Period) -> None:
    months = period.months()
    assert len(months) == period.granularity.months
    assert months[0].start == period.start
    assert months[-1].end == period.end
    assert all(period.contains(m) for m in months)
    assert all(m.enclosing(period.granularity) == period for m in months)


@given(periods)
def test_year_earlier_keeps_position(period: Period) -> None:
    earlier = period.year_earlier()
    assert earlier.granularity == period.granularity
    assert earlier.number == period.number
    assert earlier == period.shifted(-(12 // period.granularity.months))
