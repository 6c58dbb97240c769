"""A demo province built from real units, so a first look at chiso shows real names."""

from __future__ import annotations

from dataclasses import dataclass

from chiso.services.runtime import Progress, Runtime, no_progress
from chiso.services.units_departments import load_departments
from chiso.services.units_import import ImportReport
from chiso.services.units_seed import SeedReport, seed

DEMO_PROVINCE = "75"
"""Đồng Nai since 1/7/2025: the old Đồng Nai and Bình Phước (seeds 000–002) merged."""


@dataclass(frozen=True)
class DemoReport:
    province: str
    units: SeedReport
    departments: ImportReport


def build_demo(
    rt: Runtime, province: str = DEMO_PROVINCE, progress: Progress = no_progress
) -> DemoReport:
    units = seed(rt, "all", province, progress)
    departments = load_departments(rt, province)
    assert isinstance(departments, ImportReport)
    return DemoReport(province, units, departments)
