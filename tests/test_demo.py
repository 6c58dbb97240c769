from __future__ import annotations

from chiso.services.system.demo import build_demo
from chiso.services.units.catalogue import show_unit


def test_demo_province_is_real_and_rebuilds_harmlessly(rt) -> None:
    first = build_demo(rt)
    assert first.units.created["province"] == 3
    assert len(first.departments.created) == 14
    detail = show_unit(rt, "2025:75")
    assert detail.children == 95 + 14
    again = build_demo(rt)
    assert not again.units.changed
    assert again.departments.created == []
    assert again.departments.unchanged == 14
