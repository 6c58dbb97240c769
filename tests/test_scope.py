"""Which units a framework evaluates: kinds, groups, the scheme in force, existence on the
period, and never the parent whose values only roll up the units evaluated."""

from __future__ import annotations

from datetime import date

from chiso.domain.periods import Period
from chiso.domain.scope import Scope, ScopeUnit, exclusion, select
from chiso.services.scoring import frameworks

Y2024 = Period.parse("2024")
Q3_2025 = Period.parse("2025-Q3")
PROVINCE = ScopeUnit("2025:75", "province", scheme="2025")
UNITS = [
    PROVINCE,
    ScopeUnit("SGTVT", "department", ("Sở, ban, ngành",), parent="2025:75"),
    ScopeUnit(
        "SKHCN", "department", ("Sở, ban, ngành", "Có cung cấp dịch vụ công"), parent="2025:75"
    ),
    ScopeUnit(
        "2025:26020", "commune", scheme="2025", valid_from=date(2025, 7, 1), parent="2025:75"
    ),
    ScopeUnit("legacy:75", "province", scheme="legacy", valid_to=date(2025, 6, 30)),
    ScopeUnit(
        "legacy:694", "district", scheme="legacy", valid_to=date(2025, 6, 30), parent="legacy:75"
    ),
    ScopeUnit(
        "legacy:25432", "commune", scheme="legacy", valid_to=date(2025, 6, 30), parent="legacy:694"
    ),
]


def codes(scope: Scope, period: Period) -> list[str]:
    return [u.code for u in select(scope, UNITS, period)[0]]


def test_kinds_and_groups_must_both_fit() -> None:
    assert codes(Scope(frozenset({"department"})), Q3_2025) == ["SGTVT", "SKHCN"]
    assert codes(Scope(frozenset({"department"}), ("có cung cấp dịch vụ công",)), Q3_2025) == [
        "SKHCN"
    ]


def test_the_scheme_in_force_on_the_periods_last_day() -> None:
    communes = Scope(frozenset({"commune"}))
    assert codes(communes, Q3_2025) == ["2025:26020"]
    assert codes(communes, Y2024) == ["legacy:25432"]
    assert codes(Scope(frozenset({"commune"}), scheme="legacy"), Q3_2025) == []
    assert codes(Scope(frozenset({"commune"}), scheme="any"), Period.parse("2025")) == [
        "2025:26020",
        "legacy:25432",
    ]


def test_abolished_units_only_for_periods_when_they_existed() -> None:
    anyone = Scope(frozenset({"district"}), scheme="any")
    assert codes(anyone, Period.parse("2025-H1")) == ["legacy:694"]
    assert codes(anyone, Q3_2025) == []
    why = exclusion(anyone, UNITS[5], Q3_2025, False)
    assert why == "đơn vị không tồn tại trong Quý III/2025"


def test_a_parent_is_left_out_when_units_below_it_are_evaluated() -> None:
    everything = Scope()
    kept, reasons = select(everything, UNITS, Q3_2025)
    assert [u.code for u in kept] == ["SGTVT", "SKHCN", "2025:26020"]
    assert (
        reasons["2025:75"]
        == "đơn vị cấp trên, số liệu chỉ là tổng hợp của các đơn vị được đánh giá"
    )
    assert codes(everything, Y2024) == ["SGTVT", "SKHCN", "legacy:25432"]
    assert codes(Scope(frozenset({"province"})), Q3_2025) == ["2025:75"]


def test_shipped_frameworks_declare_their_scope() -> None:
    department = frameworks.shipped("dti-department-500").scope
    assert department.kinds == {"department", "other"}
    province = frameworks.shipped("dti-province-922").scope
    assert codes(province, Y2024) == ["legacy:75"]
    assert codes(province, Q3_2025) == ["2025:75"]
    assert frameworks.shipped("commune-example").scope.kinds == {"commune"}
    usage = frameworks.shipped("platform-usage").scope
    assert "2025:75" not in codes(usage, Q3_2025)
    assert codes(usage, Q3_2025) == ["SGTVT", "SKHCN", "2025:26020"]
